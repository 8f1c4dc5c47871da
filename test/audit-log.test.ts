/**
 * Audit from git history (docs/audit.md: stable ciphertext, `log` / `blame`):
 * the built CLI on a real temp git repository whose commits, by several authors, set,
 * change and unset keys, rotate a data key, rename a file, delete another ref, go
 * through a pull-request merge, and once rotate a data key and change a value in the
 * same commit.
 */
import { execFileSync } from 'node:child_process';
import { cpSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, tempDir, type CliResult } from './helpers/cli.js';
import { readHistory } from '../src/ops/audit/log.js';
import { Workspace } from '../src/ops/context/workspace.js';
import { makeRepo, type TestIdentity, type TestRepo } from './helpers/repo.js';

interface Author {
  name: string;
  email: string;
}
const ADMIN: Author = { name: 'Ada Admin', email: 'ada@example.com' };
const ALICE: Author = { name: 'Alice Dev', email: 'alice@example.com' };
const BOB: Author = { name: 'Bob Builder', email: 'bob@example.org' };
const CAROL: Author = { name: 'Carol Coder', email: 'carol@example.net' };
const DAVE: Author = { name: 'Dave Ops', email: 'dave@example.com' };
const ERIN: Author = { name: 'Erin Feature', email: 'erin@example.com' };

/** Every value written, unique, so any leak into output is found. */
const V = {
  A1: 'canary-A1-7f3e9a', A2: 'canary-A2-81bd22', A3: 'canary-A3-c0ffee', A4: 'canary-A4-d15ea5', AEVIL: 'canary-Aevil-bad0',
  B1: 'canary-B1-4242aa', B2: 'canary-B2-9191bb',
  C1: 'canary-C1-1234cc', C2: 'canary-C2-5678cc',
  D1: 'canary-D1-0d0d0d', E1: 'canary-E1-0e0e0e',
  G1: 'canary-G1-0909ff', O1: 'canary-O1-0101aa', O2: 'canary-O2-0202aa', O3: 'canary-O3-0303aa',
  NOTE: 'canary-note-plain-text',
};
const ALL_VALUES = Object.values(V);
const expectNoValues = (r: CliResult) => {
  for (const v of ALL_VALUES) {
    expect(r.stdout, 'a value in stdout').not.toContain(v);
    expect(r.stderr, 'a value in stderr').not.toContain(v);
  }
};

const tmp = tempDir('keyfold-audit-');
afterAll(() => tmp.cleanup());

let repo: TestRepo;
let alice: TestIdentity;
/** Commit ids by name. */
const sha: Record<string, string> = {};

function policyText(): string {
  return `members:
  admin: { recipient: ${repo.admin.recipient}, github: ada }
  alice: { recipient: ${alice.recipient}, github: alice }
roles:
  admin: [admin]
  developer: [alice]
grants:
  - { role: admin, read: ["**"], write: ["**"] }
  - { role: developer, read: ["dev/**"], write: ["dev/**"] }
`;
}

function gitIn(dir: string, args: string[], env: Record<string, string> = {}): string {
  const clean = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^GIT_(AUTHOR|COMMITTER)_/.test(k)));
  return execFileSync('git', args, { cwd: dir, encoding: 'utf8', env: { ...clean, GIT_CONFIG_NOSYSTEM: '1', ...env } });
}

/** Day n of May 2024, noon UTC: author and committer date. */
const dateOf = (n: number) => `2024-05-${String(n).padStart(2, '0')}T12:00:00Z`;

function commitAs(dir: string, who: Author, day: number, message: string, extra: string[] = []): string {
  gitIn(dir, ['add', '-A']);
  gitIn(dir, ['-c', `user.name=${who.name}`, '-c', `user.email=${who.email}`, 'commit', '-q', '-m', message, ...extra], {
    GIT_AUTHOR_DATE: dateOf(day),
    GIT_COMMITTER_DATE: dateOf(day),
  });
  return gitIn(dir, ['rev-parse', 'HEAD']).trim();
}

async function ok(p: Promise<CliResult>): Promise<CliResult> {
  const r = await p;
  if (r.code !== 0) throw new Error(`expected exit 0, got ${r.code}: ${r.stderr}`);
  return r;
}

