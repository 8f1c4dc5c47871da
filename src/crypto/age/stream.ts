/**
 * The age payload: a 16-byte nonce followed by the STREAM construction (Hoang, Reyhanitabar,
 * Rogaway, Vizár) over ChaCha20-Poly1305.
 *
 * payload key = HKDF-SHA-256(ikm = file key, salt = nonce, info = "payload").
 * The plaintext is split into 64 KiB chunks; chunk i is sealed with the 12-byte nonce
 * (11-byte big-endian i) ‖ (0x01 for the last chunk, else 0x00). Only the last chunk may be
 * shorter than 64 KiB, and it may be empty only if it is the only chunk.
 *
 * Because the whole ciphertext is in memory, the chunk boundaries are fully determined by its
 * length; any truncation, extension or reordering makes a chunk fail authentication.
 */

import { randomBytes } from 'node:crypto';
import { IntegrityError } from '../../kernel/errors.js';
import { TAG_SIZE, open, seal } from './aead.js';
import { hkdf32, hkdfInfo } from './hkdf.js';

export const NONCE_SIZE = 16;
export const CHUNK_SIZE = 64 * 1024;
const SEALED_CHUNK_SIZE = CHUNK_SIZE + TAG_SIZE;
const PAYLOAD_LABEL = hkdfInfo('payload');

function payloadError(what: string): IntegrityError {
  return new IntegrityError(`invalid age payload: ${what}`, {
    hint: 'the file is truncated, extended or corrupted',
  });
}

function chunkNonce(nonce: Buffer, index: number, last: boolean): Buffer {
  // Counters beyond 2^48 chunks (16 EiB) cannot occur for in-memory data.
  nonce.writeUIntBE(index, 5, 6);
  nonce[11] = last ? 1 : 0;
  return nonce;
}

/** Size of the sealed payload (nonce included) for a plaintext of `n` bytes. */
export function payloadSize(n: number): number {
  const chunks = Math.max(1, Math.ceil(n / CHUNK_SIZE));
  return NONCE_SIZE + n + chunks * TAG_SIZE;
}

/**
 * Encrypt `plaintext` into nonce ‖ STREAM, written after `prefix` in one new buffer (so that the
 * header and payload are assembled without an extra copy of the payload).
 */
export function encryptPayload(
  fileKey: Uint8Array,
  plaintext: Uint8Array,
  prefix: Uint8Array = new Uint8Array(0),
): Uint8Array {
  const out = new Uint8Array(prefix.byteLength + payloadSize(plaintext.byteLength));
  out.set(prefix, 0);
  let o = prefix.byteLength;
  const streamNonce = randomBytes(NONCE_SIZE);
  out.set(streamNonce, o);
  o += NONCE_SIZE;
  const key = hkdf32(fileKey, streamNonce, PAYLOAD_LABEL);
  const nonce = Buffer.alloc(12);
  try {
    const n = plaintext.byteLength;
    const chunks = Math.max(1, Math.ceil(n / CHUNK_SIZE));
    for (let i = 0; i < chunks; i++) {
      const chunk = plaintext.subarray(i * CHUNK_SIZE, Math.min(n, (i + 1) * CHUNK_SIZE));
      seal(key, chunkNonce(nonce, i, i === chunks - 1), chunk, out, o);
      o += chunk.byteLength + TAG_SIZE;
    }
  } finally {
    key.fill(0);
  }
  return out;
}

/** Decrypt nonce ‖ STREAM. Throws IntegrityError on any malformation or authentication failure. */
export function decryptPayload(fileKey: Uint8Array, payload: Uint8Array): Uint8Array {
  if (payload.byteLength < NONCE_SIZE) throw payloadError('missing nonce');
  const sealed = payload.subarray(NONCE_SIZE);
  const len = sealed.byteLength;
  if (len === 0) throw payloadError('no chunks');
  const chunks = Math.ceil(len / SEALED_CHUNK_SIZE);
  const lastLen = len - (chunks - 1) * SEALED_CHUNK_SIZE;
  if (lastLen < TAG_SIZE) throw payloadError('truncated chunk');
  if (lastLen === TAG_SIZE && chunks > 1) throw payloadError('empty final chunk');

  const key = hkdf32(fileKey, payload.subarray(0, NONCE_SIZE), PAYLOAD_LABEL);
  const nonce = Buffer.alloc(12);
  try {
    if (chunks === 1) {
      const pt = open(key, chunkNonce(nonce, 0, true), sealed);
      if (pt === null) throw payloadError('authentication failed');
      // Node allocates cipher output outside the Buffer pool, so a plain view over it owns its
      // memory. Copy (and wipe) if that ever stops being true, rather than expose a shared slab.
      if (pt.byteOffset === 0 && pt.buffer.byteLength === pt.byteLength) {
        return new Uint8Array(pt.buffer, 0, pt.byteLength);
      }
      const copy = new Uint8Array(pt);
      pt.fill(0);
      return copy;
    }
    const out = new Uint8Array(len - chunks * TAG_SIZE);
    for (let i = 0; i < chunks; i++) {
      const start = i * SEALED_CHUNK_SIZE;
      const end = Math.min(len, start + SEALED_CHUNK_SIZE);
      const pt = open(key, chunkNonce(nonce, i, i === chunks - 1), sealed.subarray(start, end));
      if (pt === null) {
        out.fill(0);
        throw payloadError('authentication failed');
      }
      out.set(pt, i * CHUNK_SIZE);
      pt.fill(0);
    }
    return out;
  } finally {
    key.fill(0);
  }
}
