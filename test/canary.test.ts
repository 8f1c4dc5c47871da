/**
 * Plaintext never leaks (docs/threat-model.md): a unique canary value set through the CLI
 * appears only in the output of the commands that exist to print it (`get`, `show`,
 * `decrypt`), never in other output, error messages or on disk — including the git
 * object store and `edit`'s private temp files, on every exit path of `edit`.
 */
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { chmodSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI, baseEnv, type CliResult } from './helpers/cli.js';
import { makeRepo, type TestRepo } from './helpers/repo.js';

const C_STDIN = `CANARY-${randomUUID()}`;
const C_VALUE = `CANARY-${randomUUID()}`;
const C_JSON = `CANARY-${randomUUID()}`;
const C_EDIT = `CANARY-${randomUUID()}`;
const C_EDIT_FAIL = `CANARY-${randomUUID()}`;
const C_EDIT_KILLED = `CANARY-${randomUUID()}`;
const REF = 'dev/app/api';
const FILE = 'secrets/dev/app/api.yaml';

let repo: TestRepo;
let generated = '';
/** Output of every command that must not print values, by label. */
const quiet: Array<[string, CliResult]> = [];

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function allCanaries(): string[] {
  return [C_STDIN, C_VALUE, C_JSON, C_EDIT, C_EDIT_FAIL, C_EDIT_KILLED, ...(generated ? [generated] : [])];
}

function expectNoCanary(label: string, text: string): void {
  for (const c of allCanaries()) {
    expect(text.includes(c), `${label} leaks a value`).toBe(false);
  }
}

/** Every regular file below `dir` (following no symlinks). */
function filesUnder(dir: string): string[] {
  const out: string[] = [];
  const visit = (d: string): void => {
    let entries;
    try {
      entries = readdirSync(d, { withFileTypes: true });
    } catch {
      return; // removed concurrently (another test's temp dir)
    }
    for (const e of entries) {
      const p = join(d, e.name);
      if (e.isDirectory()) visit(p);
      else if (e.isFile()) out.push(p);
    }
  };
  visit(dir);
  return out;
}

function readOrEmpty(p: string): Buffer {
  try {
    return readFileSync(p);
  } catch {
    return Buffer.alloc(0);
  }
}

/** The temp roots where `edit` may put plaintext. */
function editTempDirs(): string[] {
  const out: string[] = [];
  for (const base of new Set(['/dev/shm', tmpdir()])) {
    let names: string[] = [];
    try {
      names = readdirSync(base);
    } catch {
      continue;
    }
    for (const n of names) if (n.startsWith('keyfold-edit-')) out.push(join(base, n));
  }
  return out;
}

/**
 * Assert no canary is on disk: every file of the test's temp tree (repo working tree,
 * .git including every object's decompressed content, home, keys) and any
 * `keyfold-edit-*` directory.
 */
function assertNoPlaintextOnDisk(canaries: string[]): void {
  const root = dirname(repo.dir);
  for (const f of filesUnder(root)) {
    const buf = readOrEmpty(f);
    for (const c of canaries) expect(buf.includes(c), `${relative(root, f)} contains a plaintext value`).toBe(false);
  }
  // Decompressed git objects: every blob, tree and commit ever written.
  const objects = repo.git('cat-file', '--batch-all-objects', '--batch');
  expect(objects.length).toBeGreaterThan(0);
  for (const c of canaries) expect(objects.includes(c), 'a git object contains a plaintext value').toBe(false);
  for (const d of editTempDirs()) {
    for (const f of filesUnder(d)) {
      const buf = readOrEmpty(f);
      for (const c of canaries) expect(buf.includes(c), `${f} (edit temp) contains a plaintext value`).toBe(false);
    }
  }
}

function commitAll(message: string): void {
  repo.git('add', '-A');
  repo.git('commit', '-q', '--allow-empty', '-m', message);
}