const set = (ref: string, key: string, value: string, dir = repo.dir) =>
  ok(runCli(['set', ref, key, '--stdin', '--identity', repo.admin.file], { cwd: dir, env: { HOME: repo.home }, input: value }));
const unset = (ref: string, key: string) => ok(repo.run(['unset', ref, key]));
const rotate = (prefix: string, dir = repo.dir) => ok(runCli(['rotate', prefix, '--identity', repo.admin.file], { cwd: dir, env: { HOME: repo.home } }));

interface LogFileJson {
  ref: string;
  from?: string;
  status: string;
  added: string[];
  removed: string[];
  changed: string[];
  readersAdded: string[];
  readersRemoved: string[];
  reencrypted: boolean;
  confirmed?: string[];
}
interface LogEntryJson {
  sha: string;
  author: string;
  email: string;
  date: string;
  subject: string;
  body: string;
  pr?: number;
  policy: boolean;
  files: LogFileJson[];
}
interface LogJson {
  entries: LogEntryJson[];
  hiddenReencryptions: number;
}

async function logJson(args: string[], dir = repo.dir): Promise<LogJson> {
  const r = await runCli(['log', ...args, '--json', '--identity', repo.admin.file], { cwd: dir, env: { HOME: repo.home } });
  expect(r.code, r.stderr).toBe(0);
  expectNoValues(r);
  return JSON.parse(r.stdout) as LogJson;
}
const shas = (l: LogJson) => l.entries.map((e) => e.sha);
const names = (...keys: string[]) => keys.map((k) => sha[k]);

beforeAll(async () => {
  repo = await makeRepo({ members: ['alice'] });
  alice = repo.identity('alice');
  const { writeFileSync } = await import('node:fs');
  writeFileSync(join(repo.dir, 'policies', 'access.yaml'), policyText());
  const d = repo.dir;
  sha['c0'] = commitAs(d, ADMIN, 1, 'bootstrap keyfold (#1)');

  await set('dev/a/x', 'A', V.A1);
  await set('dev/a/x', 'B', V.B1);
  await set('dev/a/x', 'E', V.E1);
  await ok(repo.run(['set', 'dev/a/x', 'NOTE_unencrypted', '--stdin'], { input: V.NOTE }));
  await set('dev/a/gone', 'G', V.G1);
  await set('dev/b/other', 'O', V.O1);
  sha['c1'] = commitAs(d, ALICE, 2, 'add x, gone and other (#3)', ['-m', 'Why: the new provider.\nSecond body line.']);

  await set('dev/a/x', 'A', V.A2);
  sha['c2'] = commitAs(d, BOB, 3, 'change A');

  await set('dev/a/x', 'B', V.B2);
  await set('dev/a/x', 'C', V.C1);
  await set('dev/b/other', 'O', V.O2);
  sha['c3'] = commitAs(d, CAROL, 4, 'change B, add C, touch other');

  await set('dev/b/other', 'O', V.O3);
  sha['c4'] = commitAs(d, BOB, 5, 'other only');

  await rotate('dev/a/x');
  sha['c5'] = commitAs(d, ADMIN, 6, 'rotate the data key of x');

  gitIn(d, ['mv', 'secrets/dev/a/x.yaml', 'secrets/dev/a/y.yaml']);
  sha['c6'] = commitAs(d, ALICE, 7, 'rename x to y');

  await set('dev/a/y', 'A', V.A3);
  await set('dev/a/y', 'D', V.D1);
  sha['c7'] = commitAs(d, BOB, 8, 'update A, add D (#12)');

  await unset('dev/a/y', 'B');
  sha['c8'] = commitAs(d, CAROL, 9, 'drop B');

  // A pull request by Erin, merged with a merge commit; main moved on meanwhile.
  gitIn(d, ['checkout', '-q', '-b', 'bump-c']);
  await set('dev/a/y', 'C', V.C2);
  sha['c9'] = commitAs(d, ERIN, 10, 'bump C');
  gitIn(d, ['checkout', '-q', '-']);
  gitIn(d, ['rm', '-q', 'secrets/dev/a/gone.yaml']);
  sha['c10'] = commitAs(d, ADMIN, 11, 'delete gone');
  gitIn(d, ['-c', `user.name=${ADMIN.name}`, '-c', `user.email=${ADMIN.email}`, 'merge', '-q', '--no-ff', 'bump-c', '-m', 'Merge pull request #13 from acme/bump-c'], {
    GIT_AUTHOR_DATE: dateOf(12),
    GIT_COMMITTER_DATE: dateOf(12),
  });
  sha['merge'] = gitIn(d, ['rev-parse', 'HEAD']).trim();

  // A data-key rotation and a value change in one commit.
  await rotate('dev/a/y');
  await set('dev/a/y', 'A', V.A4);
  sha['c11'] = commitAs(d, DAVE, 13, 'rotate y and change A');
}, 60_000);

