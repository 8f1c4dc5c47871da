/**
 * Bulk decrypt on worker threads (ops/secrets/decrypt-bulk.ts, kernel/worker-pool.ts):
 * the built CLI's `decrypt DIR --json` with several threads prints byte for byte what
 * the single-thread path prints, fails on the first bad file in path order with that
 * file's exit code and nothing on stdout, never puts a value in an error, and small
 * inputs stay on one thread.
 */
import { cpSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeDocumentMap } from '../src/formats/registry.js';
import { Workspace } from '../src/ops/context/workspace.js';
import { decryptSopsPathsJson } from '../src/ops/secrets/decrypt-bulk.js';
import { PARALLEL_MIN_FILES, poolThreads } from '../src/kernel/worker-pool.js';
import { decryptSopsPaths, encryptSopsFile } from '../src/ops/secrets/file-crypt.js';
import { spawnSync } from 'node:child_process';
import { baseEnv, ROOT, runCli, tempDir } from './helpers/cli.js';
import { makeIdentity, type TestIdentity } from './helpers/repo.js';

const tmp = tempDir();
afterAll(() => tmp.cleanup());
let me: TestIdentity;
let other: TestIdentity;
const dir = join(tmp.path, 'work');
const ws = () => new Workspace({ cwd: dir, env: {}, identity: [me.file] });
const cli = (args: string[], threads: number | undefined, who = me) =>
  runCli([...args, '--identity', who.file], { cwd: dir, env: { HOME: tmp.path, ...(threads ? { KEYFOLD_THREADS: String(threads) } : {}) } });

/** Plaintexts that exercise the JSON encoder: every format, nesting, number-like and odd keys, unicode, bytes. */
const PLAINS: Array<[string, string]> = [
  ['a.yaml', 'name: demo\nport: 8080\nratio: 0.5\nbig: 123456789012345678901234567890\nok: true\nnothing: null\nlist:\n    - one\n    - 2\nnested:\n    "10": ten\n    "2": two\n    deep:\n        x: "\\u2028 line sep \\x7f del"\n'],
  ['b.json', '{\n\t"z": 1,\n\t"b": {\n\t\t"c": "\\u003cx\\u003e",\n\t\t"d": [1.5, true, null]\n\t},\n\t"e": "",\n\t"emoji": "🔑 ключ"\n}\n'],
  ['c.env', 'A=1\nB=multi\\nline\nC="quoted # not a comment"\nD=\n'],
  ['d.ini', 'top = level\n\n[db]\nhost = localhost\nport = 5432\n'],
  ['e.yaml', 'empty_map: {}\nempty_list: []\nmultiline: |\n    first\n    second\n'],
];

beforeAll(async () => {
  me = makeIdentity(tmp.path, 'me');
  other = makeIdentity(tmp.path, 'other');
  // 70 files in nested folders (three batches of 32), the plaintexts above in turn.
  for (let i = 0; i < 70; i++) {
    const [name, text] = PLAINS[i % PLAINS.length]!;
    const sub = join(dir, 'tree', `f${i % 7}`);
    mkdirSync(sub, { recursive: true });
    const plain = join(sub, `p${i}-${name}`);
    writeFileSync(plain, text);
    const r = await encryptSopsFile(ws(), plain, { recipients: [me.recipient] });
    writeFileSync(plain, r.text);
  }
  writeFileSync(join(dir, 'tree', 'plain.yaml'), 'not: encrypted\n'); // skipped by the walk
});

