/**
 * The ciphertexts of a decrypted file. Stable ciphertext: `encryptTree` reuses, verbatim,
 * the ciphertext of every value and comment whose plaintext and position did not change
 * since `decryptTree`.
 */
import type { EncodedScalar } from '../formats/scalar-codec.js';

/** What a value's plaintext is compared by: its text, or its bytes when they are not UTF-8. */
export const cacheText = (e: EncodedScalar): string => (e.raw ? `b${Buffer.from(e.raw).toString('base64')}` : `s${e.text}`);

/** Ciphertexts of a decrypted file, for stable re-encryption. */
export class CipherCache {
  /**
   * By structural slot: the plaintext (`cacheText`), its type and its ciphertext. An
   * unencrypted `time` value is recorded with an empty `enc`, so a rewrite keeps its type.
   */
  readonly values = new Map<string, { text: string; type: string; enc: string }>();
  readonly comments = new Map<string, string>();
}
