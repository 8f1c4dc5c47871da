import { describe, expect, it } from 'vitest';
import { crc32c } from './crc32c.js';

const bytes = (s: string) => new TextEncoder().encode(s);

describe('crc32c (Castagnoli)', () => {
  it('matches the published check value and RFC 3720 B.4 vectors', () => {
    expect(crc32c(bytes('123456789'))).toBe(0xe3069283);
    expect(crc32c(new Uint8Array(0))).toBe(0);
    // iSCSI (RFC 3720 §B.4): 32 bytes of zeros, of 0xFF, ascending, descending.
    expect(crc32c(new Uint8Array(32))).toBe(0x8a9136aa);
    expect(crc32c(new Uint8Array(32).fill(0xff))).toBe(0x62a8ab43);
    expect(crc32c(Uint8Array.from({ length: 32 }, (_, i) => i))).toBe(0x46dd794e);
    expect(crc32c(Uint8Array.from({ length: 32 }, (_, i) => 31 - i))).toBe(0x113fdb5c);
  });

  it('is the value Secret Manager documents for a payload, and not zlib.crc32 (IEEE)', async () => {
    expect(String(crc32c(bytes('supersecret')))).toBe('418308602');
    const { crc32 } = await import('node:zlib');
    expect(crc32c(bytes('123456789'))).not.toBe(crc32(bytes('123456789')));
  });
});
