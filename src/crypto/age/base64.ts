/**
 * Strict base64 helpers for the age format.
 *
 * Node's `Buffer.from(s, 'base64')` is lenient: it skips invalid characters, accepts the URL-safe
 * alphabet, ignores missing padding and non-zero trailing bits. age requires canonical encodings
 * (exactly one valid encoding per byte string), so every decode here is checked by re-encoding,
 * which is done in native code and is cheaper than a per-character scan in JS.
 */

/** Length of the unpadded base64 encoding of `n` bytes. */
export function unpaddedLength(n: number): number {
  return Math.ceil((n * 4) / 3);
}

/** Canonical standard base64 without padding, as used in age headers (stanza args, bodies, MAC). */
export function encodeNoPad(bytes: Uint8Array): string {
  const b = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const s = b.toString('base64');
  const n = unpaddedLength(bytes.byteLength);
  return s.length === n ? s : s.slice(0, n);
}

/**
 * Decode canonical unpadded standard base64. Returns null for anything else: padding, characters
 * outside `A–Z a–z 0–9 + /` (including CR, LF and spaces), an impossible length, or non-zero
 * trailing bits.
 */
export function decodeNoPad(s: string): Buffer | null {
  const n = s.length;
  if ((n & 3) === 1) return null;
  const b = Buffer.from(s, 'base64');
  // Any skipped, padding or stray character makes the decoded length shorter than this.
  if (b.length !== (n * 3) >> 2) return null;
  // Re-encoding yields the canonical form followed by padding; it must start with the input.
  if (!b.toString('base64').startsWith(s)) return null;
  return b;
}

/** Canonical padded standard base64 (armor). Returns null for anything else. */
export function decodePadded(s: string): Buffer | null {
  if ((s.length & 3) !== 0) return null;
  const b = Buffer.from(s, 'base64');
  if (b.toString('base64') !== s) return null;
  return b;
}
