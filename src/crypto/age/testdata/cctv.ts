/**
 * Test vectors from the age project's CCTV testkit (FiloSottile/age, testdata/testkit; also
 * published as c2sp.org/CCTV/age), transcribed for the X25519 subset. File names are the
 * testkit's. Used by cctv.test.ts only.
 *
 * Binary vectors: the header is given as text (bytes = latin1 encoding). The testkit files have a
 * binary payload; where it is the same bytes as in a losslessly-available armored vector (same
 * file key, nonce and plaintext) it is given here, otherwise `payload` is null and only the
 * header is exercised. Every header transcription was checked by recomputing its HMAC with the
 * vector's file key (except the hmac_* vectors, whose MAC lines are deliberately broken).
 */

export type Expect = 'success' | 'no match' | 'header failure' | 'armor failure' | 'payload failure';

export interface BinaryVector {
  name: string;
  expect: Expect;
  identity: string;
  header: string;
  payload: string | null;
}

export interface ArmoredVector {
  name: string;
  expect: Expect;
  identity: string;
  /** sha256 of the plaintext, for success vectors */
  payloadSha256?: string;
  armored: string;
}

/** File key of every vector here. */
export const FILE_KEY = '59454c4c4f57205355424d4152494e45';
/** sha256 of the plaintext of the success vectors (unless stated otherwise). */
export const PAYLOAD_SHA256 = '013f54400c82da08037759ada907a8b864e97de81c088a182062c4b5622fd2ab';

const ID_X = 'AGE-SECRET-KEY-1XMWWC06LY3EE5RYTXM9MFLAZ2U56JJJ36S0MYPDRWSVLUL66MV4QX3S7F6';
const ID_E = 'AGE-SECRET-KEY-1EGTZVFFV20835NWYV6270LXYVK2VKNX2MMDKWYKLMGR48UAWX40Q2P2LM0';
const ID_N = 'AGE-SECRET-KEY-143WN7DCXU4G8R5AXQSSYD9AEPYDNT3HXSLWSPK36CDU6E8M59SSSAGZ3KG';

/** nonce ‖ STREAM of the common payload (hex), recovered from the `armor` vector. */
const P1 = 'eecf62c7ce91b433274e68d4f2f9134cb74c5bfef7beaa52c8f0bc0e992c1e8331fb66';
/** nonce ‖ STREAM of x25519_no_match (hex), recovered from the `armor_no_match` vector. */
const P_NO_MATCH = 'dddf72d06fbcab57df3d0d312496ad218cd7fd6f8078bbf8812dd87947155eb7bd5e88';