afterAll(() => repo?.cleanup());

describe('log REF --key K', () => {
  it('lists exactly the commits that changed K (sha, author, message), following the rename; not the rotation, not other keys', async () => {
    const l = await logJson(['dev/a/y', '--key', 'A']);
    expect(shas(l)).toEqual(names('c7', 'c2', 'c1'));
    expect(l.entries.map((e) => [e.author, e.email, e.subject])).toEqual([
      [BOB.name, BOB.email, 'update A, add D (#12)'],
      [BOB.name, BOB.email, 'change A'],
      [ALICE.name, ALICE.email, 'add x, gone and other (#3)'],
    ]);
    // The two re-encryption commits (c5, c11) changed A's ciphertext; without --decrypt they are not shown but counted.
    expect(l.hiddenReencryptions).toBe(2);
    expect(shas(await logJson(['dev/a/y', '--key', 'B']))).toEqual(names('c8', 'c3', 'c1'));
    expect(shas(await logJson(['dev/a/y', '--key', 'C']))).toEqual(names('c9', 'c3'));
    expect(shas(await logJson(['dev/a/y', '--key', 'E']))).toEqual(names('c1'));
    // A plain (_unencrypted) value never changed: a re-key does not make it look changed.
    const note = await logJson(['dev/a/y', '--key', 'NOTE_unencrypted']);
    expect(shas(note)).toEqual(names('c1'));
    expect(note.hiddenReencryptions).toBe(0);
    expect(shas(await logJson(['dev/b/other', '--key', 'O']))).toEqual(names('c4', 'c3', 'c1'));
    expect((await logJson(['dev/a/y', '--key', 'NOPE'])).entries).toEqual([]);
  });

  it('text output names the commits and says how many re-encryption commits were left out', async () => {
    const r = await repo.run(['log', 'dev/a/y', '--key', 'A'], { as: null });
    expect(r.code, r.stderr).toBe(0);
    expectNoValues(r);
    const heads = r.stdout.split('\n').filter((line) => line.startsWith('commit '));
    expect(heads.map((h) => h.slice(7, 19))).toEqual(names('c7', 'c2', 'c1').map((s) => s!.slice(0, 12)));
    expect(r.stdout).toContain(`(#12)  2024-05-08  ${BOB.name} <${BOB.email}>`);
    expect(r.stdout).toContain('    update A, add D (#12)');
    expect(r.stderr).toMatch(/2 re-encryption commits not shown/);
  });
});

