/**
 * Shamir secret sharing over GF(2^8), byte-for-byte compatible with the implementation
 * SOPS uses for key groups (`github.com/getsops/sops/v3/shamir`, itself a copy of
 * HashiCorp Vault's `shamir` package).
 *
 * Compatibility points (see shamir.test.ts for the checks):
 * - Field: GF(2^8) with the AES reduction polynomial x^8+x^4+x^3+x+1 (0x11b); log/exp
 *   tables with generator 0xe5, identical to Vault's `tables.go` (note log[1] = 255 and
 *   log[0] = 0, a placeholder that the zero-masking below makes irrelevant).
 * - A share is `secret.length + 1` bytes: one y value per secret byte, then the share's
 *   x coordinate as the LAST byte. x coordinates are distinct, non-zero and random.
 * - Each secret byte gets its own random polynomial of degree `threshold - 1`, evaluated
 *   with Horner's method; Combine is Lagrange interpolation at x = 0.
 */
import { randomBytes, randomInt } from 'node:crypto';

import { IntegrityError } from '../kernel/errors.js';

/** Slow shift-and-xor multiply, used only to build the tables at load time. */
function slowMul(a: number, b: number): number {
  let r = 0;
  for (let i = 0; i < 8; i++) {
    if (b & 1) r ^= a;
    a <<= 1;
    if (a & 0x100) a ^= 0x11b;
    b >>= 1;
  }
  return r;
}

/** exp[i] = 0xe5^i; log[exp[i]] = i for i in 1..255 (so log[1] = 255, as in Vault). */
const EXP_TABLE = new Uint8Array(256);
const LOG_TABLE = new Uint8Array(256);
EXP_TABLE[0] = 1;
for (let i = 1; i < 256; i++) {
  EXP_TABLE[i] = slowMul(EXP_TABLE[i - 1]!, 0xe5);
  LOG_TABLE[EXP_TABLE[i]!] = i;
}

/** 0xff if `a` (a byte) is zero, else 0x00 — without branching on `a`. */
function zeroMask(a: number): number {
  return -((a - 1) >>> 31) & 0xff;
}

/** Addition (and subtraction) in GF(2^8). */
export function gfAdd(a: number, b: number): number {
  return (a ^ b) & 0xff;
}

/** Multiplication via log/exp tables; zero operands masked to 0 without a branch. */
export function gfMul(a: number, b: number): number {
  const r = EXP_TABLE[(LOG_TABLE[a]! + LOG_TABLE[b]!) % 255]!;
  return r & ~zeroMask(a) & ~zeroMask(b) & 0xff;
}

/** Division a / b via log/exp tables; b must be non-zero. */
export function gfDiv(a: number, b: number): number {
  // Like Vault this branches on b, which is a public x-coordinate difference.
  if (b === 0) throw new RangeError('GF(2^8) division by zero');
  const r = EXP_TABLE[(LOG_TABLE[a]! - LOG_TABLE[b]! + 255) % 255]!;
  return r & ~zeroMask(a) & 0xff;
}

/** Horner evaluation of `coeffs` (coeffs[0] is the intercept) at x. */
function evaluate(coeffs: Uint8Array, x: number): number {
  if (x === 0) return coeffs[0]!;
  let out = coeffs[coeffs.length - 1]!;
  for (let i = coeffs.length - 2; i >= 0; i--) out = gfAdd(gfMul(out, x), coeffs[i]!);
  return out;
}

/** Lagrange interpolation of the samples, evaluated at x = 0. */
function interpolateAtZero(xs: Uint8Array, ys: Uint8Array): number {
  let result = 0;
  for (let i = 0; i < xs.length; i++) {
    let basis = 1;
    for (let j = 0; j < xs.length; j++) {
      if (i === j) continue;
      basis = gfMul(basis, gfDiv(xs[j]!, gfAdd(xs[i]!, xs[j]!)));
    }
    result = gfAdd(result, gfMul(ys[i]!, basis));
  }
  return result;
}

function checkInt(name: string, v: number, min: number, max: number): void {
  if (!Number.isInteger(v) || v < min || v > max) {
    throw new RangeError(`${name} must be an integer in [${min}, ${max}], got ${String(v)}`);
  }
}

/**
 * Split `secret` into `parts` shares, any `threshold` of which reconstruct it.
 * Requires 2 ≤ threshold ≤ parts ≤ 255 and a non-empty secret (RangeError otherwise).
 */
export function splitSecret(secret: Uint8Array, parts: number, threshold: number): Uint8Array[] {
  checkInt('threshold', threshold, 2, 255);
  checkInt('parts', parts, threshold, 255);
  if (secret.length === 0) throw new RangeError('cannot split an empty secret');

  // Distinct random non-zero x coordinates: a uniform permutation of 1..255 (SOPS uses
  // math/rand.Perm(255) + 1; we use a CSPRNG Fisher–Yates).
  const xs = new Uint8Array(255);
  for (let i = 0; i < 255; i++) xs[i] = i + 1;
  for (let i = 254; i > 0; i--) {
    const j = randomInt(i + 1);
    const t = xs[i]!;
    xs[i] = xs[j]!;
    xs[j] = t;
  }

  const out: Uint8Array[] = [];
  for (let p = 0; p < parts; p++) {
    const share = new Uint8Array(secret.length + 1);
    share[secret.length] = xs[p]!;
    out.push(share);
  }
  const coeffs = new Uint8Array(threshold);
  for (let idx = 0; idx < secret.length; idx++) {
    coeffs[0] = secret[idx]!;
    coeffs.set(randomBytes(threshold - 1), 1);
    for (let p = 0; p < parts; p++) out[p]![idx] = evaluate(coeffs, xs[p]!);
  }
  coeffs.fill(0);
  return out;
}

/**
 * Reconstruct a secret from shares produced by `splitSecret` (or SOPS/Vault `Split`).
 * Validation follows Vault's Combine — at least 2 shares, all the same length ≥ 2, no
 * duplicate x coordinate — plus rejecting x = 0, which no Split ever produces.
 * Throws IntegrityError for malformed input. Given fewer than `threshold` valid shares
 * it returns an unrelated value, as Vault's does: integrity must be checked elsewhere.
 */
export function combineShares(shares: Uint8Array[]): Uint8Array {
  if (shares.length < 2) {
    throw new IntegrityError('less than two Shamir shares cannot reconstruct the secret');
  }
  const len = shares[0]!.length;
  if (len < 2) throw new IntegrityError('Shamir shares must be at least two bytes');
  if (shares.some((s) => s.length !== len)) {
    throw new IntegrityError('Shamir shares must all be the same length');
  }

  const xs = new Uint8Array(shares.length);
  const seen = new Set<number>();
  shares.forEach((s, i) => {
    const x = s[len - 1]!;
    if (x === 0) throw new IntegrityError('Shamir share has x coordinate 0');
    if (seen.has(x)) throw new IntegrityError('duplicate Shamir share detected');
    seen.add(x);
    xs[i] = x;
  });

  const secret = new Uint8Array(len - 1);
  const ys = new Uint8Array(shares.length);
  for (let idx = 0; idx < secret.length; idx++) {
    shares.forEach((s, i) => (ys[i] = s[idx]!));
    secret[idx] = interpolateAtZero(xs, ys);
  }
  ys.fill(0);
  return secret;
}