export const BINARY_VECTORS: BinaryVector[] = [
  {
    name: "x25519",
    expect: "success",
    identity: ID_X,
    header: "age-encryption.org/v1\n-> X25519 TEiF0ypqr+bpvcqXNyCVJpL7OuwPdVwPL7KQEbFDOCc\nEmECAEcKN+n/Vs9SbWiV+Hu0r+E8R77DdWYyd83nw7U\n--- Vn+54jqiiUCE+WZcEVY3f1sqHjlu/z1LCQ/T7Xm7qI0\n",
    payload: P1,
  },
  {
    name: "x25519_bad_tag",
    expect: "no match",
    identity: ID_X,
    header: "age-encryption.org/v1\n-> X25519 TEiF0ypqr+bpvcqXNyCVJpL7OuwPdVwPL7KQEbFDOCc\nEmECAEcKN+n/Vs9SbWiV+Hu0r+E8R77DdWYyd83nw0o\n--- tG0k9bg4iIuBdMWb13n7FFYDzoBbtsLppNLhbh22aKg\n",
    payload: P1,
  },
  {
    name: "x25519_extra_argument",
    expect: "header failure",
    identity: ID_X,
    header: "age-encryption.org/v1\n-> X25519 TEiF0ypqr+bpvcqXNyCVJpL7OuwPdVwPL7KQEbFDOCc 1234\nEmECAEcKN+n/Vs9SbWiV+Hu0r+E8R77DdWYyd83nw7U\n--- hQQySEUXL8pOuIOuw0qXzi66RphDJP9IKMNEChNJIPk\n",
    payload: P1,
  },
  {
    name: "x25519_low_order",
    expect: "header failure",
    identity: ID_E,
    header: "age-encryption.org/v1\n-> X25519 X5yVvKNQjCSx0LFVnIPvWwREXMRYHI6G2CJO3dCfEdc\n3E0NpFans/m0WLWF7+54ZBdNj3iqQqpraGDFiaRkvBA\n--- sXw327YMT1/ULXe+ZyRMbMY0Z2jnWHGgI9j1we6yQ8A\n",
    payload: null,
  },
  {
    name: "x25519_grease",
    expect: "success",
    identity: ID_X,
    header: "age-encryption.org/v1\n-> grease\n\n-> X25519 TEiF0ypqr+bpvcqXNyCVJpL7OuwPdVwPL7KQEbFDOCc\nEmECAEcKN+n/Vs9SbWiV+Hu0r+E8R77DdWYyd83nw7U\n-> grease\n\n--- 7NLrfbRUZt6qK0pdtARUf59dHwo12ReldjJKjMlbE3I\n",
    payload: P1,
  },
  {
    name: "x25519_identity",
    expect: "header failure",
    identity: ID_E,
    header: "age-encryption.org/v1\n-> X25519 AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\nW3E/OCRme9TiTY97JoK31Z71arNur77WIIdB90XnN3M\n--- Pne3IPMDvBj7wRbPMcNViffpVZAx814tgMxp8AwyMhs\n",
    payload: null,
  },
  {
    name: "x25519_lowercase",
    expect: "no match",
    identity: ID_X,
    header: "age-encryption.org/v1\n-> x25519 TEiF0ypqr+bpvcqXNyCVJpL7OuwPdVwPL7KQEbFDOCc\nEmECAEcKN+n/Vs9SbWiV+Hu0r+E8R77DdWYyd83nw7U\n--- SwXKO3dXLh9l5QiSgMWgPhCkwstT8oB4jLDv7aBgC+c\n",
    payload: P1,
  },
  {
    name: "x25519_multiple_recipients",
    expect: "success",
    identity: ID_X,
    header: "age-encryption.org/v1\n-> X25519 ajtqAvDEkVNr2B7zUOtq2mAQXDSBlNrVAuM/dKb5sT4\n0evrK/HQXVsQ4YaDe+659l5OQzvAzD2ytLGHQLQiqxg\n-> X25519 0qC7u6AbLxuwnM8tPFOWVtWZn/ZZe7z7gcsP5kgA0FI\nT/PZg76MmVt2IaLntrxppzDnzeFDYHsHFcnTnhbRLQ8\n--- 7W07ef2PhsTAl74pn+9vSj/Xzukwa6SuTqMc16cdBk0\n",
    payload: null,
  },
  {
    name: "x25519_no_match",
    expect: "no match",
    identity: ID_N,
    header: "age-encryption.org/v1\n-> X25519 ajtqAvDEkVNr2B7zUOtq2mAQXDSBlNrVAuM/dKb5sT4\nHUKtz0R2j5Bl2ER7HhAZrURikCFpiIjNa0KjHcjbAGU\n--- rrpTlvKEKrK3EqhoOPJeP1KE8O1d2arrRez77mwekRc\n",
    payload: P_NO_MATCH,
  },
  {
    name: "x25519_not_canonical_body",
    expect: "header failure",
    identity: ID_X,
    header: "age-encryption.org/v1\n-> X25519 TEiF0ypqr+bpvcqXNyCVJpL7OuwPdVwPL7KQEbFDOCc\nEmECAEcKN+n/Vs9SbWiV+Hu0r+E8R77DdWYyd83nw7V\n--- eSjjCjQyp30yHDPwCztKS+1txs+aoCa5ERz8jeEp+9A\n",
    payload: P1,
  },
  {
    name: "x25519_not_canonical_share",
    expect: "header failure",
    identity: ID_X,
    header: "age-encryption.org/v1\n-> X25519 TEiF0ypqr+bpvcqXNyCVJpL7OuwPdVwPL7KQEbFDOCd\nEmECAEcKN+n/Vs9SbWiV+Hu0r+E8R77DdWYyd83nw7U\n--- AO6haEGU6BGJ8Tzeqnr2fSLEo31JrWodGtZuCZmijI8\n",
    payload: P1,
  },
  {
    name: "x25519_short_share",
    expect: "header failure",
    identity: ID_E,
    header: "age-encryption.org/v1\n-> X25519 l7o4oTX9X5E3/KODa/7CQ0CrA9fKMWsm9IJjYzSlJg\nyUGP5aPob6YJ+vzRfBtDT9D1K/wmyheZE/Xl/mDSKA4\n--- Zn1/VRtHpD93HtIXSv1S++POXeKcQF7w1+hpXhMiAbk\n",
    payload: null,
  },
  {
    name: "hmac_extra_space",
    expect: "header failure",
    identity: ID_E,
    header: "age-encryption.org/v1\n-> X25519 TEiF0ypqr+bpvcqXNyCVJpL7OuwPdVwPL7KQEbFDOCc\nhjabGXwSLQ9c3S6Lw2i+S2Tu2fiwQHHslbBN6B41FLE\n---  WyJp9F/9FOZh7gJdheq2WIJcwHgYc8NIVh3ddwhrcNg\n",
    payload: P1,
  },
  {
    name: "hmac_garbage",
    expect: "header failure",
    identity: ID_E,
    header: "age-encryption.org/v1\n-> X25519 TEiF0ypqr+bpvcqXNyCVJpL7OuwPdVwPL7KQEbFDOCc\nhjabGXwSLQ9c3S6Lw2i+S2Tu2fiwQHHslbBN6B41FLE\n--- WyJp9F/9FOZh7gJdheq2WIJcwHgYc8NIVh3ddwhrcNgAAA\n",
    payload: P1,
  },
  {
    name: "hmac_missing",
    expect: "header failure",
    identity: ID_E,
    header: "age-encryption.org/v1\n-> X25519 TEiF0ypqr+bpvcqXNyCVJpL7OuwPdVwPL7KQEbFDOCc\nhjabGXwSLQ9c3S6Lw2i+S2Tu2fiwQHHslbBN6B41FLE\n--- \n",
    payload: P1,
  },
  {
    name: "hmac_no_space",
    expect: "header failure",
    identity: ID_E,
    header: "age-encryption.org/v1\n-> X25519 TEiF0ypqr+bpvcqXNyCVJpL7OuwPdVwPL7KQEbFDOCc\nhjabGXwSLQ9c3S6Lw2i+S2Tu2fiwQHHslbBN6B41FLE\n---WyJp9F/9FOZh7gJdheq2WIJcwHgYc8NIVh3ddwhrcNg\n",
    payload: P1,
  },
  {
    name: "hmac_not_canonical",
    expect: "header failure",
    identity: ID_E,
    header: "age-encryption.org/v1\n-> X25519 TEiF0ypqr+bpvcqXNyCVJpL7OuwPdVwPL7KQEbFDOCc\nhjabGXwSLQ9c3S6Lw2i+S2Tu2fiwQHHslbBN6B41FLE\n--- WyJp9F/9FOZh7gJdheq2WIJcwHgYc8NIVh3ddwhrcNh\n",
    payload: P1,
  },
  {
    name: "hmac_trailing_space",
    expect: "header failure",
    identity: ID_E,
    header: "age-encryption.org/v1\n-> X25519 TEiF0ypqr+bpvcqXNyCVJpL7OuwPdVwPL7KQEbFDOCc\nhjabGXwSLQ9c3S6Lw2i+S2Tu2fiwQHHslbBN6B41FLE\n--- WyJp9F/9FOZh7gJdheq2WIJcwHgYc8NIVh3ddwhrcNg \n",
    payload: P1,
  },
  {
    name: "hmac_truncated",
    expect: "header failure",
    identity: ID_E,
    header: "age-encryption.org/v1\n-> X25519 TEiF0ypqr+bpvcqXNyCVJpL7OuwPdVwPL7KQEbFDOCc\nhjabGXwSLQ9c3S6Lw2i+S2Tu2fiwQHHslbBN6B41FLE\n--- WyJp\n",
    payload: P1,
  },
  {
    name: "version_unsupported",
    expect: "header failure",
    identity: ID_X,
    header: "age-encryption.org/v1234\n-> X25519 TEiF0ypqr+bpvcqXNyCVJpL7OuwPdVwPL7KQEbFDOCc\nEmECAEcKN+n/Vs9SbWiV+Hu0r+E8R77DdWYyd83nw7U\n--- 38AL8Mr4VwmS6CNbM4bc7u3WwGBDqsMTRHOuYJ9ckqs\n",
    payload: P1,
  },
  {
    name: "valid_characters",
    expect: "success",
    identity: ID_X,
    header: "age-encryption.org/v1\n-> !\"#$%&' ()*+,-./ 01234567 89:;<=>? @ABCDEFG HIJKLMNO PQRSTUVW XYZ[\\]^_ `abcdefg hijklmno pqrstuvw xyz{|}~\n\n-> X25519 TEiF0ypqr+bpvcqXNyCVJpL7OuwPdVwPL7KQEbFDOCc\nEmECAEcKN+n/Vs9SbWiV+Hu0r+E8R77DdWYyd83nw7U\n--- XdSsgCFKtyPBxU0ard+ElUYUfOp6XQtDhzDGFUCLbjo\n",
    payload: P1,
  },
  {
    name: "scrypt_and_x25519",
    expect: "header failure",
    identity: ID_N,
    header: "age-encryption.org/v1\n-> X25519 ajtqAvDEkVNr2B7zUOtq2mAQXDSBlNrVAuM/dKb5sT4\nU+hKlJ4isweJ9PKG7pgscmG3cPASLgTw7SOBpbZ8x2U\n-> scrypt 3d9y0G+8q1ffPQ0xJJatIQ 10\nfoZolxuhRSL7IG7oaR+456IzkHtvue7j4mUjh3DB6EI\n--- yp4Z0lV1LEdkm1+uDCuPUV+9hIXbPKrBXKQ/f5Y03As\n",
    payload: null,
  },
  {
    name: "stanza_bad_start",
    expect: "header failure",
    identity: ID_X,
    header: "age-encryption.org/v1\n-> X25519 TEiF0ypqr+bpvcqXNyCVJpL7OuwPdVwPL7KQEbFDOCc\nEmECAEcKN+n/Vs9SbWiV+Hu0r+E8R77DdWYyd83nw7U\n-- stanza\n\n--- lpxzkyQGe/sA7F1yh4c6KVZV7//jANm5lYefTToioXs\n",
    payload: P1,
  },
  {
    name: "stanza_base64_padding",
    expect: "header failure",
    identity: ID_X,
    header: "age-encryption.org/v1\n-> X25519 TEiF0ypqr+bpvcqXNyCVJpL7OuwPdVwPL7KQEbFDOCc\nEmECAEcKN+n/Vs9SbWiV+Hu0r+E8R77DdWYyd83nw7U\n-> stanza\nQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFB\nQUE=\n--- OtG7IuNHaf2SHZuowmxg/fhbhtz0/DI5g5OGd7WH7S0\n",
    payload: P1,
  },
  {
    name: "stanza_empty_argument",
    expect: "header failure",
    identity: ID_X,
    header: "age-encryption.org/v1\n-> X25519 TEiF0ypqr+bpvcqXNyCVJpL7OuwPdVwPL7KQEbFDOCc\nEmECAEcKN+n/Vs9SbWiV+Hu0r+E8R77DdWYyd83nw7U\n-> stanza  argument\n\n--- bosBxVRBzKF9emyxQ9BERq7+D5JKU+lvbEsL8UHJ/SA\n",
    payload: P1,
  },
  {
    name: "stanza_empty_body",
    expect: "success",
    identity: ID_X,
    header: "age-encryption.org/v1\n-> X25519 TEiF0ypqr+bpvcqXNyCVJpL7OuwPdVwPL7KQEbFDOCc\nEmECAEcKN+n/Vs9SbWiV+Hu0r+E8R77DdWYyd83nw7U\n-> empty\n\n--- 697zSC9pa/ZLNIaXGtuwcUobmxv+Dpx48Hv0papk5c0\n",
    payload: P1,
  },
  {
    name: "stanza_empty_last_line",
    expect: "success",
    identity: ID_X,
    header: "age-encryption.org/v1\n-> X25519 TEiF0ypqr+bpvcqXNyCVJpL7OuwPdVwPL7KQEbFDOCc\nEmECAEcKN+n/Vs9SbWiV+Hu0r+E8R77DdWYyd83nw7U\n-> stanza\nQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFB\n\n--- +3PC416gxa7Mk7WxpX0kb6DVfSuCun0niGre+G4bZhE\n",
    payload: P1,
  },
  {
    name: "stanza_invalid_character",
    expect: "header failure",
    identity: ID_X,
    header: "age-encryption.org/v1\n-> X25519 TEiF0ypqr+bpvcqXNyCVJpL7OuwPdVwPL7KQEbFDOCc\nEmECAEcKN+n/Vs9SbWiV+Hu0r+E8R77DdWYyd83nw7U\n-> stanza \u00c3\u00a8\n\n--- sTIB/0Fc74rhpjC4RAxoR3E01eVTTnWruaD+c5QWjKI\n",
    payload: P1,
  },
  {
    name: "stanza_long_line",
    expect: "header failure",
    identity: ID_X,
    header: "age-encryption.org/v1\n-> X25519 TEiF0ypqr+bpvcqXNyCVJpL7OuwPdVwPL7KQEbFDOCc\nEmECAEcKN+n/Vs9SbWiV+Hu0r+E8R77DdWYyd83nw7U\n-> stanza\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\n\n--- tnRUR2vmmU92czsjnioF5ujgXUetUhzUoQPPGT9wmug\n",
    payload: P1,
  },
  {
    name: "stanza_missing_body",
    expect: "header failure",
    identity: ID_X,
    header: "age-encryption.org/v1\n-> X25519 TEiF0ypqr+bpvcqXNyCVJpL7OuwPdVwPL7KQEbFDOCc\nEmECAEcKN+n/Vs9SbWiV+Hu0r+E8R77DdWYyd83nw7U\n-> empty\n--- CDgFIIJ1wE4CpW6zG+LVZ6/G/RCNTH6ZUVGp2NbeIkU\n",
    payload: P1,
  },
  {
    name: "stanza_missing_final_line",
    expect: "header failure",
    identity: ID_X,
    header: "age-encryption.org/v1\n-> X25519 TEiF0ypqr+bpvcqXNyCVJpL7OuwPdVwPL7KQEbFDOCc\nEmECAEcKN+n/Vs9SbWiV+Hu0r+E8R77DdWYyd83nw7U\n-> stanza\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\n--- GRjUy1ShNhFoV3cQikdtUZqDeDEZSrbtNXUgDtDbwC8\n",
    payload: P1,
  },
  {
    name: "stanza_multiple_short_lines",
    expect: "header failure",
    identity: ID_X,
    header: "age-encryption.org/v1\n-> X25519 TEiF0ypqr+bpvcqXNyCVJpL7OuwPdVwPL7KQEbFDOCc\nEmECAEcKN+n/Vs9SbWiV+Hu0r+E8R77DdWYyd83nw7U\n-> stanza\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\n--- ct87HSIMoTC4nUsQva+8AeKc2bK2q8b9sPjRhjuf1us\n",
    payload: P1,
  },
  {
    name: "stanza_no_arguments",
    expect: "header failure",
    identity: ID_X,
    header: "age-encryption.org/v1\n-> X25519 TEiF0ypqr+bpvcqXNyCVJpL7OuwPdVwPL7KQEbFDOCc\nEmECAEcKN+n/Vs9SbWiV+Hu0r+E8R77DdWYyd83nw7U\n->\n\n--- B0qjnUjVajTa8I4Uia49g1c4DMQQN6u9m9QOSS1HLks\n",
    payload: P1,
  },
  {
    name: "stanza_not_canonical",
    expect: "header failure",
    identity: ID_X,
    header: "age-encryption.org/v1\n-> X25519 TEiF0ypqr+bpvcqXNyCVJpL7OuwPdVwPL7KQEbFDOCc\nEmECAEcKN+n/Vs9SbWiV+Hu0r+E8R77DdWYyd83nw7U\n-> stanza\nQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFB\nQUF\n--- nQM2VCzmNLPrUurNWN+SW9wVp/9uTMQ/6CTUM7l8c84\n",
    payload: P1,
  },
  {
    name: "stanza_spurious_cr",
    expect: "header failure",
    identity: ID_X,
    header: "age-encryption.org/v1\n-> X25519 TEiF0ypqr+bpvcqXNyCVJpL7OuwPdVwPL7KQEbFDOCc\nEmECAEcKN+n/Vs9SbWiV+Hu0r+E8R77DdWYyd83nw7U\n-> stanza\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\rAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\n--- MZaFAh8ldzU0F88NJjLx5yd7fnd57XS5COowmgvQtXQ\n",
    payload: P1,
  },
  {
    name: "stanza_valid_characters",
    expect: "success",
    identity: ID_X,
    header: "age-encryption.org/v1\n-> !\"#$%&' ()*+,-./ 01234567 89:;<=>? @ABCDEFG HIJKLMNO\n\n-> PQRSTUVW XYZ[\\]^_ `abcdefg hijklmno pqrstuvw xyz{|}~\n\n-> X25519 TEiF0ypqr+bpvcqXNyCVJpL7OuwPdVwPL7KQEbFDOCc\nEmECAEcKN+n/Vs9SbWiV+Hu0r+E8R77DdWYyd83nw7U\n--- x538z9xJq9XEK1aTTTv80aWDVvVdROvaXn2tpqXPC8g\n",
    payload: P1,
  },];