/** An editor script: records the temp file's path and modes, then runs `body`. */
function editorScript(name: string, body: string): { script: string; rec: string } {
  const rec = mkdtempSync(join(dirname(repo.dir), `rec-${name}-`));
  const script = join(dirname(repo.dir), `editor-${name}.sh`);
  writeFileSync(
    script,
    `#!/bin/sh
exec </dev/null >/dev/null 2>&1
f="$1"
printf '%s' "$f" > "$REC/path"
stat -c '%a' "$f" > "$REC/mode"
# Written then renamed, so a test that waits for dirmode never reads it half-written.
stat -c '%a' "$(dirname "$f")" > "$REC/dirmode.tmp" && mv "$REC/dirmode.tmp" "$REC/dirmode"
${body}
`,
  );
  chmodSync(script, 0o755);
  return { script, rec };
}

function expectPrivateTempOutsideRepo(rec: string): string {
  const path = readFileSync(join(rec, 'path'), 'utf8');
  expect(path).not.toBe('');
  expect(readFileSync(join(rec, 'mode'), 'utf8').trim()).toBe('600');
  expect(readFileSync(join(rec, 'dirmode'), 'utf8').trim()).toBe('700');
  expect(relative(repo.dir, path).startsWith('..'), 'the plaintext copy is inside the repository').toBe(true);
  expect(path.startsWith(dirname(repo.dir) + '/'), 'the plaintext copy is inside the test tree').toBe(false);
  expect(dirname(path)).toMatch(/\/keyfold-edit-[^/]+$/);
  return path;
}

beforeAll(async () => {
  repo = await makeRepo({ members: ['eve'], keyPattern: '.+' });
  const r1 = await repo.run(['set', REF, 'FROM_STDIN', '--stdin'], { input: C_STDIN + '\n' });
  expect(r1.code).toBe(0);
  quiet.push(['set --stdin', r1]);
  const r2 = await repo.run(['set', REF, 'FROM_VALUE', '--value', C_VALUE]);
  expect(r2.code).toBe(0);
  quiet.push(['set --value', r2]);
  const r3 = await repo.run(['set', REF, 'GENERATED', '--generate']);
  expect(r3.code).toBe(0);
  quiet.push(['set --generate', r3]);
  const r4 = await repo.run(['set', REF, 'FROM_JSON', '--stdin', '--json'], { input: C_JSON });
  expect(r4.code).toBe(0);
  expect(JSON.parse(r4.stdout)).toMatchObject({ ref: REF, key: 'FROM_JSON', action: 'added' });
  quiet.push(['set --stdin --json', r4]);
  const r5 = await repo.run(['set', REF, 'nested.deep', '--value', C_VALUE]);
  expect(r5.code).toBe(0);
  quiet.push(['set nested --value', r5]);
  const g = await repo.run(['get', REF, 'GENERATED']);
  expect(g.code).toBe(0);
  generated = g.stdout.replace(/\n$/, '');
  expect(generated).toMatch(/^[A-Za-z0-9]{32}$/);
});

afterAll(() => repo?.cleanup());

