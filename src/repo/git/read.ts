/**
 * Read-only git queries for `validate`: revisions, what changed since a base, files at
 * a revision, a path's history, tracked and ignored files, line ages. Every revision
 * taken from the user or from git output is passed after `--end-of-options` (S10), and
 * pathspecs are literal.
 *
 * These spawn git directly rather than through simple-git: `cat-file --batch` needs
 * stdin, which simple-git does not offer, and validate makes several calls per run,
 * where simple-git's task queue costs tens of milliseconds each.
 */
import { spawn } from 'node:child_process';
import { KeyfoldError, UsageError } from '../../kernel/errors.js';

interface GitRun {
  code: number;
  stdout: Buffer;
}

/** Run git in `root` with `args` (and `input` on stdin); never throws on a non-zero exit. */
function runGit(root: string, args: readonly string[], input?: string): Promise<GitRun> {
  return new Promise((resolve, reject) => {
    const child = spawn('git', args, { cwd: root, stdio: ['pipe', 'pipe', 'ignore'], env: { ...process.env, GIT_OPTIONAL_LOCKS: '0', LC_ALL: 'C' } });
    const chunks: Buffer[] = [];
    child.stdout.on('data', (c: Buffer) => chunks.push(c));
    child.on('error', (e) => reject(new KeyfoldError('cannot run git', { hint: 'install git and make sure it is on PATH', cause: e })));
    child.on('close', (code) => resolve({ code: code ?? 128, stdout: Buffer.concat(chunks) }));
    child.stdin.on('error', () => undefined);
    child.stdin.end(input ?? '');
  });
}

/** Run git; a non-zero exit becomes a KeyfoldError naming what failed, never git's output. */
async function raw(root: string, args: string[], what: string, literal = true, okCodes: readonly number[] = [0]): Promise<string> {
  const r = await runGit(root, literal ? ['--literal-pathspecs', ...args] : args);
  if (!okCodes.includes(r.code)) {
    throw new KeyfoldError(`git failed while ${what}`, { hint: 'is this a git repository with its history fetched?' });
  }
  return r.stdout.toString('utf8');
}

/** Whether `root` is inside a git work tree. */
export async function isWorkTree(root: string): Promise<boolean> {
  const r = await runGit(root, ['rev-parse', '--is-inside-work-tree']);
  return r.code === 0 && r.stdout.toString('utf8').trim() === 'true';
}

/** The commit id a revision names; UsageError when there is none. */
export async function resolveCommit(root: string, rev: string): Promise<string> {
  const r = await runGit(root, ['rev-parse', '--verify', '--quiet', '--end-of-options', `${rev}^{commit}`]);
  const out = r.stdout.toString('utf8').trim();
  if (r.code === 0 && /^[0-9a-f]{40,64}$/.test(out)) return out;
  throw new UsageError(`revision ${/^[\w./@^~-]{1,200}$/.test(rev) ? rev : '(given)'} is not a commit in this repository`, {
    hint: 'fetch it first (e.g. `git fetch origin main`), or pass a commit id',
  });
}

/** The best common ancestor of two commits (a fork point), or undefined when unrelated. */
export async function mergeBase(root: string, a: string, b: string): Promise<string | undefined> {
  const r = await runGit(root, ['merge-base', '--end-of-options', a, b]);
  const out = r.stdout.toString('utf8').trim();
  return r.code === 0 && /^[0-9a-f]{40,64}$/.test(out) ? out : undefined;
}

export interface WorkTreeChange {
  path: string;
  status: 'added' | 'modified' | 'deleted';
}

/**
 * Files that differ between commit `from` and the work tree (tracked changes, and
 * untracked files that are not ignored). Renames count as a delete and an add.
 */
export async function changesSince(root: string, from: string): Promise<WorkTreeChange[]> {
  const out = await raw(root, ['diff', '--name-status', '-z', '--no-renames', '--no-ext-diff', '--end-of-options', from, '--'], 'listing changes');
  const fields = out.split('\0');
  const changes = new Map<string, WorkTreeChange>();
  for (let i = 0; i + 1 < fields.length; i += 2) {
    const code = fields[i]!;
    const path = fields[i + 1]!;
    if (!code) break;
    changes.set(path, { path, status: code.startsWith('A') ? 'added' : code.startsWith('D') ? 'deleted' : 'modified' });
  }
  for (const path of await untrackedFiles(root)) changes.set(path, { path, status: 'added' });
  return [...changes.values()].sort((x, y) => (x.path < y.path ? -1 : x.path > y.path ? 1 : 0));
}

