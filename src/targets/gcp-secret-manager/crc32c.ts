/**
 * CRC32C (Castagnoli, RFC 3720 §B.4): reflected polynomial 0x82F63B78, initial value and
 * final XOR 0xFFFFFFFF. Node's zlib.crc32 is the IEEE CRC-32, a different checksum. Secret
 * Manager checks `dataCrc32c` (this value as a decimal string) against the payload.
 */
const TABLE = new Uint32Array(256);
for (let n = 0; n < 256; n++) {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0x82f63b78 : c >>> 1;
  TABLE[n] = c >>> 0;
}

export function crc32c(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (let i = 0; i < bytes.length; i++) c = TABLE[(c ^ bytes[i]!) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}