describe('values never appear where they should not', () => {
  it('the set commands themselves printed no value', () => {
    expect(quiet.length).toBe(5);
    for (const [label, r] of quiet) {
      expectNoCanary(`${label} stdout`, r.stdout);
      expectNoCanary(`${label} stderr`, r.stderr);
    }
  });

  it('ls, ls --json, set of an unchanged value, unset and unset --json print no value', async () => {
    const results: Array<[string, CliResult]> = [
      ['ls', await repo.run(['ls'])],
      ['ls PREFIX', await repo.run(['ls', 'dev/app'])],
      ['ls --json', await repo.run(['ls', '--json'])],
      ['set unchanged', await repo.run(['set', REF, 'FROM_STDIN', '--stdin'], { input: C_STDIN })],
      ['set --json unchanged', await repo.run(['set', REF, 'FROM_STDIN', '--stdin', '--json'], { input: C_STDIN })],
    ];
    // A key holding a canary, removed again.
    const add = await repo.run(['set', REF, 'TO_REMOVE', '--stdin'], { input: C_STDIN });
    expect(add.code).toBe(0);
    results.push(['set', add], ['unset', await repo.run(['unset', REF, 'TO_REMOVE'])]);
    const add2 = await repo.run(['set', REF, 'TO_REMOVE2', '--stdin', '--json'], { input: C_JSON });
    expect(add2.code).toBe(0);
    results.push(['set --json', add2], ['unset --json', await repo.run(['unset', REF, 'TO_REMOVE2', '--json'])]);
    for (const [label, r] of results) {
      expect(r.code, `${label}: ${r.stderr}`).toBe(0);
      expectNoCanary(`${label} stdout`, r.stdout);
      expectNoCanary(`${label} stderr`, r.stderr);
    }
    // ls really listed the keys (so the check above ran on real output).
    expect(results[0]![1].stdout).toContain('FROM_STDIN');
    expect(results[0]![1].stdout).toContain('GENERATED');
    expect(JSON.parse(results[2]![1].stdout)).toEqual({
      refs: [{ ref: REF, file: FILE, keys: ['FROM_STDIN', 'FROM_VALUE', 'GENERATED', 'FROM_JSON', 'nested.deep'] }],
      skipped: [],
    });
  });

  it('failing commands print no value (wrong identity, tampering, missing key, bad names, bad identities)', async () => {
    const text = readFileSync(join(repo.dir, FILE), 'utf8');
    const line = text.split('\n').find((l) => l.startsWith('FROM_STDIN: '))!;
    const write = (name: string, t: string) => {
      expect(t).not.toBe(text);
      writeFileSync(join(repo.dir, 'secrets/dev/app', `${name}.yaml`), t);
    };
    // Flip one base64 character of the canary's ciphertext.
    write('tdata', text.replace(line, line.replace(/data:(.)/, (_m, c: string) => `data:${c === 'A' ? 'B' : 'A'}`)));
    // Declared type changed: decrypts (type is not authenticated) but is not a valid int/bool/float.
    for (const t of ['int', 'float', 'bool', 'comment']) write(`ttype-${t}`, text.replace(line, line.replace('type:str]', `type:${t}]`)));
    // The canary's ciphertext moved to another key.
    write('tmoved', text.replace(line, line.replace('FROM_STDIN: ', 'OTHER_NAME: ')));
    // MAC tampered.
    write('tmac', text.replace(/mac: ENC\[AES256_GCM,data:(.)/, (_m, c: string) => `mac: ENC[AES256_GCM,data:${c === 'A' ? 'B' : 'A'}`));
    // An ENC value replaced by the plaintext canary itself: keyfold must not echo it.
    write('tplain', text.replace(line, `FROM_STDIN: ${C_STDIN}`));

    const outside = mkdtempSync(join(tmpdir(), 'keyfold-canary-ids-'));
    try {
      const notAKey = join(outside, 'not-a-key.env');
      writeFileSync(notAKey, `# a dotenv file passed by mistake\nAPI_KEY=${C_STDIN}\n${C_VALUE}\n`);
      const eve = repo.identity('eve');
      const cases: Array<[string, Promise<CliResult>, number]> = [
        ['get wrong identity', repo.run(['get', REF, 'FROM_STDIN'], { as: eve }), 4],
        ['show wrong identity', repo.run(['show', REF], { as: eve }), 4],
        ['set wrong identity', repo.run(['set', REF, 'X', '--stdin'], { as: eve, input: C_STDIN }), 4],
        ['decrypt wrong identity', repo.run(['decrypt', FILE, '--json'], { as: eve }), 4],
        ['get no identity', repo.run(['get', REF, 'FROM_STDIN'], { as: null }), 4],
        ['get tampered data', repo.run(['get', 'dev/app/tdata', 'FROM_STDIN']), 5],
        ['show tampered data', repo.run(['show', 'dev/app/tdata']), 5],
        ['get moved value', repo.run(['get', 'dev/app/tmoved', 'OTHER_NAME']), 5],
        ['show tampered mac', repo.run(['show', 'dev/app/tmac']), 5],
        ['decrypt tampered mac', repo.run(['decrypt', 'secrets/dev/app/tmac.yaml']), 5],
        ['get plaintext in place of ENC', repo.run(['get', 'dev/app/tplain', 'FROM_STDIN']), 5],
        ['show plaintext in place of ENC --json', repo.run(['show', 'dev/app/tplain', '--json']), 5],
        ['get missing key', repo.run(['get', REF, 'NO_SUCH_KEY']), 6],
        ['unset missing key', repo.run(['unset', REF, 'NO_SUCH_KEY']), 6],
        ['get missing ref', repo.run(['get', 'dev/app/nope', 'FROM_STDIN']), 6],
        ['set invalid key name', repo.run(['set', REF, 'bad:name', '--stdin'], { input: C_STDIN }), 2],
        ['set invalid key name --value', repo.run(['set', REF, '#bad', '--value', C_VALUE]), 2],
        ['set refused key name', repo.run(['set', REF, 'LD_PRELOAD', '--stdin'], { input: C_STDIN }), 2],
        ['set onto a map', repo.run(['set', REF, 'nested', '--stdin'], { input: C_STDIN }), 2],
        ['set two sources', repo.run(['set', REF, 'X', '--stdin', '--value', C_VALUE]), 2],
        ['set invalid ref', repo.run(['set', '../etc/x', 'X', '--stdin'], { input: C_STDIN }), 2],
        ['set missing --identity file', repo.run(['set', REF, 'X', '--stdin', '--identity', join(outside, 'missing.key')], { as: null, input: C_STDIN }), 6],
        ['get --identity is not a key file', repo.run(['get', REF, 'FROM_STDIN', '--identity', notAKey], { as: null }), 1],
        ['set --identity is not a key file', repo.run(['set', REF, 'X', '--stdin', '--identity', notAKey], { as: null, input: C_STDIN }), 1],
        ['get --identity is the encrypted file', repo.run(['get', REF, 'FROM_STDIN', '--identity', join(repo.dir, FILE)], { as: null }), 1],
        ['get KEYFOLD_AGE_KEY holds a value', repo.run(['get', REF, 'FROM_STDIN'], { as: null, env: { KEYFOLD_AGE_KEY: C_STDIN } }), 1],
        ['get SOPS_AGE_KEY_FILE is not a key file', repo.run(['get', REF, 'FROM_STDIN'], { as: null, env: { SOPS_AGE_KEY_FILE: notAKey } }), 1],
        ['get --json wrong identity', repo.run(['get', REF, 'FROM_STDIN', '--json'], { as: eve }), 4],
        ['get --json tampered', repo.run(['get', 'dev/app/tdata', 'FROM_STDIN', '--json']), 5],
      ];
      for (const t of ['int', 'float', 'bool', 'comment']) {
        cases.push([`get type tampered to ${t}`, repo.run(['get', `dev/app/ttype-${t}`, 'FROM_STDIN']), 5]);
        cases.push([`show type tampered to ${t}`, repo.run(['show', `dev/app/ttype-${t}`]), 5]);
      }
      for (const [label, p, code] of cases) {
        const r = await p;
        expect(r.code, `${label}: exit ${r.code} ${r.stderr}`).toBe(code);
        expect(r.stdout, label).toBe('');
        expect(r.stderr.trim().length, `${label} explains itself`).toBeGreaterThan(0);
        expect(r.stderr, `${label}: no stack trace`).not.toMatch(/\n\s+at /);
        expectNoCanary(`${label} stderr`, r.stderr);
      }
      // dotenv with a key that is no valid variable name: the error names the key only.
      const named = await repo.run(['set', 'dev/app/tnames', 'bad-name', '--stdin'], { input: C_STDIN });
      expect(named.code).toBe(0);
      const dot = await repo.run(['show', 'dev/app/tnames', '--format', 'dotenv']);
      expect(dot.code).toBe(2);
      expect(dot.stdout).toBe('');
      expect(dot.stderr).toContain('bad-name');
      expectNoCanary('show dotenv invalid name', dot.stderr);
    } finally {
      rmSync(outside, { recursive: true, force: true });
      for (const f of readdirSync(join(repo.dir, 'secrets/dev/app'))) if (/^t/.test(f)) rmSync(join(repo.dir, 'secrets/dev/app', f));
    }
  });

  it('get, show and decrypt print the values (they exist to)', async () => {
    const get = await repo.run(['get', REF, 'FROM_STDIN']);
    expect(get).toMatchObject({ code: 0, stdout: C_STDIN + '\n' });
    expect((await repo.run(['get', REF, 'FROM_VALUE'])).stdout).toBe(C_VALUE + '\n');
    expect((await repo.run(['get', REF, 'nested.deep'])).stdout).toBe(C_VALUE + '\n');
    expect((await repo.run(['get', REF, 'FROM_JSON', '--json'])).stdout).toBe(JSON.stringify(C_JSON) + '\n');
    for (const format of ['yaml', 'json', 'dotenv']) {
      const show = await repo.run(['show', REF, '--format', format]);
      expect(show.code).toBe(0);
      for (const c of [C_STDIN, C_VALUE, C_JSON, generated]) expect(show.stdout).toContain(c);
    }
    const dec = await repo.run(['decrypt', FILE]);
    expect(dec.code).toBe(0);
    for (const c of [C_STDIN, C_VALUE, C_JSON, generated]) expect(dec.stdout).toContain(c);
    const decJson = await repo.run(['decrypt', 'secrets', '--json']);
    expect(JSON.parse(decJson.stdout)).toEqual({
      [FILE]: { FROM_STDIN: C_STDIN, FROM_VALUE: C_VALUE, GENERATED: generated, FROM_JSON: C_JSON, nested: { deep: C_VALUE } },
    });
  });

  it('no value is on disk: working tree, .git (all objects, decompressed), home, key dirs', () => {
    commitAll('secrets');
    // The encrypted file is there and committed, so the scan covers its blob.
    expect(repo.git('ls-files')).toContain(FILE);
    assertNoPlaintextOnDisk([C_STDIN, C_VALUE, C_JSON, generated]);
  });
});

describe('edit keeps plaintext off disk on every exit path', () => {
  it('a successful edit: private 0600 temp outside the repo, removed afterwards; the change lands', async () => {
    const before = readFileSync(join(repo.dir, FILE), 'utf8');
    const { script, rec } = editorScript('ok', `printf 'EDITED_KEY: %s\\n' "$CANARY2" >> "$f"`);
    const r = await repo.run(['edit', REF], { env: { EDITOR: script, REC: rec, CANARY2: C_EDIT } });
    expect(r.code, r.stderr).toBe(0);
    expectNoCanary('edit stdout', r.stdout);
    expectNoCanary('edit stderr', r.stderr);
    expect(r.stdout).toContain('updated');
    const tmp = expectPrivateTempOutsideRepo(rec);
    expect(existsSync(dirname(tmp)), 'the temp dir is removed').toBe(false);
    expect(readFileSync(join(repo.dir, FILE), 'utf8')).not.toBe(before);
    expect((await repo.run(['get', REF, 'EDITED_KEY'])).stdout).toBe(C_EDIT + '\n');
    expect((await repo.run(['get', REF, 'FROM_STDIN'])).stdout).toBe(C_STDIN + '\n');
    commitAll('edit');
    assertNoPlaintextOnDisk([C_STDIN, C_VALUE, C_JSON, generated, C_EDIT]);
  });

  it('the editor exiting non-zero: nothing changes, the temp is removed', async () => {
    const before = readFileSync(join(repo.dir, FILE));
    const { script, rec } = editorScript('fail', `printf 'FAILED_KEY: %s\\n' "$CANARY3" >> "$f"\nexit 3`);
    const r = await repo.run(['edit', REF], { env: { EDITOR: script, REC: rec, CANARY3: C_EDIT_FAIL } });
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/editor/);
    expectNoCanary('failed edit stdout', r.stdout);
    expectNoCanary('failed edit stderr', r.stderr);
    const tmp = expectPrivateTempOutsideRepo(rec);
    expect(existsSync(dirname(tmp))).toBe(false);
    expect(readFileSync(join(repo.dir, FILE)).equals(before), 'the file is unchanged').toBe(true);
    expect((await repo.run(['get', REF, 'FAILED_KEY'])).code).toBe(6);
    assertNoPlaintextOnDisk([C_STDIN, C_EDIT, C_EDIT_FAIL]);
  });

  it('SIGTERM while the editor runs: keyfold ends at once, removes the temp and changes nothing', async () => {
    const before = readFileSync(join(repo.dir, FILE));
    // The editor waits, then tries to write a canary into its (by then removed) file.
    const { script, rec } = editorScript(
      'killed',
      `sleep 4\nprintf 'KILLED_KEY: %s\\n' "$CANARY4" >> "$f" || true\n: > "$REC/done"`,
    );
    const env = { ...baseEnv(repo.home), EDITOR: script, REC: rec, CANARY4: C_EDIT_KILLED };
    const child = spawn(process.execPath, [CLI, 'edit', REF, '--identity', repo.admin.file], { cwd: repo.dir, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (out += d));
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((res) =>
      child.once('exit', (code, signal) => res({ code, signal })),
    );
    const deadline = Date.now() + 10_000;
    while (!existsSync(join(rec, 'dirmode')) && Date.now() < deadline) await sleep(20);
    expect(existsSync(join(rec, 'dirmode')), 'the editor started').toBe(true);
    const tmp = expectPrivateTempOutsideRepo(rec);
    expect(existsSync(tmp), 'the plaintext copy exists while the editor runs').toBe(true);
    child.kill('SIGTERM');
    const { code, signal } = await exited;
    expect(code === null ? signal : code, 'ends by SIGTERM, not successfully').toSatisfy((v: unknown) => v === 'SIGTERM' || v === 143);
    // Ordering, not timing: keyfold is gone while the editor is still sleeping.
    expect(existsSync(join(rec, 'done')), 'keyfold does not wait for the editor after SIGTERM').toBe(false);
    expect(existsSync(dirname(tmp)), 'the temp dir is removed on SIGTERM').toBe(false);
    expectNoCanary('killed edit output', out);
    // Let the orphaned editor finish its (failing) write.
    while (!existsSync(join(rec, 'done')) && Date.now() < deadline + 5000) await sleep(50);
    expect(existsSync(join(rec, 'done'))).toBe(true);
    expect(existsSync(dirname(tmp)), 'the editor could not re-create the plaintext file').toBe(false);
    expect(readFileSync(join(repo.dir, FILE)).equals(before), 'the file is unchanged').toBe(true);
    // The lock left by the killed process is stale and taken over.
    const get = await repo.run(['get', REF, 'KILLED_KEY']);
    expect(get.code).toBe(6);
    const set = await repo.run(['set', REF, 'AFTER_KILL', '--value', 'x']);
    expect(set.code, set.stderr).toBe(0);
    assertNoPlaintextOnDisk([C_STDIN, C_EDIT, C_EDIT_FAIL, C_EDIT_KILLED]);
  });
});