describe('log REF', () => {
  it('lists every commit that touched the file, newest first, across the rename; labels the rotation re-encrypted', async () => {
    const l = await logJson(['dev/a/y']);
    expect(shas(l)).toEqual(names('c11', 'c9', 'c8', 'c7', 'c6', 'c5', 'c3', 'c2', 'c1'));
    const by = new Map(l.entries.map((e) => [e.sha, e]));
    expect(by.get(sha['c5']!)!.files).toEqual([
      { ref: 'dev/a/x', status: 'modified', added: [], removed: [], changed: [], unconfirmed: ['A', 'B', 'E', 'C'], readersAdded: [], readersRemoved: [], reencrypted: true },
    ]);
    expect(by.get(sha['c6']!)!.files).toEqual([
      { ref: 'dev/a/y', from: 'dev/a/x', status: 'renamed', added: [], removed: [], changed: [], readersAdded: [], readersRemoved: [], reencrypted: false },
    ]);
    expect(by.get(sha['c1']!)!.files).toEqual([
      { ref: 'dev/a/x', status: 'added', added: ['A', 'B', 'E', 'NOTE_unencrypted'], removed: [], changed: [], readersAdded: ['admin', 'alice'], readersRemoved: [], reencrypted: false },
    ]);
    // Only the target's file is listed, though c3 also changed dev/b/other.
    expect(by.get(sha['c3']!)!.files.map((f) => [f.ref, f.added, f.changed])).toEqual([['dev/a/x', ['C'], ['B']]]);
    expect(by.get(sha['c8']!)!.files[0]).toMatchObject({ status: 'modified', removed: ['B'], added: [], changed: [] });
    expect(by.get(sha['c11']!)!.files[0]).toMatchObject({ reencrypted: true });
    expect(by.get(sha['c11']!)!.files[0]!.confirmed).toBeUndefined();
  });

  it('text: renamed from, re-encrypted, created, + ~ - keys and readers', async () => {
    const r = await repo.run(['log', 'dev/a/y'], { as: null });
    expect(r.code, r.stderr).toBe(0);
    expectNoValues(r);
    expect(r.stdout).toContain('dev/a/y (renamed from dev/a/x): no key changes');
    expect(r.stdout).toContain('dev/a/x: re-encrypted (fresh data key)');
    expect(r.stdout).toContain('dev/a/x: created; + A, B, E, NOTE_unencrypted; readers +admin +alice');
    expect(r.stdout).toContain('dev/a/x: + C; ~ B');
    expect(r.stdout).toContain('dev/a/y: - B');
  });

  it('the old name shows its history up to the rename; a deleted ref shows its deletion', async () => {
    const old = await logJson(['dev/a/x']);
    expect(shas(old)).toEqual(names('c6', 'c5', 'c3', 'c2', 'c1'));
    expect(old.entries[0]!.files[0]).toMatchObject({ ref: 'dev/a/y', from: 'dev/a/x', status: 'renamed' });
    const gone = await logJson(['dev/a/gone']);
    expect(shas(gone)).toEqual(names('c10', 'c1'));
    expect(gone.entries[0]!.files).toEqual([
      { ref: 'dev/a/gone', status: 'deleted', added: [], removed: ['G'], changed: [], readersAdded: [], readersRemoved: ['admin', 'alice'], reencrypted: false },
    ]);
    const text = await repo.run(['log', 'dev/a/gone'], { as: null });
    expect(text.stdout).toContain('dev/a/gone: deleted; keys G; readers -admin -alice');
  });

  it('a prefix (folder or environment) covers every ref under it, and a policy commit is marked policy: true', async () => {
    const folder = await logJson(['dev/a']);
    expect(shas(folder)).toEqual(names('c11', 'c10', 'c9', 'c8', 'c7', 'c6', 'c5', 'c3', 'c2', 'c1'));
    const env = await logJson(['dev']);
    expect(shas(env)).toEqual(names('c11', 'c10', 'c9', 'c8', 'c7', 'c6', 'c5', 'c4', 'c3', 'c2', 'c1'));
    const all = await logJson([]);
    expect(shas(all)).toEqual(names('c11', 'c10', 'c9', 'c8', 'c7', 'c6', 'c5', 'c4', 'c3', 'c2', 'c1', 'c0'));
    const boot = all.entries.find((e) => e.sha === sha['c0'])!;
    expect(boot.policy).toBe(true);
    expect(boot.files).toEqual([]);
    expect(all.entries.filter((e) => e.policy).map((e) => e.sha)).toEqual([sha['c0']]);
    const text = await repo.run(['log'], { as: null });
    expect(text.stdout).toContain('policy: policies/access.yaml changed');
  });

  it('--since / --until / --author filter (and still follow the rename)', async () => {
    expect(shas(await logJson(['dev/a/y', '--author', 'Bob']))).toEqual(names('c7', 'c2'));
    expect(shas(await logJson(['dev/a/y', '--author', 'carol@example.net']))).toEqual(names('c8', 'c3'));
    expect(shas(await logJson(['dev/a/y', '--since', '2024-05-08T00:00:00Z']))).toEqual(names('c11', 'c9', 'c8', 'c7'));
    expect(shas(await logJson(['dev/a/y', '--until', '2024-05-04T23:00:00Z']))).toEqual(names('c3', 'c2', 'c1'));
    expect(shas(await logJson(['dev/a/y', '--since', '2024-05-03T00:00:00Z', '--until', '2024-05-08T23:00:00Z', '--key', 'A']))).toEqual(names('c7', 'c2'));
    expect(shas(await logJson(['dev/a/y', '--author', 'Bob', '--key', 'B']))).toEqual([]);
  });

  it('--json shape: entries with sha, author, email, date, subject, body, pr, policy, files', async () => {
    const l = await logJson(['dev/a/y', '--key', 'B']);
    expect(Object.keys(l).sort()).toEqual(['entries', 'hiddenReencryptions']);
    const first = l.entries.find((e) => e.sha === sha['c1'])!;
    expect(first).toEqual({
      sha: sha['c1'],
      author: ALICE.name,
      email: ALICE.email,
      date: '2024-05-02T12:00:00+00:00',
      subject: 'add x, gone and other (#3)',
      body: 'Why: the new provider.\nSecond body line.',
      pr: 3,
      policy: false,
      files: [{ ref: 'dev/a/x', status: 'added', added: ['A', 'B', 'E', 'NOTE_unencrypted'], removed: [], changed: [], readersAdded: ['admin', 'alice'], readersRemoved: [], reencrypted: false }],
    });
    expect(first.sha).toMatch(/^[0-9a-f]{40}$/);
    for (const e of l.entries) {
      expect(Object.keys(e).sort()).toEqual(e.pr === undefined ? ['author', 'body', 'date', 'email', 'files', 'policy', 'sha', 'subject'] : ['author', 'body', 'date', 'email', 'files', 'policy', 'pr', 'sha', 'subject']);
    }
  });

  it('the PR number comes from "(#12)" and from the "Merge pull request #13" that brought a commit in', async () => {
    const l = await logJson(['dev/a/y']);
    const pr = new Map(l.entries.map((e) => [e.sha, e.pr]));
    expect(pr.get(sha['c7']!)).toBe(12);
    expect(pr.get(sha['c1']!)).toBe(3);
    expect(pr.get(sha['c2']!)).toBeUndefined();
    expect(pr.get(sha['c11']!)).toBeUndefined();
    // Erin's commit reached main through the merge commit of PR #13.
    expect(pr.get(sha['c9']!)).toBe(13);
    // The merge itself changed nothing of its own, so it is not an entry.
    expect(shas(l)).not.toContain(sha['merge']);
    const text = await repo.run(['log', 'dev/a/y', '--key', 'C'], { as: null });
    expect(text.stdout).toContain(`commit ${sha['c9']!.slice(0, 12)} (#13)`);
  });
});

