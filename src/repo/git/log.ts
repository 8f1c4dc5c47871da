/**
 * Reading git history fast: one `git log --raw` for the commits and the blobs they
 * changed (their contents come from `BlobReader`, in blobs.ts). Plumbing calls with
 * fixed argument shapes; revisions come after `--end-of-options`.
 */
import { KeyfoldError } from '../../kernel/errors.js';
import { StringDecoder } from 'node:string_decoder';
import { runGit, startGit } from './run.js';

export interface GitFileChange {
  /** A added, M modified, D deleted, R renamed (C copied is reported as A of `path`). */
  status: 'A' | 'M' | 'D' | 'R';
  path: string;
  /** For renames: the old path. */
  oldPath?: string;
  oldBlob?: string;
  newBlob?: string;
  /**
   * Merge commits only: the file's blob in the second and later parents (undefined
   * where absent). `oldBlob` is the first parent's. Listed only when the merge result
   * differs from every parent.
   */
  otherParentBlobs?: Array<string | undefined>;
}

export interface CommitInfo {
  sha: string;
  parents: string[];
  author: string;
  email: string;
  /** ISO 8601 author date. */
  date: string;
  subject: string;
  body: string;
  changes: GitFileChange[];
}

export interface GitLogOptions {
  /** Revision to start from (default HEAD). */
  rev?: string;
  /** Limit to these paths (`--` pathspecs). */
  paths?: string[];
  since?: string;
  until?: string;
  author?: string;
  /** Oldest first. */
  reverse?: boolean;
  /**
   * No history simplification: also side branches whose changes a merge dropped
   * (every version that was ever committed, for the exposure ledger).
   */
  fullHistory?: boolean;
}

const ZERO = /^0+$/;
const SEP = '\u0001';
/** Starts each commit's record (NUL cannot occur in messages; 0x01 is unlikely). */
const MARK = '%x00%x01%x02';
const MARK_TEXT = '\u0000\u0001\u0002';

/**
 * Commits (newest first unless `reverse`) with the files each changed, renames
 * detected; `onCommits` gets them in that order as git writes them. Merge commits are listed with the changes they made against their first
 * parent only when they differ from every parent (a conflict resolution); otherwise
 * their changes are the merged commits'.
 */
export async function readLog(root: string, options: GitLogOptions = {}, onCommits?: (commits: CommitInfo[]) => void): Promise<CommitInfo[]> {
  // `--cc`: a merge lists the files whose result differs from every parent (`::` records).
  // `--relative`: paths relative to `root`, which may be a subdirectory of the repository.
  const args = ['log', '--raw', '--cc', '-M', '--relative', '--no-abbrev', '--no-color', '-z', `--format=${MARK}%H${SEP}%P${SEP}%an${SEP}%ae${SEP}%aI${SEP}%s${SEP}%b`];
  if (options.since) args.push(`--since=${options.since}`);
  if (options.until) args.push(`--until=${options.until}`);
  if (options.author) args.push(`--author=${options.author}`);
  if (options.reverse) args.push('--reverse');
  if (options.fullHistory) args.push('--full-history');
  args.push('--end-of-options', options.rev ?? 'HEAD', '--', ...(options.paths ?? []));
  // Parsed as git writes it: each complete commit (the next one's mark has arrived) is
  // handed to `onCommits` while git walks on.
  const proc = startGit(root, args);
  proc.stdin.end();
  const decoder = new StringDecoder('utf8');
  const commits: CommitInfo[] = [];
  let pending = '';
  const take = (text: string): void => {
    const parsed = parseLog(text);
    for (const c of parsed) commits.push(c);
    if (parsed.length > 0) onCommits?.(parsed);
  };
  proc.stdout.on('data', (chunk: Buffer) => {
    pending += decoder.write(chunk);
    const cut = pending.lastIndexOf(MARK_TEXT);
    if (cut > 0) {
      take(pending.slice(0, cut));
      pending = pending.slice(cut);
    }
  });
  const code = await proc.ended;
  if (code !== 0) {
    await logFailed(root, args, options.rev, code, proc.message());
    return [];
  }
  take(pending + decoder.end());
  return commits;
}

/** Run a `git log`; on a branch with no commits yet (and no explicit revision), no output. */
async function runLog(root: string, args: string[], rev: string | undefined): Promise<string> {
  const r = await runGit(root, args);
  if (r.code === 0) return r.stdout.toString('utf8');
  await logFailed(root, args, rev, r.code, r.message);
  return '';
}