/** Tracked files of the work tree (index), repository-relative. */
export async function trackedFiles(root: string): Promise<string[]> {
  return splitZ(await raw(root, ['ls-files', '-z', '--cached', '--'], 'listing tracked files'));
}

/** Untracked files that are not ignored. */
export async function untrackedFiles(root: string): Promise<string[]> {
  return splitZ(await raw(root, ['ls-files', '-z', '--others', '--exclude-standard', '--'], 'listing untracked files'));
}

/** Which of `paths` (repository-relative) git ignores. */
export async function ignoredPaths(root: string, paths: readonly string[]): Promise<Set<string>> {
  if (paths.length === 0) return new Set();
  // check-ignore takes paths, not pathspecs; exit 1 means none is ignored.
  const r = await runGit(root, ['check-ignore', '--stdin', '-z'], paths.map((p) => p + '\0').join(''));
  if (r.code !== 0 && r.code !== 1) throw new KeyfoldError('git failed while checking ignored paths');
  return new Set(splitZ(r.stdout.toString('utf8')));
}

/**
 * The contents of `rev:path` for each spec (`{rev, path}`), undefined where the path
 * does not exist at that revision. One `git cat-file --batch` for all.
 */
export async function readAtRevisions(root: string, specs: ReadonlyArray<{ rev: string; path: string }>): Promise<Array<Buffer | undefined>> {
  if (specs.length === 0) return [];
  for (const s of specs) {
    // cat-file reads one object name per line: a newline in a path cannot be asked for.
    if (/[\n\r]/.test(s.path) || !/^[0-9a-f]{40,64}$/.test(s.rev)) throw new KeyfoldError('internal: cat-file spec must be a commit id and a single-line path');
  }
  const r = await runGit(root, ['cat-file', '--batch'], specs.map((s) => `${s.rev}:${s.path}\n`).join(''));
  if (r.code !== 0) throw new KeyfoldError('git failed while reading files at a revision');
  const out = r.stdout;
  const results: Array<Buffer | undefined> = [];
  let pos = 0;
  for (let i = 0; i < specs.length; i++) {
    const nl = out.indexOf(10, pos);
    if (nl < 0) throw new KeyfoldError('git cat-file: truncated output');
    const header = out.subarray(pos, nl).toString('utf8');
    pos = nl + 1;
    const m = /^[0-9a-f]+ (\w+) (\d+)$/.exec(header);
    if (!m) {
      results.push(undefined); // `<spec> missing` (or ambiguous)
      continue;
    }
    const size = Number(m[2]);
    results.push(m[1] === 'blob' ? out.subarray(pos, pos + size) : undefined);
    pos += size + 1;
  }
  return results;
}

/**
 * For each of `paths`, the commits reachable from `rev` that changed it (merges
 * included, against each parent), newest first. One `git log` for all paths.
 */
export async function pathHistory(root: string, rev: string, paths: readonly string[]): Promise<Map<string, string[]>> {
  const history = new Map<string, string[]>(paths.map((p) => [p, []]));
  for (let i = 0; i < paths.length; i += 500) {
    const chunk = paths.slice(i, i + 500);
    const out = await raw(
      root,
      ['log', '--format=%x01%H', '--name-only', '-z', '--no-renames', '-m', '--end-of-options', rev, '--', ...chunk],
      'reading file history',
    );
    for (const entry of out.split('\x01')) {
      const [head, ...rest] = entry.split('\n');
      const commit = head?.replace(/\0/g, '').trim();
      if (!commit || !/^[0-9a-f]{40,64}$/.test(commit)) continue;
      for (const p of rest.join('\n').split('\0')) {
        const path = p.replace(/^\n+/, '');
        const list = history.get(path);
        if (list && list[list.length - 1] !== commit) list.push(commit);
      }
    }
  }
  return history;
}

/** When each line of a work-tree file last changed (seconds since the epoch), 1-based; uncommitted lines are now. */
export async function lineTimes(root: string, path: string): Promise<number[]> {
  const out = await raw(root, ['blame', '--line-porcelain', '--', path], 'reading line history');
  const times: number[] = [0];
  let time = 0;
  for (const line of out.split('\n')) {
    if (line.startsWith('committer-time ')) time = Number(line.slice(15));
    else if (line.startsWith('\t')) times.push(time);
  }
  return times;
}

function splitZ(out: string): string[] {
  return out.split('\0').filter((s) => s.length > 0);
}
