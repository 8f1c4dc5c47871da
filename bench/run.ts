/**
 * `npm run bench`: keyfold against a floor and a peer, measured in the same run.
 *
 * 1. Bulk decrypt of a generated repo (1,000 files × 20 values): keyfold's library
 *    path, `keyfold decrypt secrets/ --json`, the same reader with typage's default
 *    identity for the data key, and a floor that parses each file (yaml Document API)
 *    and does only the necessary node:crypto work (README, Performance).
 * 2. `recipients sync --check` and `validate` on that repo (no keys).
 * 3. CLI start: `keyfold --version` and `keyfold get` against bare `node -e 0`.
 * 4. `keyfold log` over a generated history against `git log --name-status`.
 *
 * Environment: BENCH_FILES (default 1000), BENCH_VALUES (20), BENCH_RUNS (3),
 * BENCH_COMMITS (10000), BENCH_HISTORY_FILES (500).
 */
import { spawnSync } from 'node:child_process';
import { createDecipheriv, createHash, createPrivateKey, createPublicKey, diffieHellman, hkdfSync, timingSafeEqual } from 'node:crypto';
import { readFileSync, rmSync } from 'node:fs';
import { resolve } from 'node:path';
import { Decrypter, armor } from 'age-encryption';
import { isMap, isScalar, isSeq, parseDocument, type Node } from 'yaml';
import { identityToRecipient } from '../src/crypto/age/index.js';
import { makeBenchRepo } from './bench-repo.js';
import { makeHistoryRepo } from './history-repo.js';
import { decryptSopsPaths } from '../src/ops/secrets/file-crypt.js';
import { Workspace } from '../src/ops/context/workspace.js';
import { listRefFiles } from '../src/repo/secrets-tree.js';

const FILES = Number(process.env['BENCH_FILES'] ?? 1000);
const VALUES = Number(process.env['BENCH_VALUES'] ?? 20);
const RUNS = Number(process.env['BENCH_RUNS'] ?? 3);
const HISTORY_COMMITS = Number(process.env['BENCH_COMMITS'] ?? 10_000);
const HISTORY_FILES = Number(process.env['BENCH_HISTORY_FILES'] ?? 500);
const CLI = resolve(import.meta.dirname, '..', 'dist', 'keyfold.js');

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

async function time(label: string, runs: number, fn: () => unknown): Promise<number> {
  const samples: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    await fn();
    samples.push(performance.now() - t);
  }
  const m = median(samples);
  console.log(`  ${label.padEnd(52)} ${m.toFixed(1).padStart(9)} ms  (median of ${runs})`);
  return m;
}

// ---------------------------------------------------------------------------
// The floor: parse with the yaml Document API, unwrap one X25519 stanza, AES-GCM per
// value, SHA-512 MAC. No validation beyond what decryption itself needs.
// ---------------------------------------------------------------------------

const PKCS8 = Buffer.from('302e020100300506032b656e04220420', 'hex');
const BECH32 = 'qpzry9x8gf2tvdw0s3jn54khce6mua7l';

function bech32Data(s: string): Buffer {
  const data = s.slice(s.lastIndexOf('1') + 1, -6).toLowerCase();
  let acc = 0;
  let bits = 0;
  const out: number[] = [];
  for (const c of data) {
    acc = (acc << 5) | BECH32.indexOf(c);
    bits += 5;
    if (bits >= 8) {
      bits -= 8;
      out.push((acc >> bits) & 0xff);
    }
  }
  return Buffer.from(out);
}

function floorUnwrap(enc: string, priv: ReturnType<typeof createPrivateKey>, ourPub: Buffer): Buffer {
  const b64 = enc.replace(/-----[A-Z ]+-----/g, '').replace(/\s+/g, '');
  const file = Buffer.from(b64, 'base64');
  const text = file.toString('latin1');
  const stanza = text.indexOf('-> X25519 ');
  const lineEnd = text.indexOf('\n', stanza);
  const share = Buffer.from(text.slice(stanza + 10, lineEnd), 'base64');
  const bodyEnd = text.indexOf('\n', lineEnd + 1);
  const body = Buffer.from(text.slice(lineEnd + 1, bodyEnd), 'base64');
  const macEnd = text.indexOf('\n', text.indexOf('\n---', bodyEnd) + 1);
  // JWK import: ~7 µs on Node 20 against ~96 µs for SPKI DER (same key).
  const shared = diffieHellman({ privateKey: priv, publicKey: createPublicKey({ key: { kty: 'OKP', crv: 'X25519', x: share.toString('base64url') }, format: 'jwk' }) });
  const wrapKey = Buffer.from(hkdfSync('sha256', shared, Buffer.concat([share, ourPub]), 'age-encryption.org/v1/X25519', 32));
  const d = createDecipheriv('chacha20-poly1305', wrapKey, Buffer.alloc(12), { authTagLength: 16 });
  d.setAuthTag(body.subarray(16));
  const fileKey = Buffer.concat([d.update(body.subarray(0, 16)), d.final()]);
  // Payload: one chunk (nonce 16 bytes, then ciphertext + tag).
  const payload = file.subarray(macEnd + 1);
  const payloadKey = Buffer.from(hkdfSync('sha256', fileKey, payload.subarray(0, 16), 'payload', 32));
  const nonce = Buffer.alloc(12);
  nonce[11] = 1;
  const pd = createDecipheriv('chacha20-poly1305', payloadKey, nonce, { authTagLength: 16 });
  const ct = payload.subarray(16);
  pd.setAuthTag(ct.subarray(ct.length - 16));
  return Buffer.concat([pd.update(ct.subarray(0, ct.length - 16)), pd.final()]);
}

