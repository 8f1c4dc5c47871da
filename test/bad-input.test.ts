/**
 * Bad input (docs/threat-model.md): one line on stderr starting with `keyfold: `, a documented
 * exit code (README, Exit codes), no stack trace, nothing of the input echoed where it could be secret,
 * and nothing on disk changed.
 */
import { createHash } from 'node:crypto';
import { lstatSync, mkdirSync, readFileSync, readdirSync, readlinkSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateIdentity } from '../src/crypto/age/index.js';
import { runCli, type CliResult } from './helpers/cli.js';
import { makeRepo, type TestRepo } from './helpers/repo.js';

/** The exit codes of the README. */
const DOCUMENTED_EXIT_CODES = [0, 1, 2, 3, 4, 5, 6, 7, 70];

const SECRET = 'existing-secret-value-7f3a9c';
const CANARY = 'CANARY-bad-input-5e1d';

/** Every file under `dir` (path → content hash or link target); `.git` skipped. */
function snapshot(dir: string): Map<string, string> {
  const out = new Map<string, string>();
  const visit = (d: string): void => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      if (e.name === '.git') continue;
      const p = join(d, e.name);
      const rel = relative(dir, p);
      if (e.isSymbolicLink()) out.set(rel, `link:${readlinkSync(p)}`);
      else if (e.isDirectory()) {
        out.set(rel, 'dir');
        visit(p);
      } else {
        // Hash small files; large fixtures are compared by size, inode and mtime.
        const st = lstatSync(p);
        const content = st.size < 1 << 20 ? createHash('sha256').update(readFileSync(p)).digest('hex') : `${st.ino}:${st.mtimeMs}`;
        out.set(rel, `${(st.mode & 0o7777).toString(8)}:${st.size}:${content}`);
      }
    }
  };
  visit(dir);
  return out;
}

let repo: TestRepo;
/** The temp root holding repo/, home/, keys/ and our inputs outside the repo. */
let base: string;
let bad: string; // secrets/dev/bad
let plainDir: string; // plaintext inputs outside the repo

const files: Record<string, string> = {};

beforeAll(async () => {
  repo = await makeRepo();
  base = join(repo.dir, '..');
  const r = await repo.run(['set', 'dev/app/db', 'PASSWORD', '--stdin'], { input: SECRET });
  if (r.code !== 0) throw new Error(`set failed: ${r.stderr}`);
  bad = join(repo.dir, 'secrets', 'dev', 'bad');
  plainDir = join(base, 'inputs');
  mkdirSync(bad, { recursive: true });
  mkdirSync(plainDir, { recursive: true });
  const good = readFileSync(join(repo.dir, 'secrets', 'dev', 'app', 'db.yaml'), 'utf8');

  const put = (name: string, text: string | Buffer, dir = bad): void => {
    files[name] = join(dir, name);
    writeFileSync(files[name]!, text);
  };
  put('malformed.yaml', `# ${CANARY}\nkey: [unterminated, ${CANARY}\nother: "also ${CANARY}\n`);
  put('malformed-plain.yaml', `key: {a: 1, ${CANARY}\n  b: [\n`, plainDir);
  put('plain.yaml', `DATABASE_URL: postgres://u:${CANARY}@h/db\n`, plainDir);
  put('v4.yaml', good.replace('version: 3.8.1', 'version: 4.0.0'));
  put('vbanana.yaml', good.replace('version: 3.8.1', 'version: banana'));
  put('ten-mb.yaml', `a: ${CANARY}\nb: ${'x'.repeat(10 * 1024 * 1024)}\n`);
  put('ten-mb-plain.yaml', `a: ${CANARY}\nb: ${'x'.repeat(10 * 1024 * 1024)}\n`, plainDir);
  put('deep-flow-seq.yaml', `a: ${'['.repeat(10_000)}${CANARY}${']'.repeat(10_000)}\n`);
  put('deep-flow-map.yaml', `a: ${'{b: '.repeat(10_000)}${CANARY}${'}'.repeat(10_000)}\n`);
  put('deep-block-seq.yaml', `a:\n${'- '.repeat(10_000)}${CANARY}\n`);
  // 10,000 levels of block maps need 50 MB of indentation (refused by size); 2,000
  // levels fit under the size limit and reach the parser.
  const blockMaps = (depth: number) => Array.from({ length: depth }, (_, i) => `${' '.repeat(i)}k${i}:`).join('\n') + ` ${CANARY}\n`;
  put('deep-block-map-10000.yaml', blockMaps(10_000));
  put('deep-block-map-2000.yaml', blockMaps(2_000));
  put('deep-block-map-plain.yaml', blockMaps(2_000), plainDir);
  const lol = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]'];
  for (const [k, prev] of ['ba', 'cb', 'dc', 'ed', 'fe', 'gf', 'hg', 'ih'].map(([x, y]) => [x!, y!])) {
    lol.push(`${k}: &${k} [${Array(9).fill(`*${prev}`).join(',')}]`);
  }
  put('bomb.yaml', `# ${CANARY}\n${lol.join('\n')}\n`);
  put('bomb-plain.yaml', `# ${CANARY}\n${lol.join('\n')}\n`, plainDir);
  put('bad-utf8.yaml', Buffer.concat([Buffer.from(`a: ${CANARY}\nb: `), Buffer.from([0xff, 0xfe, 0xc3, 0x28]), Buffer.from('\n')]));
  put('bad-utf8-plain.yaml', Buffer.concat([Buffer.from(`a: ${CANARY}\nb: `), Buffer.from([0xc0, 0xaf]), Buffer.from('\n')]), plainDir);
  mkdirSync(join(bad, 'dir.yaml')); // a directory where the ref's file should be
  files['dir.yaml'] = join(bad, 'dir.yaml');
  // Identity files with content that must never be echoed.
  put('canary.key', `# a comment\nAGE-SECRET-KEY-1${CANARY.toUpperCase()}\n`, plainDir);
  const real = generateIdentity();
  // One character changed: bech32 checksum fails; still a secret-looking string.
  const broken = real.slice(0, 20) + (real[20] === 'Q' ? 'P' : 'Q') + real.slice(21);
  files['broken-real'] = broken;
  put('broken.key', `${generateIdentity()}\n${broken}\n`, plainDir);
  put('password.key', `hunter2-${CANARY}\n`, plainDir);
  files['real-identity'] = real;
});

