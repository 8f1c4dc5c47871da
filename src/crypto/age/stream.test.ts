import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { IntegrityError } from '../../kernel/errors.js';
import { TAG_SIZE, seal } from './aead.js';
import { hkdf32, hkdfInfo } from './hkdf.js';
import { CHUNK_SIZE, NONCE_SIZE, decryptPayload, encryptPayload, payloadSize } from './stream.js';

const KiB = 1024;
const fileKey = randomBytes(16);

/** Independent STREAM encoder with full control over chunking and flags, for malformed inputs. */
function craft(chunks: { data: Uint8Array; last: boolean }[], nonce = randomBytes(NONCE_SIZE)): Buffer {
  const key = hkdf32(fileKey, nonce, hkdfInfo('payload'));
  const parts: Uint8Array[] = [nonce];
  chunks.forEach(({ data, last }, i) => {
    const n = Buffer.alloc(12);
    n.writeUIntBE(i, 5, 6);
    n[11] = last ? 1 : 0;
    parts.push(seal(key, n, data));
  });
  return Buffer.concat(parts);
}

describe('STREAM payload', () => {
  for (const size of [0, 1, 32, 64 * KiB - 1, 64 * KiB, 64 * KiB + 1, 128 * KiB, 200 * KiB]) {
    it(`round-trips ${size} bytes with the spec's chunk layout`, () => {
      const pt = randomBytes(size);
      const ct = encryptPayload(fileKey, pt);
      expect(ct.length).toBe(payloadSize(size));
      const chunks = Math.max(1, Math.ceil(size / CHUNK_SIZE));
      expect(ct.length).toBe(NONCE_SIZE + size + chunks * TAG_SIZE);
      expect(Buffer.from(decryptPayload(fileKey, ct))).toEqual(pt);

      // The same bytes as an independent encoder using the same nonce.
      const nonce = Buffer.from(ct.subarray(0, NONCE_SIZE));
      const expected = craft(
        Array.from({ length: chunks }, (_, i) => ({
          data: pt.subarray(i * CHUNK_SIZE, Math.min(size, (i + 1) * CHUNK_SIZE)),
          last: i === chunks - 1,
        })),
        nonce,
      );
      expect(Buffer.from(ct)).toEqual(expected);
    });
  }

  it('places the encryption after a prefix without disturbing it', () => {
    const ct = encryptPayload(fileKey, Buffer.from('hi'), Buffer.from('HEADER'));
    expect(Buffer.from(ct.subarray(0, 6)).toString()).toBe('HEADER');
    expect(Buffer.from(decryptPayload(fileKey, ct.subarray(6))).toString()).toBe('hi');
  });

  it('returns a buffer that owns its memory', () => {
    const out = decryptPayload(fileKey, encryptPayload(fileKey, randomBytes(32)));
    expect(out.byteOffset).toBe(0);
    expect(out.buffer.byteLength).toBe(32);
  });

  const full = () => randomBytes(CHUNK_SIZE);
  const bad: Record<string, () => Uint8Array> = {
    'no nonce': () => new Uint8Array(0),
    'short nonce': () => randomBytes(NONCE_SIZE - 1),
    'nonce but no chunk': () => randomBytes(NONCE_SIZE),
    'truncated tag': () => craft([{ data: randomBytes(10), last: true }]).subarray(0, NONCE_SIZE + 10 + 15),
    'missing last-chunk flag': () => craft([{ data: randomBytes(10), last: false }]),
    'missing last-chunk flag on a full chunk': () => craft([{ data: full(), last: false }]),
    'two chunks without final flag': () => craft([{ data: full(), last: false }, { data: randomBytes(5), last: false }]),
    'last flag on a non-final chunk': () => craft([{ data: full(), last: true }, { data: randomBytes(5), last: true }]),
    'empty final chunk after a full one': () => craft([{ data: full(), last: false }, { data: new Uint8Array(0), last: true }]),
    'short non-final chunk': () => craft([{ data: randomBytes(100), last: false }, { data: randomBytes(5), last: true }]),
    'trailing byte': () => Buffer.concat([craft([{ data: randomBytes(10), last: true }]), Buffer.from([0])]),
    'trailing chunk': () =>
      Buffer.concat([craft([{ data: randomBytes(10), last: true }]), craft([{ data: randomBytes(10), last: true }]).subarray(NONCE_SIZE)]),
    'trailing data after a full final chunk': () =>
      Buffer.concat([craft([{ data: full(), last: true }]), randomBytes(20)]),
    'chunks swapped': () => {
      const c = craft([{ data: full(), last: false }, { data: full(), last: false }, { data: randomBytes(3), last: true }]);
      const a = c.subarray(NONCE_SIZE, NONCE_SIZE + CHUNK_SIZE + TAG_SIZE);
      const b = c.subarray(NONCE_SIZE + CHUNK_SIZE + TAG_SIZE, NONCE_SIZE + 2 * (CHUNK_SIZE + TAG_SIZE));
      return Buffer.concat([c.subarray(0, NONCE_SIZE), b, a, c.subarray(NONCE_SIZE + 2 * (CHUNK_SIZE + TAG_SIZE))]);
    },
    'final chunk dropped': () =>
      craft([{ data: full(), last: false }, { data: randomBytes(3), last: true }]).subarray(0, NONCE_SIZE + CHUNK_SIZE + TAG_SIZE),
    'wrong nonce': () => {
      const c = craft([{ data: randomBytes(10), last: true }]);
      c[0]! ^= 1;
      return c;
    },
  };
  for (const [name, make] of Object.entries(bad)) {
    it(`rejects: ${name}`, () => {
      expect(() => decryptPayload(fileKey, make())).toThrow(IntegrityError);
    });
  }

  it('accepts what the independent encoder produces for valid layouts', () => {
    expect(decryptPayload(fileKey, craft([{ data: new Uint8Array(0), last: true }]))).toHaveLength(0);
    const pt = randomBytes(CHUNK_SIZE * 2);
    const ct = craft([
      { data: pt.subarray(0, CHUNK_SIZE), last: false },
      { data: pt.subarray(CHUNK_SIZE), last: true },
    ]);
    expect(Buffer.from(decryptPayload(fileKey, ct))).toEqual(pt);
  });
});
