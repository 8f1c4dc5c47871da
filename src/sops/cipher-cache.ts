/**
 * The ciphertexts of a decrypted file. Stable ciphertext: `encryptTree` reuses, verbatim,
 * the ciphertext of every value and comment whose plaintext and position did not change
 * since `decryptTree`.
 */

/** Ciphertexts of a decrypted file, for stable re-encryption. */
export class CipherCache {
  readonly values = new Map<string, { text: string; type: string; enc: string }>();
  readonly comments = new Map<string, string>();
}