describe('parallel bulk decrypt', () => {
  it('prints byte for byte what one thread prints, for 1, 2 and 3 threads', async () => {
    const single = encodeDocumentMap(
      decryptSopsPaths(ws(), ['tree']).map((f) => [f.file, f.doc] as const),
      'json',
    );
    expect(JSON.parse(single)).toHaveProperty(['tree/f0/p0-a.yaml', 'name'], 'demo');
    expect(await decryptSopsPathsJson(ws(), ['tree'])).toBe(single); // the library's one-thread path
    for (const threads of [1, 2, 3]) {
      const r = await cli(['decrypt', 'tree', '--json'], threads);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout, `${threads} thread(s)`).toBe(single);
    }
    // The default (70 files: below the threshold, one thread) too.
    expect((await cli(['decrypt', 'tree', '--json'], undefined)).stdout).toBe(single);
    // An empty walk: the same `{}` as before.
    mkdirSync(join(dir, 'empty'), { recursive: true });
    const empty = await cli(['decrypt', 'empty', '--json'], 2);
    expect(empty).toMatchObject({ code: 0, stdout: '{}\n' });
  });

  it('stops at the first failing file in path order: its exit code, nothing on stdout, no value in the error', async () => {
    const good = readFileSync(join(dir, 'tree', 'f0', 'p0-a.yaml'), 'utf8');
    const bad = join(dir, 'bad');
    mkdirSync(bad, { recursive: true });
    for (let i = 0; i < 100; i++) writeFileSync(join(bad, `g${String(i).padStart(2, '0')}.yaml`), good);
    // In different batches of 32: g40 tampered (integrity, 5); g70 for someone else (no
    // identity, 4): 5 wins, it comes first in path order whichever thread finishes first.
    const tampered = good.replace(/^name: ENC\[AES256_GCM,data:(.)/m, (_m, c: string) => `name: ENC[AES256_GCM,data:${c === 'A' ? 'B' : 'A'}`);
    expect(tampered).not.toBe(good);
    writeFileSync(join(bad, 'g40.yaml'), tampered);
    writeFileSync(join(dir, 'foreign.yaml'), 'x: secret-of-other\n');
    writeFileSync(join(bad, 'g70.yaml'), (await encryptSopsFile(ws(), join(dir, 'foreign.yaml'), { recipients: [other.recipient] })).text);
    for (const threads of [1, 2, 3]) {
      const r = await cli(['decrypt', 'bad', '--json'], threads);
      expect(r, `${threads} thread(s)`).toMatchObject({ code: 5, stdout: '' });
      expect(r.stderr).toContain('g40.yaml');
      expect(r.stderr).not.toContain('demo');
    }
    writeFileSync(join(bad, 'g40.yaml'), good);
    for (const threads of [1, 2]) {
      const r = await cli(['decrypt', 'bad', '--json'], threads);
      expect(r).toMatchObject({ code: 4, stdout: '' });
      expect(r.stderr).toContain('g70.yaml');
    }
    // With --json the error is one JSON object (code, message, hint, exit code), never a value.
    const j = await cli(['decrypt', 'bad', '--json'], 2);
    expect(JSON.parse(j.stderr)).toMatchObject({ error: { code: 'no-identity', exitCode: 4 } });
    expect(j.stderr).not.toMatch(/demo|secret-of-other/);
  });

  it('below the threshold no worker starts: a CLI without its worker bundle still decrypts 70 files', async () => {
    const copy = join(tmp.path, 'dist');
    cpSync(join(ROOT, 'dist'), copy, { recursive: true });
    rmSync(join(copy, 'keyfold-worker.js'));
    const run = (env: Record<string, string>) => {
      const r = spawnSync(process.execPath, [join(copy, 'keyfold.js'), 'decrypt', 'tree', '--json', '--identity', me.file], { cwd: dir, env: { ...baseEnv(tmp.path), ...env }, encoding: 'utf8' });
      return { code: r.status, stdout: r.stdout };
    };
    const want = await cli(['decrypt', 'tree', '--json'], 1);
    expect(run({})).toMatchObject({ code: 0, stdout: want.stdout });
    // Forced onto two threads, the missing worker is an internal error (exit 70), nothing on stdout.
    expect(run({ KEYFOLD_THREADS: '2' })).toMatchObject({ code: 70, stdout: '' });
  });

  it('falls back to one thread below the threshold, uses every core above it, and obeys KEYFOLD_THREADS', () => {
    expect(poolThreads(0, {}, { cores: 2 })).toBe(1);
    expect(poolThreads(PARALLEL_MIN_FILES - 1, {}, { cores: 2 })).toBe(1);
    expect(poolThreads(PARALLEL_MIN_FILES, {}, { cores: 2 })).toBe(2);
    expect(poolThreads(10_000, {}, { cores: 8 })).toBe(8);
    expect(poolThreads(10_000, {}, { cores: 1 })).toBe(1);
    expect(poolThreads(3, { KEYFOLD_THREADS: '2' }, { cores: 2 })).toBe(2);
    expect(poolThreads(10_000, { KEYFOLD_THREADS: '1' }, { cores: 8 })).toBe(1);
    expect(poolThreads(10_000, { KEYFOLD_THREADS: 'lots' }, { cores: 4 })).toBe(4);
  });
});
