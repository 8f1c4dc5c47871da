import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { bech32Decode, bech32Encode } from './bech32.js';

// Independent word-level encoder (straight from BIP 173), to build strings bech32Encode refuses to
// produce (non-zero padding, extra groups).
const CHARSET = 'qpzry9x8gf2tvdw0s3jn54khce6mua7l';
function polymod(values: number[]): number {
  const GEN = [0x3b6a57b2, 0x26508e6d, 0x1ea119fa, 0x3d4233dd, 0x2a1462b3];
  let chk = 1;
  for (const v of values) {
    const b = chk >>> 25;
    chk = ((chk & 0x1ffffff) << 5) ^ v;
    for (let i = 0; i < 5; i++) if ((b >>> i) & 1) chk ^= GEN[i]!;
  }
  return chk;
}
function encodeWords(hrp: string, words: number[]): string {
  const exp = [...hrp].map((c) => c.charCodeAt(0) >>> 5);
  exp.push(0, ...[...hrp].map((c) => c.charCodeAt(0) & 31));
  const mod = polymod([...exp, ...words, 0, 0, 0, 0, 0, 0]) ^ 1;
  const chk = [0, 1, 2, 3, 4, 5].map((i) => (mod >>> (5 * (5 - i))) & 31);
  return hrp + '1' + [...words, ...chk].map((w) => CHARSET[w]).join('');
}
function toWords(bytes: Uint8Array): number[] {
  const out: number[] = [];
  let acc = 0;
  let bits = 0;
  for (const b of bytes) {
    acc = (acc << 8) | b;
    bits += 8;
    while (bits >= 5) {
      bits -= 5;
      out.push((acc >>> bits) & 31);
    }
    acc &= (1 << bits) - 1;
  }
  if (bits > 0) out.push((acc << (5 - bits)) & 31);
  return out;
}

describe('bech32', () => {
  it('decodes BIP 173 valid test vectors', () => {
    expect(bech32Decode('A12UEL5L')).toEqual({ hrp: 'A', data: Buffer.alloc(0) });
    expect(bech32Decode('a12uel5l')).toEqual({ hrp: 'a', data: Buffer.alloc(0) });
    // The 32 data characters are the words 0..31, i.e. exactly 20 bytes.
    expect(bech32Decode('abcdef1qpzry9x8gf2tvdw0s3jn54khce6mua7lmqqqxw')?.data.toString('hex')).toBe(
      '00443214c74254b635cf84653a56d7c675be77df',
    );
    expect(bech32Decode('?1ezyfcl')?.hrp).toBe('?');
  });

  it('rejects BIP 173 invalid test vectors', () => {
    for (const s of [
      '\x201nwldj5', // hrp character out of range
      'pzry9x0s0muk', // no separator
      '1pzry9x0s0muk', // empty hrp
      'x1b4n0q5v', // invalid data character
      'li1dgmt3', // too short checksum
      'de1lg7wt\xff', // invalid character in checksum
      'A1G7SGD8', // checksum calculated with uppercase hrp
      '10a06t8', // empty hrp
      '1qzzfhee', // empty hrp
    ]) {
      expect(bech32Decode(s), JSON.stringify(s)).toBeNull();
    }
  });

  it('round-trips arbitrary data, in either case', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (data) => {
        const s = bech32Encode('age', data);
        expect(s).toBe(encodeWords('age', toWords(data)));
        expect(bech32Decode(s)).toEqual({ hrp: 'age', data: Buffer.from(data) });
        expect(bech32Decode(s.toUpperCase())).toEqual({ hrp: 'AGE', data: Buffer.from(data) });
      }),
    );
  });

  it('rejects mixed case, bad checksums, single-character corruptions', () => {
    const data = Buffer.from('000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f', 'hex');
    const s = bech32Encode('age', data);
    expect(bech32Decode(s.slice(0, 10) + s.slice(10).toUpperCase())).toBeNull();
    for (let i = 4; i < s.length; i++) {
      for (const c of CHARSET) {
        if (c === s[i]) continue;
        expect(bech32Decode(s.slice(0, i) + c + s.slice(i + 1))).toBeNull();
      }
    }
    expect(bech32Decode(s.slice(0, -1))).toBeNull();
    expect(bech32Decode(s + 'q')).toBeNull();
  });

  it('rejects non-zero padding bits and a superfluous padding group', () => {
    const data = new Uint8Array(32).fill(0xff);
    const words = toWords(data); // 52 words, last one carries 1 data bit + 4 padding bits
    expect(bech32Decode(encodeWords('age', words))).not.toBeNull();
    const bad = [...words];
    bad[bad.length - 1] = bad[bad.length - 1]! | 1;
    expect(bech32Decode(encodeWords('age', bad))).toBeNull();
    expect(bech32Decode(encodeWords('age', [...words, 0])))?.toBeDefined(); // 33 bytes + 1 zero bit: fine
    expect(bech32Decode(encodeWords('age', [...words, 0, 0]))).toBeNull(); // 6 leftover bits
    expect(bech32Decode(encodeWords('age', [0]))).toBeNull(); // 5 leftover bits
  });

  it('rejects non-ASCII look-alikes that lower-case to a valid string (U+212A KELVIN SIGN)', () => {
    const upper = bech32Encode('age-secret-key-', Buffer.alloc(32, 7)).toUpperCase();
    expect(bech32Decode(upper)).not.toBeNull();
    const i = upper.indexOf('K');
    expect(i).toBeGreaterThanOrEqual(0);
    expect(bech32Decode(upper.slice(0, i) + '\u212A' + upper.slice(i + 1))).toBeNull();
  });

  it('refuses to encode under an invalid or upper-case hrp', () => {
    expect(() => bech32Encode('AGE', new Uint8Array(1))).toThrow(TypeError);
    expect(() => bech32Encode('', new Uint8Array(1))).toThrow(TypeError);
    expect(() => bech32Encode('a b', new Uint8Array(1))).toThrow(TypeError);
  });
});