afterAll(() => repo?.cleanup());

interface BadCase {
  name: string;
  args: () => string[];
  code: number;
  input?: string;
  /** Identity flag: default the admin's. */
  as?: null;
  /** Strings that must not appear in stdout or stderr (CANARY and SECRET always). */
  secret?: () => string[];
  /** Run outside the repository (in the temp root). */
  outsideRepo?: boolean;
  /** The command runs with --json: the error line is a JSON object. */
  json?: boolean;
}

const f = (name: string) => () => files[name]!;
const cases: BadCase[] = [
  // Malformed YAML
  { name: 'malformed YAML: get', args: () => ['get', 'dev/bad/malformed', 'key'], code: 1 },
  { name: 'malformed YAML: show', args: () => ['show', 'dev/bad/malformed'], code: 1 },
  { name: 'malformed YAML: set', args: () => ['set', 'dev/bad/malformed', 'key', '--stdin'], input: 'new', code: 1 },
  { name: 'malformed YAML: decrypt', args: () => ['decrypt', f('malformed.yaml')()], code: 1 },
  { name: 'malformed YAML: encrypt', args: () => ['encrypt', f('malformed-plain.yaml')(), '-r', repo.admin.recipient, '--in-place'], code: 1 },
  // Not a SOPS file
  { name: 'non-SOPS YAML: decrypt', args: () => ['decrypt', f('plain.yaml')()], code: 1 },
  // With --json the one line is a JSON object (cli/output.ts).
  { name: 'non-SOPS YAML: decrypt --json', args: () => ['decrypt', f('plain.yaml')(), '--json'], code: 1, outsideRepo: true, json: true },
  // Unsupported sops.version
  { name: 'sops.version 4.0.0: get', args: () => ['get', 'dev/bad/v4', 'PASSWORD'], code: 5, secret: () => [SECRET] },
  { name: 'sops.version 4.0.0: decrypt', args: () => ['decrypt', f('v4.yaml')()], code: 5 },
  { name: 'sops.version banana: get', args: () => ['get', 'dev/bad/vbanana', 'PASSWORD'], code: 5 },
  { name: 'sops.version banana: set', args: () => ['set', 'dev/bad/vbanana', 'PASSWORD', '--stdin'], input: 'new', code: 5 },
  { name: 'sops.version banana: decrypt', args: () => ['decrypt', f('vbanana.yaml')()], code: 5 },
  // 10 MB
  { name: '10 MB file: get', args: () => ['get', 'dev/bad/ten-mb', 'a'], code: 1 },
  { name: '10 MB file: set', args: () => ['set', 'dev/bad/ten-mb', 'a', '--stdin'], input: 'new', code: 1 },
  { name: '10 MB file: decrypt', args: () => ['decrypt', f('ten-mb.yaml')()], code: 1 },
  { name: '10 MB file: encrypt', args: () => ['encrypt', f('ten-mb-plain.yaml')(), '-r', repo.admin.recipient, '--in-place'], code: 1 },
  {
    name: '10 MB value: set refuses to write a file it could not read back',
    args: () => ['set', 'dev/app/db', 'HUGE', '--stdin'],
    input: 'y'.repeat(10 * 1024 * 1024),
    code: 1,
  },
  // Deep nesting
  { name: '10,000-deep flow sequences: get', args: () => ['get', 'dev/bad/deep-flow-seq', 'a'], code: 1 },
  { name: '10,000-deep flow sequences: decrypt', args: () => ['decrypt', f('deep-flow-seq.yaml')()], code: 1 },
  { name: '10,000-deep flow maps: get', args: () => ['get', 'dev/bad/deep-flow-map', 'a'], code: 1 },
  { name: '10,000-deep block sequences: get', args: () => ['get', 'dev/bad/deep-block-seq', 'a'], code: 1 },
  { name: '10,000-deep block maps (50 MB): get', args: () => ['get', 'dev/bad/deep-block-map-10000', 'k0'], code: 1 },
  { name: '2,000-deep block maps: get', args: () => ['get', 'dev/bad/deep-block-map-2000', 'k0'], code: 1 },
  { name: '2,000-deep block maps: set', args: () => ['set', 'dev/bad/deep-block-map-2000', 'k0', '--stdin'], input: 'x', code: 1 },
  { name: '2,000-deep block maps: decrypt', args: () => ['decrypt', f('deep-block-map-2000.yaml')()], code: 1 },
  { name: '2,000-deep block maps: encrypt', args: () => ['encrypt', f('deep-block-map-plain.yaml')(), '-r', repo.admin.recipient], code: 1 },
  // Alias bomb
  { name: 'billion laughs: get', args: () => ['get', 'dev/bad/bomb', 'a'], code: 1 },
  { name: 'billion laughs: decrypt', args: () => ['decrypt', f('bomb.yaml')()], code: 1 },
  { name: 'billion laughs: encrypt', args: () => ['encrypt', f('bomb-plain.yaml')(), '-r', repo.admin.recipient, '--in-place'], code: 1 },
  // Invalid UTF-8
  { name: 'invalid UTF-8: get', args: () => ['get', 'dev/bad/bad-utf8', 'a'], code: 1 },
  { name: 'invalid UTF-8: decrypt', args: () => ['decrypt', f('bad-utf8.yaml')()], code: 1 },
  { name: 'invalid UTF-8: encrypt', args: () => ['encrypt', f('bad-utf8-plain.yaml')(), '-r', repo.admin.recipient, '--in-place'], code: 1 },
  // A directory where a file is expected
  { name: 'directory as a ref file: get', args: () => ['get', 'dev/bad/dir', 'a'], code: 2 },
  { name: 'directory as a ref file: set', args: () => ['set', 'dev/bad/dir', 'a', '--stdin'], input: 'x', code: 2 },
  { name: 'directory to encrypt', args: () => ['encrypt', bad, '-r', repo.admin.recipient, '--in-place'], code: 2 },
  { name: 'directory as --identity', args: () => ['get', 'dev/app/db', 'PASSWORD', '--identity', bad], as: null, code: 1 },
  // Invalid refs and environments
  { name: 'ref ../etc/passwd: get', args: () => ['get', '../etc/passwd', 'root'], code: 2 },
  { name: 'ref ../etc/passwd: set', args: () => ['set', '../etc/passwd', 'root', '--stdin'], input: 'x', code: 2 },
  { name: 'ref dev/../../etc/passwd: set', args: () => ['set', 'dev/../../etc/passwd', 'root', '--stdin'], input: 'x', code: 2 },
  { name: 'ref dev (no name): get', args: () => ['get', 'dev', 'a'], code: 2 },
  { name: 'ref dev (no name): show', args: () => ['show', 'dev'], code: 2 },
  { name: 'ref /abs/path: set', args: () => ['set', '/tmp/x', 'a', '--stdin'], input: 'x', code: 2 },
  { name: 'unknown environment: get', args: () => ['get', 'qa/app/db', 'PASSWORD'], code: 2 },
  { name: 'unknown environment: set', args: () => ['set', 'qa/app/db', 'PASSWORD', '--stdin'], input: 'x', code: 2 },
  // Identity files: never echo their content
  {
    name: '--identity with non-identity content',
    args: () => ['get', 'dev/app/db', 'PASSWORD', '--identity', f('canary.key')()],
    as: null,
    code: 1,
    secret: () => [CANARY.toUpperCase()],
  },
  {
    name: '--identity with a password in it',
    args: () => ['get', 'dev/app/db', 'PASSWORD', '--identity', f('password.key')()],
    as: null,
    code: 1,
    secret: () => ['hunter2'],
  },
  {
    name: '--identity with a corrupted real key on line 2',
    args: () => ['get', 'dev/app/db', 'PASSWORD', '--identity', f('broken.key')()],
    as: null,
    code: 1,
    secret: () => [files['broken-real']!, files['broken-real']!.slice(16, 40)],
  },
  {
    name: 'KEYFOLD_AGE_KEY with non-identity content',
    args: () => ['get', 'dev/app/db', 'PASSWORD'],
    as: null,
    code: 1,
    secret: () => ['hunter2'],
  },
  // Recipients
  // An invalid recipient argument is a usage error (2).
  { name: 'invalid -r recipient', args: () => ['encrypt', f('plain.yaml')(), '-r', 'age1notarecipient'], code: 2 },
  {
    name: '-r given a secret key by mistake (not echoed)',
    args: () => ['encrypt', f('plain.yaml')(), '-r', files['real-identity']!],
    code: 2,
    secret: () => [files['real-identity']!, files['real-identity']!.slice(16, 40)],
  },
  // A key that would collide with the metadata
  { name: 'set of the reserved top-level key sops', args: () => ['set', 'dev/app/db', 'sops', '--stdin'], input: 'x', code: 2 },
  { name: 'set of sops.age on a new ref', args: () => ['set', 'dev/app/new', 'sops.age', '--stdin'], input: 'x', code: 2 },
  // Usage
  { name: 'unknown command', args: () => ['frobnicate', 'dev/app/db'], code: 2 },
  { name: 'unknown option', args: () => ['get', 'dev/app/db', 'PASSWORD', '--frobnicate'], code: 2 },
  { name: 'missing argument', args: () => ['get', 'dev/app/db'], code: 2 },
  { name: 'unknown --format choice', args: () => ['show', 'dev/app/db', '--format', 'xml'], code: 2 },
];