/** A `git log` that exited `code`: returns on a branch with no commits yet (no explicit revision: no history), else throws. */
async function logFailed(root: string, args: string[], rev: string | undefined, code: number, message: string): Promise<void> {
  if ((await runGit(root, ['rev-parse', '--git-dir'])).code !== 0) {
    throw new KeyfoldError(`git log failed: ${root} is not in a git repository`, { hint: 'the history comes from git: run it in a clone of the secrets repository' });
  }
  if (rev === undefined && !(await hasHead(root))) return;
  throw new KeyfoldError(`git ${args[0]} failed (${code}): ${message}`, { hint: 'check the revision and filters; is this a git repository with its history fetched?' });
}

/** Whether HEAD names a commit (false on an unborn branch, or outside a repository). */
async function hasHead(root: string): Promise<boolean> {
  return (await runGit(root, ['rev-parse', '--verify', '--quiet', 'HEAD^{commit}'])).code === 0;
}

export interface CommitSummary {
  sha: string;
  parents: string[];
  subject: string;
}

/**
 * Every commit reachable from `rev` (default HEAD), newest first, the tip first: ids,
 * parents and subjects only, no diffs, no path limit. With `since`/`until`/`author`,
 * only the commits those select.
 */
export async function readCommits(root: string, options: Pick<GitLogOptions, 'rev' | 'since' | 'until' | 'author'> = {}): Promise<CommitSummary[]> {
  const args = ['log', '-z', `--format=%H${SEP}%P${SEP}%s`];
  if (options.since) args.push(`--since=${options.since}`);
  if (options.until) args.push(`--until=${options.until}`);
  if (options.author) args.push(`--author=${options.author}`);
  args.push('--end-of-options', options.rev ?? 'HEAD', '--');
  const out = await runLog(root, args, options.rev);
  return out
    .split('\u0000')
    .map((rec) => rec.replace(/^\n/, ''))
    .filter(Boolean)
    .map((rec) => {
      const [sha = '', parents = '', ...subject] = rec.split(SEP);
      return { sha, parents: parents.split(' ').filter(Boolean), subject: subject.join(SEP) };
    });
}

/** Parse `git log --raw -z` output in the format above. Exported for tests. */
export function parseLog(out: string): CommitInfo[] {
  const commits: CommitInfo[] = [];
  for (const raw of out.split(MARK_TEXT)) {
    const chunk = raw.replace(/^\u0000+|\u0000+$/g, '');
    if (!chunk) continue;
    // Header fields up to the body; the body ends at the first NUL (raw entries follow).
    const [header, ...rest] = chunk.split('\u0000');
    const fields = header!.split(SEP);
    if (fields.length < 7) continue;
    const [sha, parents, author, email, date, subject, ...body] = fields as [string, string, string, string, string, string, ...string[]];
    const commit: CommitInfo = {
      sha,
      parents: parents.split(' ').filter(Boolean),
      author,
      email,
      date,
      subject,
      body: body.join(SEP).replace(/\n+$/, ''),
      changes: [],
    };
    // Raw records: ":old new oldSha newSha STATUS\0path\0[newpath\0]".
    let i = 0;
    while (i < rest.length) {
      const meta = rest[i]!.replace(/^\n/, '');
      if (!meta.startsWith(':')) {
        i++;
        continue;
      }
      if (meta.startsWith('::')) {
        // A merge (`--cc`): "::" + n+1 modes, n+1 blobs (parents…, result), n statuses.
        const n = /^:+/.exec(meta)![0].length;
        const fields = meta.slice(n).split(' ');
        const blobs = fields.slice(n + 1, 2 * n + 2).map((b) => (ZERO.test(b) ? undefined : b));
        const newBlob = blobs[n];
        const oldBlob = blobs[0];
        commit.changes.push({
          status: newBlob === undefined ? 'D' : oldBlob === undefined ? 'A' : 'M',
          path: rest[i + 1]!,
          oldBlob,
          newBlob,
          otherParentBlobs: blobs.slice(1, n),
        });
        i += 2;
        continue;
      }
      const [, , oldSha, newSha, status] = meta.slice(1).split(' ') as [string, string, string, string, string];
      const kind = status[0]!;
      if (kind === 'R' || kind === 'C') {
        const from = rest[i + 1]!;
        const to = rest[i + 2]!;
        commit.changes.push(
          kind === 'R' ? { status: 'R', path: to, oldPath: from, oldBlob: oldSha, newBlob: newSha } : { status: 'A', path: to, newBlob: newSha },
        );
        i += 3;
      } else {
        const path = rest[i + 1]!;
        commit.changes.push({
          status: kind === 'A' ? 'A' : kind === 'D' ? 'D' : 'M',
          path,
          oldBlob: ZERO.test(oldSha) ? undefined : oldSha,
          newBlob: ZERO.test(newSha) ? undefined : newSha,
        });
        i += 2;
      }
    }
    commits.push(commit);
  }
  return commits;
}