describe('log: diffing a window of commits at a time', () => {
  it('gives the same history whatever the window (1, 2, 3 commits or all at once), merges and renames included', async () => {
    const ws = new Workspace({ cwd: repo.dir, env: { HOME: repo.home } });
    const all = await readHistory(ws, { fullHistory: true });
    expect(all.entries.length).toBeGreaterThan(8);
    for (const window of [1, 2, 3]) expect(await readHistory(ws, { fullHistory: true, window }), `window ${window}`).toEqual(all);
    expect(await readHistory(ws, { fullHistory: true, target: 'dev/a/y', key: 'A', window: 2 })).toEqual(await readHistory(ws, { fullHistory: true, target: 'dev/a/y', key: 'A' }));
  });
});

describe('log --decrypt', () => {
  it('for re-encryption commits, confirmed names exactly the values that changed: [] for the pure rotation, [A] for rotate+set', async () => {
    const l = await logJson(['dev/a/y', '--decrypt']);
    const by = new Map(l.entries.map((e) => [e.sha, e]));
    expect(by.get(sha['c5']!)!.files[0]).toMatchObject({ reencrypted: true, confirmed: [] });
    expect(by.get(sha['c11']!)!.files[0]).toMatchObject({ reencrypted: true, confirmed: ['A'] });
    // Ordinary commits are exact without decrypting: no confirmed field.
    expect(by.get(sha['c7']!)!.files[0]!.confirmed).toBeUndefined();
    const text = await runCli(['log', 'dev/a/y', '--decrypt', '--identity', repo.admin.file], { cwd: repo.dir, env: { HOME: repo.home } });
    expect(text.stdout).toContain('re-encrypted (fresh data key); values changed: none');
    expect(text.stdout).toContain('re-encrypted (fresh data key); values changed: A');
    expectNoValues(text);
  });

  it('log --key A --decrypt lists the rotate+set commit, and still not the pure rotation', async () => {
    const l = await logJson(['dev/a/y', '--key', 'A', '--decrypt']);
    expect(shas(l)).toEqual(names('c11', 'c7', 'c2', 'c1'));
    expect(l.hiddenReencryptions).toBe(0);
    expect(shas(await logJson(['dev/a/y', '--key', 'E', '--decrypt']))).toEqual(names('c1'));
    expect(shas(await logJson(['dev/a/y', '--key', 'C', '--decrypt']))).toEqual(names('c9', 'c3'));
  });

  it('--decrypt without a reader identity fails with exit 4 and no values', async () => {
    const stranger = join(tmp.path, 'stranger.key');
    await ok(runCli(['keygen', '-o', stranger], { cwd: tmp.path, env: { HOME: repo.home } }));
    const r = await runCli(['log', 'dev/a/y', '--decrypt', '--identity', stranger], { cwd: repo.dir, env: { HOME: repo.home } });
    expect(r.code).toBe(4);
    expectNoValues(r);
  });
});

