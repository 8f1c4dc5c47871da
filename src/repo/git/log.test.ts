/**
 * Reading git history (docs/audit.md): `readLog` (one `git log --raw -z` parsed by
 * `parseLog`) on a real temp repository with adds, edits, renames, deletes, odd paths
 * and multi-line messages by several authors. `BlobReader` is tested in blobs.test.ts.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseLog, readCommits, readLog, type CommitInfo } from './log.js';

const tmp = mkdtempSync(join(tmpdir(), 'keyfold-githistory-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const ENV = { ...process.env, GIT_CONFIG_NOSYSTEM: '1', HOME: tmp, LANG: 'C.UTF-8' };

function git(dir: string, args: string[], extraEnv: Record<string, string> = {}, input?: string): string {
  return execFileSync('git', args, { cwd: dir, encoding: 'utf8', env: { ...ENV, ...extraEnv }, input });
}

function initRepo(name: string): string {
  const dir = join(tmp, name);
  mkdirSync(dir, { recursive: true });
  git(dir, ['init', '-q', '-b', 'main']);
  git(dir, ['config', 'commit.gpgSign', 'false']);
  git(dir, ['config', 'gc.auto', '0']);
  git(dir, ['config', 'user.name', 'Repo Default']);
  git(dir, ['config', 'user.email', 'default@example.com']);
  return dir;
}

function write(dir: string, path: string, text: string | Buffer): void {
  mkdirSync(dirname(join(dir, path)), { recursive: true });
  writeFileSync(join(dir, path), text);
}

let day = 0;
/** Commit everything staged as `who`, one day after the previous commit. */
function commit(dir: string, who: { name: string; email: string }, message: string): string {
  day++;
  const date = `2024-03-${String(day).padStart(2, '0')}T10:00:00+02:00`;
  git(dir, ['-c', `user.name=${who.name}`, '-c', `user.email=${who.email}`, 'commit', '-q', '--cleanup=verbatim', '--allow-empty-message', '-F', '-'], { GIT_AUTHOR_DATE: date, GIT_COMMITTER_DATE: date }, message);
  return git(dir, ['rev-parse', 'HEAD']).trim();
}

const blobOf = (dir: string, rev: string, path: string) => git(dir, ['rev-parse', `${rev}:${path}`]).trim();

const ALICE = { name: 'Alice Example', email: 'alice@example.com' };
const BOB = { name: 'Bob Ünïcode', email: 'bob@example.org' };
const CAROL = { name: 'Carol', email: 'carol@example.net' };

