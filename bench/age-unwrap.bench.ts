/**
 * Micro-benchmark: µs per decryptArmored of a 32-byte payload, keyfold's node:crypto age
 * implementation vs typage's default Decrypter (WebCrypto X25519 + noble).
 *
 *     npx tsx bench/age-unwrap.bench.ts [files=2000] [rounds=5]
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
} from '../src/crypto/age/index.js';

const files = Number(process.argv[2] ?? 2000);
const rounds = Number(process.argv[3] ?? 5);

const identity = generateIdentity();
const recipient = identityToRecipient(identity);
const corpus: string[] = [];
const plaintexts: Uint8Array[] = [];
for (let i = 0; i < files; i++) {
  const pt = randomBytes(32);
  plaintexts.push(pt);
  corpus.push(encryptArmored(pt, [recipient]));
}

function summarise(name: string, perRound: number[]): void {
  const sorted = [...perRound].sort((a, b) => a - b);
  const best = sorted[0]!;
  const median = sorted[Math.floor(sorted.length / 2)]!;
  console.log(`${name.padEnd(28)} best ${best.toFixed(1).padStart(7)} µs/file   median ${median.toFixed(1).padStart(7)} µs/file`);
}

function check(i: number, out: Uint8Array): void {
  const want = plaintexts[i]!;
  if (out.length !== want.length || !out.every((b, j) => b === want[j])) {
    throw new Error(`benchmark: wrong plaintext for file ${i}`);
  }
}

async function main(): Promise<void> {
  console.log(`node ${process.version}, ${files} files × ${rounds} rounds, 32-byte payload, 1 X25519 recipient`);

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

  summarise('keyfold decryptArmored', ours);
  summarise('typage Decrypter', theirs);
  const bestOurs = Math.min(...ours);
  const bestTheirs = Math.min(...theirs);
  console.log(`speed-up ×${(bestTheirs / bestOurs).toFixed(1)}`);
}

await main();