describe('blame REF', () => {
  interface BlameJson {
    key: string;
    sha: string;
    author: string;
    date: string;
    subject: string;
    pr?: number;
    reencryptedSince?: string;
  }
  const blameJson = async (args: string[] = [], dir = repo.dir): Promise<Map<string, BlameJson>> => {
    const r = await runCli(['blame', 'dev/a/y', '--json', ...args, '--identity', repo.admin.file], { cwd: dir, env: { HOME: repo.home } });
    expect(r.code, r.stderr).toBe(0);
    expectNoValues(r);
    return new Map((JSON.parse(r.stdout) as BlameJson[]).map((l) => [l.key, l]));
  };

  it('names, for every key, the last commit that changed its value; rotations do not count; pre-rename commits are found', async () => {
    const by = await blameJson();
    expect([...by.keys()].sort()).toEqual(['A', 'C', 'D', 'E', 'NOTE_unencrypted']);
    // E was set in c1 (before the rename) and only re-encrypted since (c5, c11): the
    // newest re-encryption is named, since without decrypting it may have changed E.
    expect(by.get('E')).toEqual({
      key: 'E',
      sha: sha['c1'],
      author: ALICE.name,
      date: '2024-05-02T12:00:00+00:00',
      subject: 'add x, gone and other (#3)',
      pr: 3,
      reencryptedSince: sha['c11'],
    });
    // A plain value's text is unchanged by a re-key: exact.
    expect(by.get('NOTE_unencrypted')).toMatchObject({ sha: sha['c1'] });
    expect(by.get('NOTE_unencrypted')!.reencryptedSince).toBeUndefined();
    // D: added in c7; the rotation in c11 after it does not count.
    expect(by.get('D')).toMatchObject({ key: 'D', sha: sha['c7'], author: BOB.name, date: '2024-05-08T12:00:00+00:00', subject: 'update A, add D (#12)', pr: 12 });
    // C: Erin's commit from PR #13.
    expect(by.get('C')).toMatchObject({ sha: sha['c9'], author: ERIN.name, subject: 'bump C', pr: 13 });
    // A: without decrypting, c11 (rotate + set) cannot be told from a rotation.
    expect(by.get('A')).toMatchObject({ sha: sha['c7'], reencryptedSince: sha['c11'] });
  });

  it('--decrypt: a value changed in a re-encryption commit is found; a pure rotation still does not count', async () => {
    const by = await blameJson(['--decrypt']);
    expect(by.get('A')).toEqual({ key: 'A', sha: sha['c11'], author: DAVE.name, date: '2024-05-13T12:00:00+00:00', subject: 'rotate y and change A' });
    expect(by.get('E')).toEqual({ key: 'E', sha: sha['c1'], author: ALICE.name, date: '2024-05-02T12:00:00+00:00', subject: 'add x, gone and other (#3)', pr: 3 });
    expect(by.get('D')).toMatchObject({ sha: sha['c7'] });
    expect(by.get('D')!.reencryptedSince).toBeUndefined();
    expect(by.get('C')).toMatchObject({ sha: sha['c9'] });
  });

  it('text output: one line per key with short sha, date, author and message', async () => {
    const r = await repo.run(['blame', 'dev/a/y'], { as: null });
    expect(r.code, r.stderr).toBe(0);
    expectNoValues(r);
    const dLine = r.stdout.split('\n').find((l) => l.startsWith('D '))!;
    expect(dLine).toMatch(new RegExp(`^D\\s+${sha['c7']!.slice(0, 12)}  2024-05-08  ${BOB.name}  #12  update A, add D \\(#12\\)  \\(re-encrypted since in ${sha['c11']!.slice(0, 12)}\\)$`));
    expect(r.stderr).toMatch(/--decrypt/);
    const d = await repo.run(['blame', 'dev/a/y', '--decrypt']);
    const eLine = d.stdout.split('\n').find((l) => l.startsWith('E '))!;
    expect(eLine).toMatch(new RegExp(`^E\\s+${sha['c1']!.slice(0, 12)}  2024-05-02  ${ALICE.name}  #3  add x, gone and other \\(#3\\)$`));
    expectNoValues(d);
  });

  it('a ref with no history: exit 6', async () => {
    const r = await repo.run(['blame', 'dev/a/never']);
    expect(r.code).toBe(6);
    const gone = await repo.run(['blame', 'dev/a/gone']);
    expect(gone.code).toBe(6);
  });
});