const BEGIN = '-----BEGIN AGE ENCRYPTED FILE-----';
const END = '-----END AGE ENCRYPTED FILE-----';
/** The `x25519` vector, armored. */
const L = [
  'YWdlLWVuY3J5cHRpb24ub3JnL3YxCi0+IFgyNTUxOSBURWlGMHlwcXIrYnB2Y3FY',
  'TnlDVkpwTDdPdXdQZFZ3UEw3S1FFYkZET0NjCkVtRUNBRWNLTituL1ZzOVNiV2lW',
  'K0h1MHIrRThSNzdEZFdZeWQ4M253N1UKLS0tIFZuKzU0anFpaVVDRStXWmNFVlkz',
  'ZjFzcUhqbHUvejFMQ1EvVDdYbTdxSTAK7s9ix86RtDMnTmjU8vkTTLdMW/73vqpS',
  'yPC8DpksHoMx+2Y=',
] as const;
const lines = (...ls: string[]): string => ls.join('\n');
const ARMOR = lines(BEGIN, ...L, END, '');

export const ARMORED_VECTORS: ArmoredVector[] = [
  { name: 'armor', expect: 'success', identity: ID_X, payloadSha256: PAYLOAD_SHA256, armored: ARMOR },
  {
    name: 'armor_crlf',
    expect: 'success',
    identity: ID_X,
    payloadSha256: PAYLOAD_SHA256,
    armored: [BEGIN, ...L, END, ''].join('\r\n'),
  },
  { name: 'armor_empty_line_begin', expect: 'armor failure', identity: ID_X, armored: lines(BEGIN, '', ...L, END, '') },
  { name: 'armor_empty_line_end', expect: 'armor failure', identity: ID_X, armored: lines(BEGIN, ...L, '', END, '') },
  {
    name: 'armor_eol_between_padding',
    expect: 'armor failure',
    identity: ID_X,
    armored: lines(
      BEGIN,
      L[0],
      L[1],
      L[2],
      'ZjFzcUhqbHUvejFMQ1EvVDdYbTdxSTAK7s9ix86RtDMnTmjU8vkTTLdMW2ewwwqo',
      'mNlxYv6gMOKyDNzgiw=',
      '=',
      END,
      '',
    ),
  },
  {
    name: 'armor_full_last_line',
    expect: 'success',
    identity: ID_X,
    payloadSha256: '724a112a2cac139a4fca3ea0f799f2e5ccd1d0db46af654dee40567bff16ee33',
    armored: lines(
      BEGIN,
      L[0],
      L[1],
      L[2],
      'ZjFzcUhqbHUvejFMQ1EvVDdYbTdxSTAK7s9ix86RtDMnTmjU8vkTTLdMW3bj4iHS',
      'YS3WWUtZB5wJqKgEe8kpsp0iOnD2CNG4DVKBC0Z7SAcCFb8xdwV9CRavSEE7OU1c',
      END,
      '',
    ),
  },
  { name: 'armor_garbage_leading', expect: 'armor failure', identity: ID_X, armored: 'garbage\n' + ARMOR },
  { name: 'armor_garbage_trailing', expect: 'armor failure', identity: ID_X, armored: ARMOR + 'garbage\n' },
  {
    name: 'armor_header_crlf',
    expect: 'header failure',
    identity: ID_E,
    armored: lines(
      BEGIN,
      'YWdlLWVuY3J5cHRpb24ub3JnL3YxDQotPiBYMjU1MTkgVEVpRjB5cHFyK2JwdmNx',
      'WE55Q1ZKcEw3T3V3UGRWd1BMN0tRRWJGRE9DYw0KaGphYkdYd1NMUTljM1M2THcy',
      'aStTMlR1MmZpd1FISHNsYkJONkI0MUZMRQ0KLS0tIDJLSUdiN3llMzJNV3RVdUVW',
      'V2tPM01QNnFDREx6T3ZUOXdGMDZsZWxCU0kNCu7PYsfOkbQzJ05o1PL5E0y3TFv+',
      '976qUsjwvA6ZLB6DMftm',
      END,
      '',
    ),
  },
  {
    name: 'armor_headers',
    expect: 'armor failure',
    identity: ID_X,
    armored: lines(BEGIN, 'Headers: are', 'Not: allowed', '', ...L, END, ''),
  },
  {
    name: 'armor_invalid_character_header',
    expect: 'armor failure',
    identity: ID_X,
    armored: lines(BEGIN, L[0].replace('YWdlL', 'YWdl*'), L[1], L[2], L[3], L[4], END, ''),
  },
  {
    name: 'armor_invalid_character_payload',
    expect: 'armor failure',
    identity: ID_X,
    armored: lines(BEGIN, L[0], L[1], L[2], L[3], '*PC8DpksHoMx+2Y=', END, ''),
  },
  { name: 'armor_long_line', expect: 'armor failure', identity: ID_X, armored: lines(BEGIN, L.join(''), END, '') },
  {
    name: 'armor_lowercase',
    expect: 'armor failure',
    identity: ID_X,
    armored: lines('-----BEGIN age ENCRYPTED FILE-----', ...L, '-----END age ENCRYPTED FILE-----', ''),
  },
  { name: 'armor_no_end_line', expect: 'armor failure', identity: ID_X, armored: lines(BEGIN, ...L, '') },
  {
    name: 'armor_no_eol',
    expect: 'success',
    identity: ID_X,
    payloadSha256: PAYLOAD_SHA256,
    armored: lines(BEGIN, ...L, END),
  },
  {
    name: 'armor_no_match',
    expect: 'no match',
    identity: ID_N,
    armored: lines(
      BEGIN,
      'YWdlLWVuY3J5cHRpb24ub3JnL3YxCi0+IFgyNTUxOSBhanRxQXZERWtWTnIyQjd6',
      'VU90cTJtQVFYRFNCbE5yVkF1TS9kS2I1c1Q0CkhVS3R6MFIyajVCbDJFUjdIaEFa',
      'clVSaWtDRnBpSWpOYTBLakhjamJBR1UKLS0tIHJycFRsdktFS3JLM0VxaG9PUEpl',
      'UDFLRThPMWQyYXJyUmV6Nzdtd2VrUmMK3d9y0G+8q1ffPQ0xJJatIYzX/W+AeLv4',
      'gS3YeUcVXre9Xog=',
      END,
      '',
    ),
  },
  {
    name: 'armor_no_padding',
    expect: 'armor failure',
    identity: ID_X,
    armored: lines(BEGIN, L[0], L[1], L[2], L[3], 'yPC8DpksHoMx+2Y', END, ''),
  },
  {
    name: 'armor_not_canonical',
    expect: 'armor failure',
    identity: ID_X,
    armored: lines(BEGIN, L[0], L[1], L[2], L[3], 'yPC8DpksHoMx+2Z=', END, ''),
  },
  {
    name: 'armor_pgp_checksum',
    expect: 'armor failure',
    identity: ID_X,
    armored: lines(BEGIN, '', ...L, '=J2ub', END, ''),
  },
  {
    name: 'armor_short_line',
    expect: 'armor failure',
    identity: ID_X,
    armored: lines(
      BEGIN,
      'YWdlLWVuY3J5cHRp',
      'b24ub3JnL3YxCi0+IFgyNTUxOSBURWlGMHlwcXIrYnB2Y3FYTnlDVkpwTDdPdXdQ',
      'ZFZ3UEw3S1FFYkZET0NjCkVtRUNBRWNLTituL1ZzOVNiV2lWK0h1MHIrRThSNzdE',
      'ZFdZeWQ4M253N1UKLS0tIFZuKzU0anFpaVVDRStXWmNFVlkzZjFzcUhqbHUvejFM',
      'Q1EvVDdYbTdxSTAK7s9ix86RtDMnTmjU8vkTTLdMW/73vqpSyPC8DpksHoMx+2Y=',
      END,
      '',
    ),
  },
  {
    name: 'armor_whitespace_begin',
    expect: 'armor failure',
    identity: ID_X,
    armored: lines('----- BEGIN AGE ENCRYPTED FILE -----', ...L, END, ''),
  },
  {
    name: 'armor_whitespace_end',
    expect: 'armor failure',
    identity: ID_X,
    armored: lines(BEGIN, ...L, '----- END AGE ENCRYPTED FILE -----', ''),
  },
  {
    name: 'armor_whitespace_eol',
    expect: 'armor failure',
    identity: ID_X,
    armored: lines(BEGIN, L[0], L[1], L[2], L[3] + ' ', L[4], END, ''),
  },
  {
    name: 'armor_whitespace_last_line',
    expect: 'armor failure',
    identity: ID_X,
    armored: lines(BEGIN, L[0], L[1], L[2], L[3], L[4] + ' ', END, ''),
  },
  {
    name: 'armor_whitespace_line_start',
    expect: 'armor failure',
    identity: ID_X,
    armored: lines(BEGIN, L[0], L[1], L[2], ' ' + L[3], L[4], END, ''),
  },
  {
    name: 'armor_whitespace_outside',
    expect: 'success',
    identity: ID_X,
    payloadSha256: PAYLOAD_SHA256,
    armored: '\n   \t\n' + ARMOR + '\n   \t\n',
  },
  {
    name: 'armor_wrong_type',
    expect: 'armor failure',
    identity: ID_X,
    armored: lines('-----BEGIN AGE ENCRYPTED MESSAGE-----', ...L, '-----END AGE ENCRYPTED MESSAGE-----', ''),
  },
];

