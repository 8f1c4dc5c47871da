/**
 * The age X25519 recipient type (age-encryption.org/v1, "X25519 recipient stanza").
 *
 *     -> X25519 <base64(ephemeral share)>
 *     <base64(ChaCha20-Poly1305(key, zero nonce, file key))>
 *
 * key = HKDF-SHA-256(ikm = X25519(secret, share), salt = share ‖ recipient, info = LABEL).
 *
 * Key objects: private keys are imported once from PKCS #8 DER and cached. Per-file public keys
 * (stanza shares) are imported as JWK rather than SPKI DER: with Node 20 / OpenSSL 3 a DER import
 * goes through the generic OSSL_DECODER machinery and costs ~95 µs, a JWK import ~7 µs, and the
 * result is the same raw X25519 key.
 */

import {
  createHash,
  hkdfSync,
  createPrivateKey,
  createPublicKey,
  diffieHellman,
  generateKeyPairSync,
  randomBytes,
  type KeyObject,
} from 'node:crypto';
import { FormatError, IntegrityError } from '../../kernel/errors.js';
import { open, seal } from './aead.js';
import { decodeNoPad, encodeNoPad } from './base64.js';
import { bech32Decode, bech32Encode } from './bech32.js';
import type { Stanza } from './format.js';
import { hkdf32, hkdfInfo } from './hkdf.js';

export const X25519_STANZA_TYPE = 'X25519';
const LABEL = hkdfInfo('age-encryption.org/v1/X25519');
const RECIPIENT_HRP = 'age';
const IDENTITY_HRP = 'AGE-SECRET-KEY-';
const PKCS8_PREFIX = Buffer.from('302e020100300506032b656e04220420', 'hex');
const ZERO_NONCE = Buffer.alloc(12);
const FILE_KEY_SIZE = 16;
const POINT_SIZE = 32;

function invalidStanza(): IntegrityError {
  return new IntegrityError('malformed age header: invalid X25519 recipient stanza', {
    hint: 'the file is corrupted or was not produced by a conforming age implementation',
  });
}

function importPublic(point: Buffer): KeyObject {
  return createPublicKey({
    key: { kty: 'OKP', crv: 'X25519', x: point.toString('base64url') },
    format: 'jwk',
  });
}

/** X25519(privateKey, publicKey), or null if the result is the all-zero value (low-order point). */
function sharedSecret(privateKey: KeyObject, publicKey: KeyObject): Buffer | null {
  let secret: Buffer;
  try {
    // OpenSSL itself refuses to return an all-zero X25519 output and throws.
    secret = diffieHellman({ privateKey, publicKey });
  } catch {
    return null;
  }
  let acc = 0;
  for (let i = 0; i < secret.length; i++) acc |= secret[i]!;
  return acc === 0 || secret.length !== POINT_SIZE ? null : secret;
}

function wrappingKey(secret: Buffer, share: Uint8Array, recipient: Uint8Array): Buffer {
  const salt = Buffer.allocUnsafe(2 * POINT_SIZE);
  salt.set(share, 0);
  salt.set(recipient, POINT_SIZE);
  const key = hkdf32(secret, salt, LABEL);
  secret.fill(0);
  return key;
}

/** Parse an `age1…` string into the raw 32-byte point, or null. */
function decodeRecipient(s: string): Buffer | null {
  if (typeof s !== 'string' || !s.startsWith('age1')) return null;
  const dec = bech32Decode(s);
  if (dec === null || dec.hrp !== RECIPIENT_HRP || dec.data.length !== POINT_SIZE) return null;
  return dec.data;
}

export class X25519Recipient {
  /** The canonical `age1…` encoding. */
  readonly recipient: string;
  readonly #point: Buffer;
  readonly #key: KeyObject;

  private constructor(point: Buffer) {
    this.#point = point;
    this.#key = importPublic(point);
    this.recipient = bech32Encode(RECIPIENT_HRP, point);
  }

  /** Parse an `age1…` recipient. Throws FormatError (without echoing the input) if invalid. */
  static parse(s: string): X25519Recipient {
    const point = decodeRecipient(s);
    if (point === null) {
      throw new FormatError('invalid age X25519 recipient', {
        hint: 'an X25519 recipient is a lower-case bech32 string starting with "age1"',
      });
    }
    return new X25519Recipient(point);
  }