describe('merges that change values themselves', () => {
  it('a value changed while resolving a merge is listed for that merge commit, by log --key and blame', async () => {
    const dir = join(tmp.path, 'evil-merge');
    cpSync(repo.dir, dir, { recursive: true });
    gitIn(dir, ['checkout', '-q', '-b', 'feature']);
    await set('dev/a/y', 'D', 'canary-D2-feature', dir);
    sha['f1'] = commitAs(dir, ERIN, 14, 'feature: change D');
    gitIn(dir, ['checkout', '-q', '-']);
    await set('dev/b/other', 'O', 'canary-O4-main', dir);
    commitAs(dir, BOB, 15, 'main: change other');
    gitIn(dir, ['-c', `user.name=${CAROL.name}`, '-c', `user.email=${CAROL.email}`, 'merge', '-q', '--no-ff', '--no-commit', 'feature'], {
      GIT_AUTHOR_DATE: dateOf(16),
      GIT_COMMITTER_DATE: dateOf(16),
    });
    // The merge commit itself also changes A (not part of either side).
    await set('dev/a/y', 'A', V.AEVIL, dir);
    sha['evil'] = commitAs(dir, CAROL, 16, 'Merge pull request #20 from acme/feature');
    const l = await logJson(['dev/a/y', '--key', 'A'], dir);
    expect(shas(l)).toEqual([sha['evil'], ...names('c7', 'c2', 'c1')]);
    expect(l.entries[0]).toMatchObject({ author: CAROL.name, subject: 'Merge pull request #20 from acme/feature', pr: 20 });
    // Only A is the merge's own change; D came from the feature side.
    expect(l.entries[0]!.files).toEqual([
      { ref: 'dev/a/y', status: 'modified', added: [], removed: [], changed: ['A'], readersAdded: [], readersRemoved: [], reencrypted: false },
    ]);
    expect(shas(await logJson(['dev/a/y', '--key', 'D'], dir))).toEqual([sha['f1'], sha['c7']]);
    const b = await runCli(['blame', 'dev/a/y', '--json'], { cwd: dir, env: { HOME: repo.home } });
    const by = new Map((JSON.parse(b.stdout) as Array<{ key: string; sha: string; pr?: number }>).map((x) => [x.key, x]));
    expect(by.get('A')!.sha).toBe(sha['evil']);
    expect(by.get('D')).toMatchObject({ sha: sha['f1'], pr: 20 });
  });
});