describe('readLog / parseLog on a real repository', () => {
  let dir: string;
  const sha: Record<string, string> = {};
  const ODD = 'secrets/dev/odd dir/na:me ü.yaml';

  beforeAll(() => {
    dir = initRepo('log');
    write(dir, 'secrets/dev/a/x.yaml', 'A: one\nB: two\n');
    write(dir, 'secrets/dev/a/gone.yaml', 'G: gone\n');
    write(dir, 'README.md', 'readme\n');
    git(dir, ['add', '-A']);
    sha['c1'] = commit(dir, ALICE, 'add x and gone (#3)\n\nFirst line of the body.\nSecond line: with a colon.\n:100644 100644 looks like a raw record\n\n\nafter blank lines\n');

    write(dir, 'secrets/dev/a/x.yaml', 'A: one-changed\nB: two\n');
    git(dir, ['add', '-A']);
    sha['c2'] = commit(dir, BOB, 'change A');

    git(dir, ['mv', 'secrets/dev/a/x.yaml', 'secrets/dev/a/y.yaml']);
    sha['c3'] = commit(dir, CAROL, 'rename x to y\n\nbody\twith a tab\n');

    git(dir, ['rm', '-q', 'secrets/dev/a/gone.yaml']);
    write(dir, ODD, 'O: odd\n');
    git(dir, ['add', '-A']);
    sha['c4'] = commit(dir, ALICE, 'delete gone, add an odd path');

    write(dir, 'README.md', 'readme changed\n');
    git(dir, ['add', '-A']);
    sha['c5'] = commit(dir, BOB, 'docs only');

    write(dir, 'secrets/dev/a/y.yaml', 'A: one-changed\nB: two-changed\n');
    git(dir, ['add', '-A']);
    sha['c6'] = commit(dir, CAROL, '');
  });

  const byIndex = (log: CommitInfo[]) => new Map(log.map((c) => [c.sha, c]));

  it('lists every commit newest first with parents, author, email, ISO date, subject and the exact multi-line body', async () => {
    const log = await readLog(dir);
    expect(log.map((c) => c.sha)).toEqual(['c6', 'c5', 'c4', 'c3', 'c2', 'c1'].map((k) => sha[k]));
    const c = byIndex(log);
    const c1 = c.get(sha['c1']!)!;
    expect(c1).toMatchObject({ author: 'Alice Example', email: 'alice@example.com', subject: 'add x and gone (#3)', parents: [] });
    expect(c1.body).toBe('First line of the body.\nSecond line: with a colon.\n:100644 100644 looks like a raw record\n\n\nafter blank lines');
    expect(new Date(c1.date).toISOString()).toBe('2024-03-01T08:00:00.000Z');
    expect(c1.date).toBe('2024-03-01T10:00:00+02:00');
    const c2 = c.get(sha['c2']!)!;
    expect(c2).toMatchObject({ author: 'Bob Ünïcode', email: 'bob@example.org', subject: 'change A', body: '', parents: [sha['c1']] });
    expect(c.get(sha['c3']!)!.body).toBe('body\twith a tab');
    expect(c.get(sha['c6']!)!).toMatchObject({ subject: '', body: '', author: 'Carol' });
  });

  it('reports add / modify / rename / delete with blob ids, for odd paths too', async () => {
    const c = byIndex(await readLog(dir));
    const sorted = (x: CommitInfo) => [...x.changes].sort((p, q) => (p.path < q.path ? -1 : 1));
    expect(sorted(c.get(sha['c1']!)!)).toEqual([
      { status: 'A', path: 'README.md', newBlob: blobOf(dir, sha['c1']!, 'README.md') },
      { status: 'A', path: 'secrets/dev/a/gone.yaml', newBlob: blobOf(dir, sha['c1']!, 'secrets/dev/a/gone.yaml') },
      { status: 'A', path: 'secrets/dev/a/x.yaml', newBlob: blobOf(dir, sha['c1']!, 'secrets/dev/a/x.yaml') },
    ]);
    expect(c.get(sha['c2']!)!.changes).toEqual([
      { status: 'M', path: 'secrets/dev/a/x.yaml', oldBlob: blobOf(dir, sha['c1']!, 'secrets/dev/a/x.yaml'), newBlob: blobOf(dir, sha['c2']!, 'secrets/dev/a/x.yaml') },
    ]);
    const same = blobOf(dir, sha['c2']!, 'secrets/dev/a/x.yaml');
    expect(c.get(sha['c3']!)!.changes).toEqual([{ status: 'R', path: 'secrets/dev/a/y.yaml', oldPath: 'secrets/dev/a/x.yaml', oldBlob: same, newBlob: same }]);
    expect(sorted(c.get(sha['c4']!)!)).toEqual([
      { status: 'D', path: 'secrets/dev/a/gone.yaml', oldBlob: blobOf(dir, sha['c1']!, 'secrets/dev/a/gone.yaml') },
      { status: 'A', path: ODD, newBlob: blobOf(dir, sha['c4']!, ODD) },
    ].sort((p, q) => (p.path < q.path ? -1 : 1)));
    expect(c.get(sha['c5']!)!.changes).toEqual([{ status: 'M', path: 'README.md', oldBlob: blobOf(dir, sha['c4']!, 'README.md'), newBlob: blobOf(dir, sha['c5']!, 'README.md') }]);
  });

  it('limits to paths, reverses, filters by author / since / until, and reads a range', async () => {
    const secretsOnly = await readLog(dir, { paths: ['secrets'] });
    expect(secretsOnly.map((c) => c.sha)).toEqual(['c6', 'c4', 'c3', 'c2', 'c1'].map((k) => sha[k]));
    expect(secretsOnly.find((c) => c.sha === sha['c1'])!.changes.map((ch) => ch.path).sort()).toEqual(['secrets/dev/a/gone.yaml', 'secrets/dev/a/x.yaml']);
    expect((await readLog(dir, { paths: ['secrets'], reverse: true })).map((c) => c.sha)).toEqual(['c1', 'c2', 'c3', 'c4', 'c6'].map((k) => sha[k]));
    expect((await readLog(dir, { author: 'Alice' })).map((c) => c.sha)).toEqual([sha['c4'], sha['c1']]);
    expect((await readLog(dir, { author: 'bob@example.org' })).map((c) => c.sha)).toEqual([sha['c5'], sha['c2']]);
    expect((await readLog(dir, { since: '2024-03-03T00:00:00Z', until: '2024-03-04T23:00:00Z' })).map((c) => c.sha)).toEqual([sha['c4'], sha['c3']]);
    expect((await readLog(dir, { rev: `${sha['c2']}..HEAD`, paths: ['secrets'] })).map((c) => c.sha)).toEqual([sha['c6'], sha['c4'], sha['c3']]);
  });

  it('a revision that looks like an option is never read as one; an unknown revision is an error', async () => {
    await expect(readLog(dir, { rev: '--output=/tmp/x' })).rejects.toThrow(/git log failed/);
    await expect(readLog(dir, { rev: 'no-such-branch' })).rejects.toThrow(/git log failed/);
  });

  it('parseLog ignores empty input', () => {
    expect(parseLog('')).toEqual([]);
    expect(parseLog('\u0000\n')).toEqual([]);
  });
});

