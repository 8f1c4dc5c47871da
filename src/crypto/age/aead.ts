/** ChaCha20-Poly1305 (RFC 8439) one-shot seal/open on top of node:crypto. */

import { createCipheriv, createDecipheriv } from 'node:crypto';

export const TAG_SIZE = 16;
const OPTIONS = { authTagLength: TAG_SIZE } as const;

/** Encrypt `plaintext`, writing ciphertext‖tag into `out` at `offset` (or a new buffer). */
export function seal(
  key: Uint8Array,
  nonce: Uint8Array,
  plaintext: Uint8Array,
  out: Uint8Array = new Uint8Array(plaintext.byteLength + TAG_SIZE),
  offset = 0,
): Uint8Array {
  const cipher = createCipheriv('chacha20-poly1305', key, nonce, OPTIONS);
  const ct = cipher.update(plaintext);
  cipher.final();
  out.set(ct, offset);
  out.set(cipher.getAuthTag(), offset + ct.byteLength);
  return out;
}

/**
 * Decrypt and authenticate ciphertext‖tag. Returns null if authentication fails (or the input is
 * shorter than a tag). The returned buffer owns its memory (node allocates it outside the pool).
 */
export function open(key: Uint8Array, nonce: Uint8Array, sealed: Uint8Array): Buffer | null {
  const n = sealed.byteLength - TAG_SIZE;
  if (n < 0) return null;
  const decipher = createDecipheriv('chacha20-poly1305', key, nonce, OPTIONS);
  decipher.setAuthTag(sealed.subarray(n));
  const pt = decipher.update(sealed.subarray(0, n));
  try {
    decipher.final();
  } catch {
    pt.fill(0);
    return null;
  }
  return pt;
}
