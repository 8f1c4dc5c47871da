/**
 * Micro-benchmark: µs per decryptArmored of a 32-byte payload, keyfold's node:crypto age
 * implementation vs typage's default Decrypter (WebCrypto X25519 + noble).
 * Environment: BENCH_AGE_FILES (2000), BENCH_AGE_ROUNDS (5).
 *
 * Each round decrypts every file once; the best round is reported (least disturbed by GC and
 * other load), with the median alongside.
 */

import { randomBytes } from 'node:crypto';
import { Decrypter, armor } from 'age-encryption';
import {
  decryptArmored,
  encryptArmored,
  generateIdentity,
  identityToRecipient,
  parseIdentities,
} from '../../src/crypto/age/index.js';
import type { Figure } from '../lib.js';

const files = Number(process.env['BENCH_AGE_FILES'] ?? 2000);
const rounds = Number(process.env['BENCH_AGE_ROUNDS'] ?? 5);
const plaintexts: Uint8Array[] = [];

function check(i: number, out: Uint8Array): void {
  const want = plaintexts[i]!;
  if (out.length !== want.length || !out.every((b, j) => b === want[j])) {
    throw new Error(`benchmark: wrong plaintext for file ${i}`);
  }
}

export async function ageUnwrapFigures(): Promise<Figure[]> {
  const identity = generateIdentity();
  const recipient = identityToRecipient(identity);
  const corpus: string[] = [];
  for (let i = 0; i < files; i++) {
    const pt = randomBytes(32);
    plaintexts.push(pt);
    corpus.push(encryptArmored(pt, [recipient]));
  }

  // keyfold
  const ids = parseIdentities(identity + '\n');
  for (let i = 0; i < Math.min(files, 200); i++) check(i, decryptArmored(corpus[i]!, ids)); // warm-up
  const ours: number[] = [];
  for (let r = 0; r < rounds; r++) {
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < files; i++) decryptArmored(corpus[i]!, ids);
    ours.push(Number(process.hrtime.bigint() - t0) / 1000 / files);
  }
  for (let i = 0; i < files; i++) check(i, decryptArmored(corpus[i]!, ids));

  // typage: armor.decode + Decrypter.decrypt, awaited one file at a time (as a caller would).
  const d = new Decrypter();
  d.addIdentity(identity);
  for (let i = 0; i < Math.min(files, 200); i++) check(i, await d.decrypt(armor.decode(corpus[i]!)));
  const theirs: number[] = [];
  for (let r = 0; r < rounds; r++) {
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < files; i++) await d.decrypt(armor.decode(corpus[i]!));
    theirs.push(Number(process.hrtime.bigint() - t0) / 1000 / files);
  }

  // The best round: the one least disturbed by GC and other load.
  const bestOurs = Math.min(...ours);
  const bestTheirs = Math.min(...theirs);
  return [{ id: 'age-unwrap', label: 'age decrypt of a 32-byte payload (best round)', value: bestOurs, unit: 'µs/file', peer: 'typage Decrypter', peerValue: bestTheirs, ratio: bestOurs / bestTheirs }];
}