describe('readLog on merges', () => {
  let dir: string;
  const sha: Record<string, string> = {};

  beforeAll(() => {
    dir = initRepo('merges');
    write(dir, 'secrets/a.yaml', 'A: 1\n');
    write(dir, 'secrets/b.yaml', 'B: 1\n');
    git(dir, ['add', '-A']);
    sha['base'] = commit(dir, ALICE, 'base');
    // A clean merge: each side changed a different file.
    git(dir, ['checkout', '-q', '-b', 'side']);
    write(dir, 'secrets/a.yaml', 'A: 2\n');
    git(dir, ['add', '-A']);
    sha['side'] = commit(dir, BOB, 'side: a');
    git(dir, ['checkout', '-q', 'main']);
    write(dir, 'secrets/b.yaml', 'B: 2\n');
    git(dir, ['add', '-A']);
    sha['main'] = commit(dir, ALICE, 'main: b');
    git(dir, ['-c', 'user.name=Carol', '-c', 'user.email=carol@example.net', 'merge', '-q', '--no-ff', 'side', '-m', 'Merge pull request #5 from acme/side'], {
      GIT_AUTHOR_DATE: '2024-04-01T10:00:00Z',
      GIT_COMMITTER_DATE: '2024-04-01T10:00:00Z',
    });
    sha['clean'] = git(dir, ['rev-parse', 'HEAD']).trim();
    // A merge that also edits a file itself (differs from both parents).
    git(dir, ['checkout', '-q', '-b', 'side2']);
    write(dir, 'secrets/c.yaml', 'C: 1\n');
    git(dir, ['add', '-A']);
    sha['side2'] = commit(dir, BOB, 'side2: add c');
    git(dir, ['checkout', '-q', 'main']);
    write(dir, 'secrets/b.yaml', 'B: 3\n');
    git(dir, ['add', '-A']);
    sha['main2'] = commit(dir, ALICE, 'main: b again');
    git(dir, ['merge', '-q', '--no-ff', '--no-commit', 'side2'], { GIT_AUTHOR_DATE: '2024-04-02T10:00:00Z', GIT_COMMITTER_DATE: '2024-04-02T10:00:00Z' });
    write(dir, 'secrets/a.yaml', 'A: evil\n');
    git(dir, ['add', '-A']);
    sha['evil'] = commit(dir, CAROL, 'Merge side2');
    // A side branch whose change was reverted before a merge that changes nothing.
    git(dir, ['checkout', '-q', '-b', 'temp']);
    write(dir, 'secrets/a.yaml', 'A: temporary\n');
    git(dir, ['add', '-A']);
    sha['temp'] = commit(dir, BOB, 'temp: a');
    git(dir, ['revert', '--no-edit', 'HEAD'], { GIT_AUTHOR_DATE: '2024-04-20T10:00:00Z', GIT_COMMITTER_DATE: '2024-04-20T10:00:00Z' });
    sha['revert'] = git(dir, ['rev-parse', 'HEAD']).trim();
    git(dir, ['checkout', '-q', 'main']);
    git(dir, ['merge', '-q', '--no-ff', 'temp', '-m', 'merge temp'], { GIT_AUTHOR_DATE: '2024-04-21T10:00:00Z', GIT_COMMITTER_DATE: '2024-04-21T10:00:00Z' });
    sha['tempMerge'] = git(dir, ['rev-parse', 'HEAD']).trim();
  });

  it('a clean merge lists no changes; a merge that edits a file lists it with every parent\'s blob', async () => {
    const log = await readLog(dir, { paths: ['secrets'] });
    const by = new Map(log.map((c) => [c.sha, c]));
    expect(by.get(sha['clean']!)!.changes).toEqual([]);
    expect(by.get(sha['clean']!)!.parents).toEqual([sha['main'], sha['side']]);
    expect(by.get(sha['evil']!)!.changes).toEqual([
      {
        status: 'M',
        path: 'secrets/a.yaml',
        oldBlob: blobOf(dir, sha['main2']!, 'secrets/a.yaml'),
        newBlob: blobOf(dir, sha['evil']!, 'secrets/a.yaml'),
        otherParentBlobs: [blobOf(dir, sha['side2']!, 'secrets/a.yaml')],
      },
    ]);
    // Ordinary commits stay as they were.
    expect(by.get(sha['side2']!)!.changes).toEqual([{ status: 'A', path: 'secrets/c.yaml', newBlob: blobOf(dir, sha['side2']!, 'secrets/c.yaml') }]);
  });

  it('history simplification hides a reverted side branch; fullHistory shows every committed version', async () => {
    const simple = (await readLog(dir, { paths: ['secrets'] })).map((c) => c.sha);
    expect(simple).not.toContain(sha['temp']);
    const full = await readLog(dir, { paths: ['secrets'], fullHistory: true });
    const temp = full.find((c) => c.sha === sha['temp'])!;
    expect(temp.changes.map((ch) => [ch.path, ch.newBlob])).toEqual([['secrets/a.yaml', blobOf(dir, sha['temp']!, 'secrets/a.yaml')]]);
    expect(full.map((c) => c.sha)).toContain(sha['revert']);
  });

  it('readCommits: every commit from the tip, tip first, with parents and subjects; filters select', async () => {
    const all = await readCommits(dir);
    expect(all[0]).toEqual({ sha: sha['tempMerge'], parents: [sha['evil'], sha['revert']], subject: 'merge temp' });
    expect(all.map((c) => c.sha)).toEqual(expect.arrayContaining(Object.values(sha)));
    expect(all).toHaveLength(Object.keys(sha).length);
    expect((await readCommits(dir, { author: 'Bob' })).map((c) => c.sha).sort()).toEqual([sha['side'], sha['side2'], sha['temp']].sort());
    expect((await readCommits(dir, { rev: `${sha['main']}..${sha['clean']}` })).map((c) => c.sha).sort()).toEqual([sha['clean'], sha['side']].sort());
  });

  it('no commits yet: readLog and readCommits are empty; an explicit revision is still an error', async () => {
    const empty = initRepo('unborn');
    expect(await readLog(empty)).toEqual([]);
    expect(await readCommits(empty)).toEqual([]);
    await expect(readLog(empty, { rev: 'HEAD' })).rejects.toThrow(/git log failed/);
    const notRepo = mkdtempSync(join(tmp, 'plain-dir-'));
    await expect(readLog(notRepo)).rejects.toThrow(/git log failed/);
  });
});

