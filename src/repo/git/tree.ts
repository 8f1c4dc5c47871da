/**
 * Files in git: the work tree (tracked, untracked, ignored, changed since a commit),
 * the files of a commit, a path's history and its lines' ages. Every revision taken
 * from the user or from git output is passed after `--end-of-options` (S10), and
 * pathspecs are literal.
 */
import { KeyfoldError } from '../../kernel/errors.js';
import { gitText, OBJECT_ID, runGit } from './run.js';

/** Run git with literal pathspecs; a non-zero exit names what failed, never git's output. */
function literal(root: string, args: string[], what: string): Promise<string> {
  return gitText(root, ['--literal-pathspecs', ...args], { what });
}

/** Whether `root` is inside a git work tree. */
export async function isWorkTree(root: string): Promise<boolean> {
  const r = await runGit(root, ['rev-parse', '--is-inside-work-tree']);
  return r.code === 0 && r.stdout.toString('utf8').trim() === 'true';
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
  const out = await literal(root, ['diff', '--name-status', '-z', '--no-renames', '--no-ext-diff', '--end-of-options', from, '--'], 'listing changes');
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
  return splitZ(await literal(root, ['ls-files', '-z', '--cached', '--'], 'listing tracked files'));
}

/** Untracked files that are not ignored. */
export async function untrackedFiles(root: string): Promise<string[]> {
  return splitZ(await literal(root, ['ls-files', '-z', '--others', '--exclude-standard', '--'], 'listing untracked files'));
}

/** Which of `paths` (repository-relative) git ignores. */
export async function ignoredPaths(root: string, paths: readonly string[]): Promise<Set<string>> {
  if (paths.length === 0) return new Set();
  // check-ignore takes paths, not pathspecs; exit 1 means none is ignored.
  const r = await runGit(root, ['check-ignore', '--stdin', '-z'], { input: paths.map((p) => p + '\0').join('') });
  if (r.code !== 0 && r.code !== 1) throw new KeyfoldError('git failed while checking ignored paths');
  return new Set(splitZ(r.stdout.toString('utf8')));
}

/** Paths under `dir` at a commit (recursive), POSIX, relative to `root` (ls-tree's default). */
export async function listFilesAt(root: string, commit: string, dir: string): Promise<string[]> {
  if (!OBJECT_ID.test(commit)) throw new TypeError('listFilesAt needs a resolved commit');
  const out = await gitText(root, ['ls-tree', '-r', '--name-only', '--end-of-options', commit, '--', dir]);
  return out.split('\n').filter(Boolean);
}

/** Files under `dir` at a commit with their blob ids (recursive), paths relative to `root` (ls-tree in `root`). */
export async function treeBlobs(root: string, commit: string, dir: string): Promise<Array<{ path: string; blob: string }>> {
  if (!OBJECT_ID.test(commit)) throw new TypeError('treeBlobs needs a resolved commit');
  const out = await literal(root, ['ls-tree', '-r', '-z', '--end-of-options', commit, '--', dir], 'listing files at a revision');
  return out
    .split('\0')
    .filter(Boolean)
    .flatMap((line) => {
      const m = /^\d+ blob ([0-9a-f]+)\t(.*)$/s.exec(line);
      return m ? [{ blob: m[1]!, path: m[2]! }] : [];
    });
}

/** A file version in history: the newest commit (reachable from the revision) that wrote this blob at this path. */
export interface HistoricalBlob {
  commit: string;
  path: string;
  blob: string;
}

/**
 * Every blob ever committed under `dir` in the history of `rev` (merges against each
 * parent, no rename detection), once per blob id, newest first. One `git log` pass;
 * paths relative to `root`.
 */
export async function historicalBlobs(root: string, rev: string, dir: string): Promise<HistoricalBlob[]> {
  const out = await literal(
    root,
    ['log', '-m', '--raw', '--no-abbrev', '--no-renames', '--relative', '-z', '--format=%x01%H', '--end-of-options', rev, '--', dir],
    'reading file history',
  );
  const seen = new Set<string>();
  const blobs: HistoricalBlob[] = [];
  for (const entry of out.split('\x01')) {
    const fields = entry.split('\0');
    const commit = fields[0]?.trim();
    if (!commit || !OBJECT_ID.test(commit)) continue;
    for (let i = 1; i + 1 < fields.length; i += 2) {
      // `:<mode> <mode> <old> <new> <status>` then the path.
      const meta = fields[i]!.replace(/^\n+/, '').split(' ');
      const blob = meta[3];
      const path = fields[i + 1]!;
      if (!blob || !OBJECT_ID.test(blob) || /^0+$/.test(blob) || seen.has(blob)) continue;
      seen.add(blob);
      blobs.push({ commit, path, blob });
    }
  }
  return blobs;
}

/** When each line of a work-tree file last changed (seconds since the epoch), 1-based; uncommitted lines are now. */
export async function lineTimes(root: string, path: string): Promise<number[]> {
  const out = await literal(root, ['blame', '--line-porcelain', '--', path], 'reading line history');
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
