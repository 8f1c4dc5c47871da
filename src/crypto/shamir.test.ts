import { createHash } from 'node:crypto';

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

import { IntegrityError } from '../kernel/errors.js';
import { combineShares, gfAdd, gfDiv, gfMul, splitSecret } from './shamir.js';

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
const unhex = (h: string): Uint8Array => new Uint8Array(Buffer.from(h, 'hex'));
const utf8 = (s: string): Uint8Array => new Uint8Array(Buffer.from(s, 'utf8'));
const sha256 = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');

/** Independent reference multiply: shift-and-xor, reduced by x^8+x^4+x^3+x+1. */
function slowMul(a: number, b: number): number {
  let r = 0;
  while (b) {
    if (b & 1) r ^= a;
    a <<= 1;
    if (a & 0x100) a ^= 0x11b;
    b >>= 1;
  }
  return r;
}

function pow(g: number, n: number): number {
  let r = 1;
  for (let i = 0; i < n; i++) r = gfMul(r, g);
  return r;
}

/** All k-element subsets of xs (Combine does not depend on share order). */
function subsets<T>(xs: T[], k: number): T[][] {
  if (k === 0) return [[]];
  if (xs.length < k) return [];
  const [head, ...rest] = xs;
  return [...subsets(rest, k - 1).map((s) => [head!, ...s]), ...subsets(rest, k)];
}

describe('GF(2^8) field, as in Vault/SOPS shamir', () => {
  it('matches Vault TestField_Add / TestField_Mult / TestField_Divide', () => {
    expect(gfAdd(16, 16)).toBe(0);
    expect(gfAdd(3, 4)).toBe(7);
    expect(gfMul(3, 7)).toBe(9);
    expect(gfMul(3, 0)).toBe(0);
    expect(gfMul(0, 3)).toBe(0);
    expect(gfDiv(0, 7)).toBe(0);
    expect(gfDiv(3, 3)).toBe(1);
    expect(gfDiv(6, 3)).toBe(2);
  });

  it("0xe5 over 0x11b generates exactly Vault's tables.go log/exp tables", () => {
    // SHA-256 of the literal logTable / expTable bytes in hashicorp/vault shamir/tables.go.
    const VAULT_LOG_SHA256 = '9cc637be1fe63f67740b3cfde4ee5b50eaacc4c004041281832a8bf58a4a0199';
    const VAULT_EXP_SHA256 = 'd763ab117067ed6ea92c6b2b07fbb01420bcc55c7a71a0d5bd16219ee57f8420';
    const exp = new Uint8Array(256);
    const log = new Uint8Array(256);
    exp[0] = 1;
    for (let i = 1; i < 256; i++) {
      exp[i] = slowMul(exp[i - 1]!, 0xe5);
      log[exp[i]!] = i;
    }
    expect(sha256(log)).toBe(VAULT_LOG_SHA256);
    expect(sha256(exp)).toBe(VAULT_EXP_SHA256);
  });

  it('spot-checks published table entries through gfMul', () => {
    // expTable[1], [2], [8], [254], [255]; logTable[2] = 0xc8, [3] = 0x08, [0xff] = 0x38.
    expect(pow(0xe5, 1)).toBe(0xe5);
    expect(pow(0xe5, 2)).toBe(0x4c);
    expect(pow(0xe5, 8)).toBe(0x03);
    expect(pow(0xe5, 254)).toBe(0x0e);
    expect(pow(0xe5, 255)).toBe(0x01);
    expect(pow(0xe5, 0xc8)).toBe(2);
    expect(pow(0xe5, 0x08)).toBe(3);
    expect(pow(0xe5, 0x38)).toBe(0xff);
  });

  it('gfMul equals the slow reference for all 65536 pairs; gfDiv inverts it', () => {
    const mul = new Uint8Array(65536);
    const div = new Uint8Array(65280);
    let d = 0;
    const mismatches: string[] = [];
    for (let a = 0; a < 256; a++) {
      for (let b = 0; b < 256; b++) {
        mul[a * 256 + b] = gfMul(a, b);
        if (mul[a * 256 + b] !== slowMul(a, b)) mismatches.push(`${a}*${b}`);
        if (b !== 0) {
          div[d++] = gfDiv(a, b);
          if (gfMul(gfDiv(a, b), b) !== a) mismatches.push(`${a}/${b}`);
        }
      }
    }
    expect(mismatches.slice(0, 5)).toEqual([]);
    // Hashes of the full mult/div tables as produced by the Go code of getsops/sops
    // shamir/shamir.go (mult/div with Vault's tables), row-major over a then b (b ≠ 0 for div).
    expect(sha256(mul)).toBe('14a1e7e77ca8a30b5bb53e6310748ce0498eb9e04ab78a44dbefb6ebfac8a84b');
    expect(sha256(div)).toBe('fff7582364bd261f14ec935bf8481081ab89265db40ec6599b1792d50e7c566a');
  });

  it('rejects division by zero', () => {
    expect(() => gfDiv(5, 0)).toThrow(RangeError);
  });
});