describe('readLog as git writes it', () => {
  it('hands over every commit once, in order, across output chunks that split characters and records', async () => {
    // 400 KiB of output (several reads of the pipe), mostly 4-byte characters: chunks end inside them.
    const dir = initRepo('stream');
    const commits = 400;
    const lines: string[] = [];
    for (let i = 0; i < commits; i++) {
      const t = 1_700_000_000 + i * 60;
      const message = `change ${i} 🔑 ключ ${'ü'.repeat(i % 7)}\n\n${'🔑'.repeat(200 + i)}\n`;
      lines.push(`commit refs/heads/main\nauthor Ünïcode <u@example.com> ${t} +0000\ncommitter Ünïcode <u@example.com> ${t} +0000\ndata ${Buffer.byteLength(message)}\n${message}`);
      const content = `K${i % 3}: v${i}\n`;
      lines.push(`M 100644 inline secrets/dev/f${i % 5}.yaml\ndata ${Buffer.byteLength(content)}\n${content}`);
    }
    git(dir, ['fast-import', '--quiet'], {}, lines.join('\n') + '\n');
    git(dir, ['reset', '-q', '--hard', 'main']);
    const handed: CommitInfo[] = [];
    let calls = 0;
    const all = await readLog(dir, { paths: ['secrets'] }, (cs) => {
      calls++;
      handed.push(...cs);
    });
    expect(all).toHaveLength(commits);
    expect(calls).toBeGreaterThan(1);
    expect(handed).toEqual(all);
    expect(all[0]!.subject).toBe(`change ${commits - 1} 🔑 ключ ${'ü'.repeat((commits - 1) % 7)}`.trimEnd());
    // The same as parsing the whole output at once.
    const whole = git(dir, ['log', '--raw', '--cc', '-M', '--relative', '--no-abbrev', '--no-color', '-z', '--format=%x00%x01%x02%H%x01%P%x01%an%x01%ae%x01%aI%x01%s%x01%b', 'HEAD', '--', 'secrets']);
    expect(parseLog(whole)).toEqual(all);
  });
});