describe('a keyfold root inside a larger git repository (monorepo)', () => {
  it('log, blame, access --at / --history and member remove read the history of the subdirectory', async () => {
    const outer = join(tmp.path, 'mono');
    const dir = join(outer, 'infra', 'secrets-repo');
    const { mkdirSync, writeFileSync } = await import('node:fs');
    mkdirSync(dir, { recursive: true });
    gitIn(outer, ['init', '-q', '-b', 'main']);
    gitIn(outer, ['config', 'commit.gpgSign', 'false']);
    writeFileSync(join(outer, 'README.md'), 'outer\n');
    await ok(runCli(['init', '.', '--admin', 'admin', '--recipient', repo.admin.recipient], { cwd: dir, env: { HOME: repo.home } }));
    writeFileSync(join(dir, 'policies', 'access.yaml'), policyText());
    await set('dev/m/x', 'K', V.A1, dir);
    const m1 = commitAs(outer, ALICE, 20, 'monorepo: add x (#30)');
    await set('dev/m/x', 'K', V.A2, dir);
    const m2 = commitAs(outer, BOB, 21, 'monorepo: change K');
    const l = await logJson(['dev/m/x', '--key', 'K'], dir);
    expect(shas(l)).toEqual([m2, m1]);
    expect(l.entries[1]).toMatchObject({ pr: 30, policy: true, files: [{ ref: 'dev/m/x', status: 'added', readersAdded: ['admin', 'alice'] }] });
    const b = await runCli(['blame', 'dev/m/x', '--json'], { cwd: dir, env: { HOME: repo.home } });
    expect(JSON.parse(b.stdout)).toEqual([{ key: 'K', sha: m2, author: BOB.name, date: '2024-05-21T12:00:00+00:00', subject: 'monorepo: change K' }]);
    const at = await runCli(['access', '--at', m1, 'dev/m/x', '--json'], { cwd: dir, env: { HOME: repo.home } });
    expect(at.code, at.stderr).toBe(0);
    expect((JSON.parse(at.stdout) as { refs: Array<{ readers: string[] }> }).refs[0]!.readers).toEqual(['admin', 'alice']);
    const hist = await runCli(['access', '--history', 'dev/m/x', '--json'], { cwd: dir, env: { HOME: repo.home } });
    expect((JSON.parse(hist.stdout) as Array<{ sha: string; added: string[] }>).map((c) => [c.sha, c.added])).toEqual([[m1, ['admin', 'alice']]]);
    // The ledger for alice includes a file deleted since (only in history).
    await set('dev/m/gone', 'G', V.G1, dir);
    commitAs(outer, ALICE, 22, 'add gone');
    gitIn(dir, ['rm', '-q', 'secrets/dev/m/gone.yaml']);
    commitAs(outer, ALICE, 23, 'delete gone');
    const rm = await runCli(['member', 'remove', 'alice', '--json', '--identity', repo.admin.file], { cwd: dir, env: { HOME: repo.home } });
    expect(rm.code, rm.stderr).toBe(0);
    expectNoValues(rm);
    expect(JSON.parse(rm.stdout)).toEqual({
      name: 'alice',
      exposure: [
        { ref: 'dev/m/gone', keys: ['G'], deleted: true },
        { ref: 'dev/m/x', keys: ['K'], deleted: false },
      ],
      skipped: [],
    });
  });
});

describe('errors', () => {
  it('log in a repository with no commits yet: no history, exit 0, not an internal error', async () => {
    const fresh = await makeRepo();
    try {
      const r = await fresh.run(['log'], { as: null });
      expect(r.code, r.stderr).toBe(0);
      expect(r.stderr).toMatch(/no matching history/);
      const j = await fresh.run(['log', '--json'], { as: null });
      expect(JSON.parse(j.stdout)).toEqual({ entries: [], hiddenReencryptions: 0 });
      const b = await fresh.run(['blame', 'dev/a/x'], { as: null });
      expect(b.code).toBe(6);
    } finally {
      fresh.cleanup();
    }
  });

  it('an invalid --since or --author is a usage error or an empty result, never an internal error', async () => {
    for (const args of [['--author', '['], ['--since', '--not-a-date'], ['--until', 'x'.repeat(5000)]]) {
      const r = await repo.run(['log', 'dev/a/y', ...args], { as: null });
      expect([0, 1, 2], args.join(' ')).toContain(r.code);
      expect(r.stderr).not.toMatch(/internal error|\n\s+at /);
      expect(r.stderr.trim().split('\n').length).toBeLessThanOrEqual(2);
    }
    const bad = await repo.run(['log', 'dev/a/y', '--author', '['], { as: null });
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/git log failed/);
  });
});