const ENC = /^ENC\[AES256_GCM,data:([^,]*),iv:([^,]+),tag:([^,]+),type:(\w+)\]$/;

function aesDecrypt(value: string, key: Buffer, aad: string): Buffer {
  const m = ENC.exec(value)!;
  const d = createDecipheriv('aes-256-gcm', key, Buffer.from(m[2]!, 'base64'));
  d.setAAD(Buffer.from(aad));
  d.setAuthTag(Buffer.from(m[3]!, 'base64'));
  return Buffer.concat([d.update(Buffer.from(m[1]!, 'base64')), d.final()]);
}

/** Decrypt all values of a parsed file with a known data key and verify the MAC. */
function floorValues(doc: ReturnType<typeof parseDocument>, key: Buffer): Record<string, string> {
  const root = doc.contents as Node;
  const out: Record<string, string> = {};
  const hash = createHash('sha512');
  let macEnc = '';
  let lastModified = '';
  if (!isMap(root)) throw new Error('not a map');
  for (const pair of root.items) {
    const k = String((pair.key as { value: unknown }).value);
    if (k === 'sops') {
      const sops = pair.value as Node;
      if (isMap(sops)) {
        macEnc = String(sops.get('mac'));
        lastModified = String(sops.get('lastmodified'));
      }
      continue;
    }
    const v = pair.value as Node;
    if (isScalar(v) && typeof v.value === 'string') {
      const p = aesDecrypt(v.value, key, `${k}:`);
      hash.update(p);
      out[k] = p.toString('utf8');
    } else if (isSeq(v)) throw new Error('bench files are flat');
  }
  const mac = aesDecrypt(macEnc, key, lastModified);
  if (!timingSafeEqual(mac, Buffer.from(hash.digest('hex').toUpperCase()))) throw new Error('MAC');
  return out;
}

function firstEnvelope(doc: ReturnType<typeof parseDocument>, recipient: string): string {
  const age = doc.getIn(['sops', 'age']) as { items: Array<{ get(k: string): unknown }> };
  const entry = age.items.find((e) => e.get('recipient') === recipient) ?? age.items[0]!;
  return String(entry.get('enc'));
}