/**
 * Full binary files from typage's test suite (tests/index.test.ts), base64 of the whole file.
 * Both decrypt to "test\n".
 */
export const TYPAGE_X25519 = {
  identity: 'AGE-SECRET-KEY-1L27NYJDYRNDSCCELNZE8C6JTSH22TLQJVPGD7289KDLMZA5HWN6SZPEHGF',
  fileBase64:
    'YWdlLWVuY3J5cHRpb24ub3JnL3YxCi0+IFgyNTUxOSBOb280UHUyVWZwTllzY3Z5OU1tTjlscHV1Smt4Nng0MEZkdGZoQzd1dVFZCmk0VUNvVmoxbEhHalV0bVR2MHFyRGl0YzNtMXdoY1oyVUtvWDU3MUQwR1EKLS0tIGJ1RTZSYmR6ZlNHSk5tSGl3U2hqR1FFUDF4eEdjSGZtbXlYQUN4SnM4RDAKyqdZXpg65sTtmakjxLONtEgaSwXeS8t+7jAWvlleVEFO4/9QIQ',
  plaintext: 'test\n',
};
export const TYPAGE_SCRYPT = {
  passphrase: 'light-original-energy-average-wish-blind-vendor-pencil-illness-scorpion',
  fileBase64:
    'YWdlLWVuY3J5cHRpb24ub3JnL3YxCi0+IHNjcnlwdCB4Y2lkcXJQdmwwZzRROEZ5eXU4dHNnIDgKNnM2Ylp2Vlg2b0NBSVp2QkxCZEhJbEJrYUcreWRIZHVHWVpBaUJkUy9ZMAotLS0gZ280TkNGT05VTDEwZW5WRjVPMnkxem05eWQwdkM0S09hSU1nV05aYW5QSQom4WH7RYXsjlDm3HNKCe9gY2IfCjTY/2t6PF4bzUkeWZWkE7kd',
  plaintext: 'test\n',
};

/** Identity ↔ recipient pairs from typage's tests. */
export const KEY_PAIRS = [
  {
    identity: 'AGE-SECRET-KEY-1RKH0DGHQ0FU6VLXX2VW6Y3W2TKK7KR4J36N9SNDXK75JHCJ3N6JQNZJF5J',
    recipient: 'age1tgyuvdlmpejqsdf847hevurz9szk7vf3j7ytfyqecgzvphvu2d8qrtaxl6',
  },
];