/** Per-case environment overrides. */
const caseEnv: Record<string, Record<string, string>> = {
  'KEYFOLD_AGE_KEY with non-identity content': { KEYFOLD_AGE_KEY: `hunter2-${CANARY}\n` },
};

function expectOneLine(r: CliResult, c: BadCase): void {
  expect(r.code, `${c.name}: exit code (stderr: ${r.stderr.slice(0, 300)})`).toBe(c.code);
  expect(DOCUMENTED_EXIT_CODES).toContain(r.code);
  expect(r.code).not.toBe(0);
  expect(r.code).not.toBe(70);
  expect(r.stdout, `${c.name}: stdout`).toBe('');
  if (c.json) {
    expect(r.stderr, `${c.name}: one line`).toMatch(/^\{[^\n]+\}\n$/);
    const e = (JSON.parse(r.stderr) as { error: { code: string; message: string; exitCode: number } }).error;
    expect(e.exitCode).toBe(c.code);
    expect(e.message).toMatch(/^[^\n]+$/);
  } else {
    expect(r.stderr, `${c.name}: one line starting with keyfold:`).toMatch(/^keyfold: [^\n]+\n$/);
  }
  expect(r.stderr, `${c.name}: no stack trace`).not.toMatch(/^\s*at |\bat .*:\d+:\d+|node:internal|Error:/m);
  for (const s of [CANARY, SECRET, ...(c.secret?.() ?? [])]) {
    expect(r.stderr, `${c.name}: echoed input`).not.toContain(s);
    expect(r.stdout).not.toContain(s);
  }
}

describe('bad input: one line, a documented exit code, nothing changed', () => {
  for (const c of cases) {
    it.concurrent(c.name, async () => {
      const before = snapshot(base);
      const args = c.args();
      const env = caseEnv[c.name];
      const r =
        c.as === null
          ? await runCli(args, { cwd: c.outsideRepo ? base : repo.dir, env: { HOME: repo.home, ...env }, input: c.input })
          : await repo.run(args, { input: c.input, cwd: c.outsideRepo ? base : repo.dir, env });
      expectOneLine(r, c);
      expect(snapshot(base), `${c.name}: files on disk changed`).toEqual(before);
    });
  }
});

describe('the repository still works afterwards', () => {
  it('the existing secret is intact', async () => {
    const r = await repo.run(['get', 'dev/app/db', 'PASSWORD']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(`${SECRET}\n`);
  });
});