async function main(): Promise<void> {
  console.log(`keyfold bench — node ${process.version}, ${FILES} files × ${VALUES} values`);
  const t0 = performance.now();
  const { root, identity, identityFile } = makeBenchRepo(FILES, VALUES);
  console.log(`  generated the bench repo in ${((performance.now() - t0) / 1000).toFixed(1)} s (${root})`);
  const recipient = identityToRecipient(identity);
  const files = listRefFiles(root).map((e) => e.path);
  const priv = createPrivateKey({ key: Buffer.concat([PKCS8, bech32Data(identity)]), format: 'der', type: 'pkcs8' });
  const ourPub = bech32Data(recipient);

  console.log('\nBulk decrypt');
  const floor = await time('floor (yaml Document + node:crypto only)', RUNS, () => {
    for (const f of files) {
      const doc = parseDocument(readFileSync(f, 'utf8'));
      floorValues(doc, floorUnwrap(firstEnvelope(doc, recipient), priv, ourPub));
    }
  });
  const ws = new Workspace({ cwd: root, env: {}, identity: [identityFile] });
  const lib = await time('keyfold library (decryptSopsPaths secrets/)', RUNS, () => {
    const out = decryptSopsPaths(ws, ['secrets']);
    if (out.length !== files.length) throw new Error('count');
  });
  const cli = await time('keyfold decrypt secrets/ --json (CLI, incl. start)', RUNS, () => {
    const r = spawnSync(process.execPath, [CLI, 'decrypt', 'secrets/', '--json', '--identity', identityFile], { cwd: root, maxBuffer: 1 << 30 });
    if (r.status !== 0) throw new Error(`cli failed: ${r.stderr.toString()}`);
  });
  const typage = await time("typage default identity (WebCrypto) for the data key", RUNS, async () => {
    const d = new Decrypter();
    d.addIdentity(identity);
    for (const f of files) {
      const doc = parseDocument(readFileSync(f, 'utf8'));
      const key = Buffer.from(await d.decrypt(armor.decode(firstEnvelope(doc, recipient))));
      floorValues(doc, key);
    }
  });
  console.log(`  ratios: library/floor ${(lib / floor).toFixed(2)}×, CLI/floor ${(cli / floor).toFixed(2)}×, typage/library ${(typage / lib).toFixed(2)}×`);
  console.log(`  per file: floor ${((floor / files.length) * 1000).toFixed(0)} µs, keyfold ${((lib / files.length) * 1000).toFixed(0)} µs, typage path ${((typage / files.length) * 1000).toFixed(0)} µs`);

  console.log('\nPolicy checks without keys (CLI, incl. start)');
  const cliTime = (label: string, args: string[], okCodes: number[] = [0]) =>
    time(label, RUNS, () => {
      const r = spawnSync(process.execPath, [CLI, ...args], { cwd: root, env: { PATH: process.env['PATH'] ?? '', HOME: root } });
      if (!okCodes.includes(r.status ?? -1)) throw new Error(`${args.join(' ')} failed (${r.status}): ${r.stderr.toString()}`);
    });
  await cliTime('keyfold recipients sync --check', ['recipients', 'sync', '--check']);
  const hasValidate = spawnSync(process.execPath, [CLI, 'validate', '--help']).status === 0;
  if (hasValidate) {
    spawnSync('git', ['init', '-q'], { cwd: root });
    spawnSync('git', ['add', '-A'], { cwd: root });
    spawnSync('git', ['-c', 'user.email=b@b', '-c', 'user.name=b', 'commit', '-qm', 'bench'], { cwd: root });
    await cliTime('keyfold validate', ['validate'], [0, 3]);
  }

  console.log('\nCLI start (wall time per process)');
  const startRuns = Math.max(RUNS * 3, 9);
  const spawnTime = (args: string[]) => () => {
    const r = spawnSync(process.execPath, args, { cwd: root });
    if (r.status !== 0) throw new Error(`${args.join(' ')} failed: ${r.stderr.toString()}`);
  };
  const bare = await time('node -e 0', startRuns, spawnTime(['-e', '0']));
  const version = await time('keyfold --version', startRuns, spawnTime([CLI, '--version']));
  const get = await time('keyfold get (one value)', startRuns, spawnTime([CLI, 'get', 'dev/folder0/file0', 'KEY_3', '--identity', identityFile]));
  const help = await time('keyfold --help', startRuns, spawnTime([CLI, '--help']));
  console.log(`  ratios vs node -e 0: --version ${(version / bare).toFixed(2)}×, get ${(get / bare).toFixed(2)}×, --help ${(help / bare).toFixed(2)}×`);

  rmSync(root, { recursive: true, force: true });

  console.log(`\nAudit log (${HISTORY_COMMITS} commits touching ${HISTORY_FILES} files)`);
  const t1 = performance.now();
  const hist = makeHistoryRepo(HISTORY_FILES, HISTORY_COMMITS);
  console.log(`  generated the history in ${((performance.now() - t1) / 1000).toFixed(1)} s (${hist})`);
  const gitLog = await time('floor: git log --name-status', RUNS, () => {
    const r = spawnSync('git', ['log', '--name-status'], { cwd: hist, maxBuffer: 1 << 30 });
    if (r.status !== 0) throw new Error('git log failed');
  });
  const kfLog = await time('keyfold log --json (CLI)', RUNS, () => {
    const r = spawnSync(process.execPath, [CLI, 'log', '--json'], { cwd: hist, maxBuffer: 1 << 30, env: { PATH: process.env['PATH'] ?? '', HOME: hist } });
    if (r.status !== 0) throw new Error(`keyfold log failed: ${r.stderr.toString()}`);
  });
  const kfKey = await time('keyfold log <ref> --key KEY_3 (CLI)', RUNS, () => {
    const r = spawnSync(process.execPath, [CLI, 'log', 'dev/folder0/file0', '--key', 'KEY_3'], { cwd: hist, maxBuffer: 1 << 30, env: { PATH: process.env['PATH'] ?? '', HOME: hist } });
    if (r.status !== 0) throw new Error(`keyfold log --key failed: ${r.stderr.toString()}`);
  });
  console.log(`  ratios vs git log --name-status: log ${(kfLog / gitLog).toFixed(1)}×, log --key ${(kfKey / gitLog).toFixed(1)}×`);
  rmSync(hist, { recursive: true, force: true });
}

await main();