describe('combineShares against fixed vectors', () => {
  // Produced by the Go Split of getsops/sops shamir/shamir.go (with Vault's tables.go).
  const TEST_3_OF_5 = ['16d881db83', '6bfe86be05', '0943741186', '8fc53bd732', 'df43db426d'];
  const KEY_3_OF_5 = [
    'e8142c417d936254b9296a51c1ec28df75c5151c8391e0ef9c7180ff5bee0a6e83',
    '957ce7d7441caf1218f3a54505b61510425476f3ede38db0350a988c66e1775405',
    '165bb2bb5fe0bf6bd2b5bf67e93158b61af611801b021e729a497a0a496a0e1b86',
    'ab97a933d73753d013c16e57b46af594ff2c2a81c5a727bc3ca940d50de94f8d32',
    'e72795322c18fb515134e37b23dd27fb3def6d4a3f7b38a00c3b30c58c6984376d',
  ];
  const DATA_KEY_2_OF_3 = [
    'e74926cf122830019bd9fb11948dd98ca675d5e06d62e628a790638523fad483',
    'ccc71e3af32f20ead3533a4d717553794f7f3de9052fb2ad36d5d46d29dc7105',
    '58e14886c163719f29aaaa399cc2aac5d838db3d5d7b63bda824d58b6e43c386',
  ];

  it('recovers "test" from every 3-, 4- and 5-subset of a SOPS 3-of-5 split', () => {
    const shares = TEST_3_OF_5.map(unhex);
    for (const k of [3, 4, 5]) {
      for (const subset of subsets(shares, k)) {
        expect(hex(combineShares(subset))).toBe(hex(utf8('test')));
        expect(hex(combineShares([...subset].reverse()))).toBe(hex(utf8('test')));
      }
    }
  });

  it('recovers a 32-byte key (3-of-5) and a 2-of-3 split from SOPS', () => {
    const key = utf8('k3y-for-sops-key-groups-32bytes!');
    for (const subset of subsets(KEY_3_OF_5.map(unhex), 3)) {
      expect(hex(combineShares(subset))).toBe(hex(key));
    }
    for (const subset of subsets(DATA_KEY_2_OF_3.map(unhex), 2)) {
      expect(Buffer.from(combineShares(subset)).toString()).toBe('sops data key: 0123456789abcdef');
    }
  });

  it('matches Go Combine output even below threshold and for arbitrary shares', () => {
    const cases: [string[], string][] = [
      [['16d881db83', '6bfe86be05'], 'b147cd88'],
      [['df43db426d', '0943741186'], '6f437f03'],
      [['0102030405', 'a0b0c0d0e0', '11223344ff'], '44a07730'],
    ];
    for (const [shares, out] of cases) expect(hex(combineShares(shares.map(unhex)))).toBe(out);
  });

  it('recovers the intercepts of hand-made polynomials (slow reference evaluation)', () => {
    // One polynomial per secret byte: coefficients [secret, c1, c2] (threshold 3).
    const polys = [
      [0x53, 0x01, 0xff],
      [0x00, 0x8e, 0x02],
      [0xff, 0x00, 0x00],
      [0x7a, 0xe5, 0x4c],
    ];
    const xs = [0x01, 0x80, 0xfe, 0x37];
    const evalSlow = (c: number[], x: number): number =>
      c.reduce((acc, coef, i) => {
        let term = coef;
        for (let k = 0; k < i; k++) term = slowMul(term, x);
        return acc ^ term;
      }, 0);
    const shares = xs.map((x) => Uint8Array.from([...polys.map((c) => evalSlow(c, x)), x]));
    const secret = polys.map((c) => c[0]!);
    for (const subset of subsets(shares, 3)) expect([...combineShares(subset)]).toEqual(secret);
    expect([...combineShares(shares)]).toEqual(secret);
  });
});