  /** Wrap a 16-byte file key into an X25519 stanza. */
  wrap(fileKey: Uint8Array): Stanza {
    if (fileKey.byteLength !== FILE_KEY_SIZE) throw new TypeError('age: file key must be 16 bytes');
    const ephemeral = generateKeyPairSync('x25519');
    const secret = sharedSecret(ephemeral.privateKey, this.#key);
    if (secret === null) {
      throw new FormatError('invalid age X25519 recipient: low-order point', {
        hint: 'this recipient cannot be encrypted to; check the recipient list',
      });
    }
    const shareB64u = ephemeral.publicKey.export({ format: 'jwk' }).x;
    if (typeof shareB64u !== 'string') throw new TypeError('age: cannot export X25519 share');
    const share = Buffer.from(shareB64u, 'base64url');
    const key = wrappingKey(secret, share, this.#point);
    const body = seal(key, ZERO_NONCE, fileKey);
    key.fill(0);
    return { type: X25519_STANZA_TYPE, args: [encodeNoPad(share)], body };
  }

  toString(): string {
    return this.recipient;
  }
}

export class X25519Identity {
  /** The corresponding `age1…` recipient. */
  readonly recipient: string;
  readonly #key: KeyObject;
  readonly #point: Buffer;

  private constructor(key: KeyObject) {
    this.#key = key;
    const x = createPublicKey(key).export({ format: 'jwk' }).x;
    if (typeof x !== 'string') throw new TypeError('age: cannot export X25519 public key');
    this.#point = Buffer.from(x, 'base64url');
    this.recipient = bech32Encode(RECIPIENT_HRP, this.#point);
  }

  /**
   * Parse an `AGE-SECRET-KEY-1…` identity (upper case, as written by age-keygen). Throws
   * FormatError, whose message never contains any part of the input.
   */
  static parse(s: string): X25519Identity {
    const dec = typeof s === 'string' && s.startsWith('AGE-SECRET-KEY-1') ? bech32Decode(s) : null;
    if (dec === null || dec.hrp !== IDENTITY_HRP || dec.data.length !== POINT_SIZE) {
      dec?.data.fill(0);
      throw new FormatError('invalid age X25519 identity', {
        hint: 'an X25519 identity is an upper-case bech32 string starting with "AGE-SECRET-KEY-1"',
      });
    }
    return X25519Identity.#fromScalar(dec.data);
  }

  /** Takes ownership of `scalar` and wipes it. */
  static #fromScalar(scalar: Buffer): X25519Identity {
    const der = Buffer.concat([PKCS8_PREFIX, scalar]);
    scalar.fill(0);
    try {
      return new X25519Identity(createPrivateKey({ key: der, format: 'der', type: 'pkcs8' }));
    } finally {
      der.fill(0);
    }
  }

  /**
   * Try to unwrap the file key from the X25519 stanzas. Other stanza types are skipped. Returns
   * null if no X25519 stanza is addressed to this identity; throws IntegrityError if an X25519
   * stanza is malformed (argument count, base64, lengths) or its share is a low-order point.
   */
  unwrap(stanzas: readonly Stanza[]): Uint8Array | null {
    for (const s of stanzas) {
      if (s.type !== X25519_STANZA_TYPE) continue;
      if (s.args.length !== 1) throw invalidStanza();
      const share = decodeNoPad(s.args[0]!);
      if (share === null || share.length !== POINT_SIZE) throw invalidStanza();
      if (s.body.byteLength !== FILE_KEY_SIZE + 16) throw invalidStanza();

      const secret = sharedSecret(this.#key, importPublic(share));
      if (secret === null) throw invalidStanza();
      const key = wrappingKey(secret, share, this.#point);
      const fileKey = open(key, ZERO_NONCE, s.body);
      key.fill(0);
      if (fileKey !== null) return fileKey;
    }
    return null;
  }

  /**
   * A 32-byte key only this identity's holder can compute, for `label`: HKDF-SHA256 over
   * X25519(identity, P) with P = SHA-256(label), a point whose discrete log nobody knows.
   * Used to MAC state that keyfold keeps in git refs.
   */
  deriveKey(label: string): Buffer {
    const point = createHash('sha256').update(`keyfold point: ${label}`).digest();
    const secret = sharedSecret(this.#key, importPublic(point));
    if (secret === null) throw new TypeError('age: low-order derivation point');
    return Buffer.from(hkdfSync('sha256', secret, Buffer.alloc(0), `keyfold derive: ${label}`, 32));
  }

  /**
   * A 32-byte key shared by this identity and the holder of `recipient`'s identity, and
   * nobody else, for `label`: HKDF-SHA256 over X25519(identity, recipient) (static
   * Diffie-Hellman), salted with both points in sorted order so that either side
   * derives the same key. Used to MAC state for another reader without a signature
   * scheme. Throws FormatError for a recipient that is not a valid X25519 point.
   */
  agreeKey(recipient: string, label: string): Buffer {
    const point = decodeRecipient(recipient);
    if (point === null) throw new FormatError('invalid age X25519 recipient', { hint: 'an X25519 recipient is a lower-case bech32 string starting with "age1"' });
    const secret = sharedSecret(this.#key, importPublic(point));
    if (secret === null) throw new FormatError('invalid age X25519 recipient: low-order point', { hint: 'this recipient cannot be agreed with' });
    const [a, b] = [this.#point, point].sort(Buffer.compare);
    const key = Buffer.from(hkdfSync('sha256', secret, Buffer.concat([a!, b!]), `keyfold agree: ${label}`, 32));
    secret.fill(0);
    return key;
  }

  /**
   * The private key object, to hand this identity to a worker thread (KeyObjects cross
   * threads by structured clone; the key stays inside OpenSSL's memory of this process).
   */
  toTransfer(): KeyObject {
    return this.#key;
  }

  /** The identity behind `toTransfer()`'s key object, in another thread. */
  static fromTransfer(key: KeyObject): X25519Identity {
    if (key.type !== 'private' || key.asymmetricKeyType !== 'x25519') throw new TypeError('age: not an X25519 private key');
    return new X25519Identity(key);
  }

  toString(): string {
    return `X25519Identity(${this.recipient})`;
  }
}

/** A new random identity, encoded as `AGE-SECRET-KEY-1…` (secret: never log it). */
export function generateX25519Identity(): string {
  const scalar = randomBytes(POINT_SIZE);
  try {
    return bech32Encode(IDENTITY_HRP.toLowerCase(), scalar).toUpperCase();
  } finally {
    scalar.fill(0);
  }
}
