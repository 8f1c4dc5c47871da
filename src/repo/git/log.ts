/**
 * Reading git history fast: one `git log --raw` stream for the commits and the blobs
 * they changed, and one long-lived `git cat-file --batch` for blob contents. Both are
 * plumbing calls with fixed argument shapes; revisions come after `--end-of-options`.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { KeyfoldError } from '../../kernel/errors.js';

export interface FileChange {
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
  changes: FileChange[];
}

export interface LogOptions {
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
 * detected. Merge commits are listed with the changes they made against their first
 * parent only when they differ from every parent (a conflict resolution); otherwise
 * their changes are the merged commits'.
 */
export async function readLog(root: string, options: LogOptions = {}): Promise<CommitInfo[]> {
  // `--cc`: a merge lists the files whose result differs from every parent (`::` records).
  // `--relative`: paths relative to `root`, which may be a subdirectory of the repository.
  const args = ['log', '--raw', '--cc', '-M', '--relative', '--no-abbrev', '--no-color', '-z', `--format=${MARK}%H${SEP}%P${SEP}%an${SEP}%ae${SEP}%aI${SEP}%s${SEP}%b`];
  if (options.since) args.push(`--since=${options.since}`);
  if (options.until) args.push(`--until=${options.until}`);
  if (options.author) args.push(`--author=${options.author}`);
  if (options.reverse) args.push('--reverse');
  if (options.fullHistory) args.push('--full-history');
  args.push('--end-of-options', options.rev ?? 'HEAD', '--', ...(options.paths ?? []));
  return parseLog(await runLog(root, args, options.rev));
}

/** Run a `git log`; on a branch with no commits yet (and no explicit revision), no output. */
async function runLog(root: string, args: string[], rev: string | undefined): Promise<string> {
  try {
    return await run(root, args);
  } catch (e) {
    if (rev === undefined && !(await hasHead(root)) && (await run(root, ['rev-parse', '--git-dir']).then(() => true, () => false))) return '';
    throw e;
  }
}

/** Whether HEAD names a commit (false on an unborn branch, or outside a repository). */
async function hasHead(root: string): Promise<boolean> {
  return run(root, ['rev-parse', '--verify', '--quiet', 'HEAD^{commit}']).then(
    () => true,
    () => false,
  );
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
export async function readCommits(root: string, options: Pick<LogOptions, 'rev' | 'since' | 'until' | 'author'> = {}): Promise<CommitSummary[]> {
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

function run(root: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn('git', args, { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
    const chunks: Buffer[] = [];
    let err = '';
    child.stdout.on('data', (d: Buffer) => chunks.push(d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (err += d));
    child.on('error', (e) => reject(new KeyfoldError('cannot run git', { hint: 'install git and make sure it is on PATH', cause: e })));
    child.on('close', (code) => {
      if (code === 0) resolve(Buffer.concat(chunks).toString('utf8'));
      else reject(new KeyfoldError(`git ${args[0]} failed (${code}): ${err.split('\n')[0]}`, { hint: 'check the revision and filters; is this a git repository with its history fetched?' }));
    });
  });
}

/**
 * Blob contents through one `git cat-file --batch` process, cached by object id.
 * Call `close()` when done.
 */
interface BatchProcess {
  child: ChildProcessWithoutNullStreams;
  buffer: Buffer;
  waiters: Array<{ resolve: (b: Buffer) => void; reject: (e: Error) => void }>;
}

export class BlobReader {
  #proc: BatchProcess | undefined;
  readonly #cache = new Map<string, Promise<string>>();

  constructor(readonly root: string) {}

  read(oid: string): Promise<string> {
    if (!/^[0-9a-f]{40}$/.test(oid)) return Promise.reject(new TypeError('BlobReader.read needs an object id'));
    let p = this.#cache.get(oid);
    if (!p) {
      p = this.#request(oid);
      this.#cache.set(oid, p);
      p.catch(() => this.#cache.delete(oid));
    }
    return p;
  }

  #start(): BatchProcess {
    const child = spawn('git', ['cat-file', '--batch'], { cwd: this.root, stdio: ['pipe', 'pipe', 'pipe'] });
    const proc: BatchProcess = { child, buffer: Buffer.alloc(0), waiters: [] };
    child.stdout.on('data', (d: Buffer) => {
      proc.buffer = proc.buffer.length ? Buffer.concat([proc.buffer, d]) : d;
      drain(proc);
    });
    child.stderr.resume();
    // git exiting (not a repository, a corrupt object) or not starting fails the reads
    // still waiting on this process, never leaves them waiting forever.
    const fail = (cause?: unknown) => {
      if (this.#proc === proc) this.#proc = undefined;
      for (const w of proc.waiters.splice(0)) {
        w.reject(new KeyfoldError('git failed while reading blobs from history', { hint: 'is this a git repository with its history fetched?', cause }));
      }
    };
    child.on('error', fail);
    child.stdin.on('error', () => undefined);
    child.on('close', () => fail());
    return proc;
  }

  #request(oid: string): Promise<string> {
    const proc = (this.#proc ??= this.#start());
    return new Promise((resolve, reject) => {
      proc.waiters.push({ resolve: (b) => resolve(b.toString('utf8')), reject });
      proc.child.stdin.write(oid + '\n');
    });
  }

  /** Ends the process once it has answered the reads already asked. */
  close(): void {
    this.#proc?.child.stdin.end();
    this.#proc = undefined;
  }
}

/** Hand complete responses ("<oid> blob <size>\n<content>\n") to waiters in order. */
function drain(proc: BatchProcess): void {
  for (;;) {
    const nl = proc.buffer.indexOf(10);
    if (nl < 0 || proc.waiters.length === 0) return;
    const header = proc.buffer.subarray(0, nl).toString('latin1');
    const parts = header.split(' ');
    if (parts[1] === 'missing') {
      proc.buffer = proc.buffer.subarray(nl + 1);
      proc.waiters.shift()!.resolve(Buffer.alloc(0));
      continue;
    }
    const size = Number(parts[2]);
    if (proc.buffer.length < nl + 1 + size + 1) return;
    const body = proc.buffer.subarray(nl + 1, nl + 1 + size);
    proc.buffer = proc.buffer.subarray(nl + 1 + size + 1);
    proc.waiters.shift()!.resolve(body);
  }
}