describe('splitSecret / combineShares properties', () => {
  const splitArgs = fc
    .record({
      secret: fc.uint8Array({ minLength: 1, maxLength: 64 }),
      threshold: fc.integer({ min: 2, max: 10 }),
      extra: fc.integer({ min: 0, max: 6 }),
      seed: fc.integer(),
    })
    .map(({ secret, threshold, extra, seed }) => ({
      secret,
      threshold,
      parts: threshold + extra,
      seed,
    }));

  it('any threshold-sized subset (in any order) recovers the secret', () => {
    fc.assert(
      fc.property(splitArgs, ({ secret, threshold, parts, seed }) => {
        const shares = splitSecret(secret, parts, threshold);
        // Deterministic shuffle from the seed, then take `threshold` shares.
        let s = seed >>> 0;
        const picked = shares
          .map((sh) => {
            s = (Math.imul(s, 1103515245) + 12345) >>> 0;
            return [s, sh] as const;
          })
          .sort((a, b) => a[0] - b[0])
          .slice(0, threshold)
          .map(([, sh]) => sh);
        expect(hex(combineShares(picked))).toBe(hex(secret));
        expect(hex(combineShares(shares))).toBe(hex(secret));
      }),
      { numRuns: 200 },
    );
  });

  it('shares are secret.length+1 bytes with distinct non-zero last bytes', () => {
    fc.assert(
      fc.property(splitArgs, ({ secret, threshold, parts }) => {
        const shares = splitSecret(secret, parts, threshold);
        expect(shares).toHaveLength(parts);
        for (const sh of shares) expect(sh.length).toBe(secret.length + 1);
        const xs = shares.map((sh) => sh[secret.length]!);
        expect(xs.every((x) => x !== 0)).toBe(true);
        expect(new Set(xs).size).toBe(parts);
      }),
      { numRuns: 200 },
    );
  });

  it('threshold-1 shares of a random 32-byte secret do not reveal it', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 32, maxLength: 32 }),
        fc.integer({ min: 2, max: 8 }),
        (secret, threshold) => {
          const shares = splitSecret(secret, threshold + 1, threshold).slice(0, threshold - 1);
          if (shares.length < 2) {
            expect(() => combineShares(shares)).toThrow(IntegrityError);
          } else {
            // Equality has probability 2^-256.
            expect(hex(combineShares(shares))).not.toBe(hex(secret));
          }
        },
      ),
      { numRuns: 200 },
    );
  });

  it('uses all 255 x coordinates at parts = threshold = 255 and randomizes them', () => {
    const secret = utf8('maximal');
    const shares = splitSecret(secret, 255, 255);
    const xs = shares.map((s) => s[secret.length]!);
    expect([...xs].sort((a, b) => a - b)).toEqual(Array.from({ length: 255 }, (_, i) => i + 1));
    expect(hex(combineShares(shares))).toBe(hex(secret));
    // x coordinates are random, not 1..n as in old Vault: 20 splits never all agree.
    const firsts = new Set(
      Array.from({ length: 20 }, () => hex(Uint8Array.from(splitSecret(secret, 3, 2).map((s) => s[7]!)))),
    );
    expect(firsts.size).toBeGreaterThan(1);
  });
});

describe('invalid input', () => {
  it('splitSecret throws RangeError for bad parameters (Vault TestSplit_invalid + more)', () => {
    const secret = utf8('test');
    for (const [parts, threshold] of [
      [0, 0],
      [2, 3],
      [1000, 3],
      [10, 1],
      [256, 2],
      [256, 256],
      [3, 2.5],
      [Number.NaN, 2],
    ] as const) {
      expect(() => splitSecret(secret, parts, threshold)).toThrow(RangeError);
    }
    expect(() => splitSecret(new Uint8Array(0), 3, 2)).toThrow(RangeError);
  });

  it('combineShares throws IntegrityError for malformed shares (Vault TestCombine_invalid + more)', () => {
    const bad: Uint8Array[][] = [
      [],
      [unhex('16d881db83')],
      [utf8('foo'), utf8('ba')],
      [utf8('f'), utf8('b')],
      [utf8('foo'), utf8('foo')],
      [utf8('foo'), utf8('bao')], // duplicate x coordinate, different y
      [unhex('16d881db83'), unhex('6bfe86be05'), unhex('16d881db83')],
      [unhex('aa00'), unhex('bb01')], // x = 0 never comes from Split
      [new Uint8Array(0), new Uint8Array(0)],
    ];
    for (const shares of bad) {
      let err: unknown;
      try {
        combineShares(shares);
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(IntegrityError);
      expect((err as IntegrityError).code).toBe('integrity');
    }
  });
});
