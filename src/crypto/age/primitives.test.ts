import { createHmac, hkdfSync, randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { TAG_SIZE, open, seal } from './aead.js';
import { decodeNoPad, decodePadded, encodeNoPad } from './base64.js';
import { hkdf32, hkdfInfo } from './hkdf.js';

describe('hkdf32', () => {
  it('equals crypto.hkdfSync for arbitrary inputs', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 80 }),
        fc.uint8Array({ maxLength: 100 }),
        fc.string({ maxLength: 40 }).map((s) => s.replace(/[^\x20-\x7e]/g, '')),
        (ikm, salt, label) => {
          const want = Buffer.from(hkdfSync('sha256', ikm, salt, Buffer.from(label, 'latin1'), 32));
          expect(hkdf32(ikm, salt, hkdfInfo(label))).toEqual(want);
        },
      ),
    );
  });

  it('matches RFC 5869 test case 1', () => {
    const ikm = Buffer.alloc(22, 0x0b);
    const salt = Buffer.from('000102030405060708090a0b0c', 'hex');
    const info = Buffer.from('f0f1f2f3f4f5f6f7f8f9', 'hex');
    const okm = createHmac('sha256', createHmac('sha256', salt).update(ikm).digest())
      .update(Buffer.concat([info, Buffer.from([1])]))
      .digest();
    expect(okm.toString('hex')).toBe('3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf');
    expect(hkdf32(ikm, salt, hkdfInfo(info.toString('latin1'))).toString('hex')).toBe(
      '3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf',
    );
  });
});

describe('aead', () => {
  it('round-trips and rejects any modified tag', () => {
    const key = randomBytes(32);
    const nonce = randomBytes(12);
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (pt) => {
        const sealed = seal(key, nonce, pt);
        expect(sealed.length).toBe(pt.length + TAG_SIZE);
        expect(Buffer.from(open(key, nonce, sealed)!)).toEqual(Buffer.from(pt));
        const bad = Uint8Array.from(sealed);
        bad[bad.length - 1]! ^= 1;
        expect(open(key, nonce, bad)).toBeNull();
      }),
      { numRuns: 50 },
    );
    expect(open(key, nonce, new Uint8Array(TAG_SIZE - 1))).toBeNull();
  });

  it('writes into a caller-provided buffer at an offset', () => {
    const key = randomBytes(32);
    const nonce = Buffer.alloc(12);
    const out = new Uint8Array(5 + 3 + TAG_SIZE).fill(0xaa);
    seal(key, nonce, Uint8Array.of(1, 2, 3), out, 5);
    expect(Array.from(out.subarray(0, 5))).toEqual([0xaa, 0xaa, 0xaa, 0xaa, 0xaa]);
    expect(Array.from(open(key, nonce, out.subarray(5))!)).toEqual([1, 2, 3]);
  });
});

describe('base64', () => {
  it('round-trips canonical unpadded base64', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 100 }), (b) => {
        const s = encodeNoPad(b);
        expect(s).not.toContain('=');
        expect(s).toBe(Buffer.from(b).toString('base64').replace(/=+$/, ''));
        expect(decodeNoPad(s)).toEqual(Buffer.from(b));
        const padded = Buffer.from(b).toString('base64');
        expect(decodePadded(padded)).toEqual(Buffer.from(b));
      }),
    );
  });

  it('rejects anything but canonical unpadded base64', () => {
    for (const bad of [
      'QQ==', // padding
      'QUE=',
      'Q', // impossible length
      'QR', // non-zero trailing bits
      'QUF',
      'QU-_', // URL-safe alphabet
      'QU\nF',
      'QUF\r',
      ' QUFB',
      'QUFB ',
      'QU*B',
      'QUFBé',
    ]) {
      expect(decodeNoPad(bad), JSON.stringify(bad)).toBeNull();
    }
    expect(decodeNoPad('')).toEqual(Buffer.alloc(0));
    expect(decodeNoPad('QQ')).toEqual(Buffer.from('A'));
  });

  it('rejects anything but canonical padded base64', () => {
    for (const bad of ['QQ', 'QR==', 'QQ=A', 'QQ==QUFB', 'QU-_', 'QUF=\n', ' QUE=']) {
      expect(decodePadded(bad), JSON.stringify(bad)).toBeNull();
    }
  });
});
