/**
 * Reading git history fast: one `git log --raw` stream for the commits and the blobs
 * they changed, and one long-lived `git cat-file --batch` for blob contents. Both are
 * plumbing calls with fixed argument shapes; revisions come after `--end-of-options`.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';

export interface FileChange {
  /** A added, M modified, D deleted, R renamed (C copied is reported as A of `path`). */
  status: 'A' | 'M' | 'D' | 'R';
  path: string;
  /** For renames: the old path. */
  oldPath?: string;
  oldBlob?: string;
  newBlob?: string;
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
  const args = ['log', '--raw', '-M', '--no-abbrev', '--no-color', '-z', `--format=${MARK}%H${SEP}%P${SEP}%an${SEP}%ae${SEP}%aI${SEP}%s${SEP}%b`];
  if (options.since) args.push(`--since=${options.since}`);
  if (options.until) args.push(`--until=${options.until}`);
  if (options.author) args.push(`--author=${options.author}`);
  if (options.reverse) args.push('--reverse');
  args.push('--end-of-options', options.rev ?? 'HEAD', '--', ...(options.paths ?? []));
  const out = await run(root, args);
  return parseLog(out);
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
    child.on('error', reject);
    child.on('close', (code) => {
      if (code === 0) resolve(Buffer.concat(chunks).toString('utf8'));
      else reject(new Error(`git ${args[0]} failed (${code}): ${err.split('\n')[0]}`));
    });
  });
}

/**
 * Blob contents through one `git cat-file --batch` process, cached by object id.
 * Call `close()` when done.
 */
export class BlobReader {
  #child: ChildProcessWithoutNullStreams | undefined;
  #buffer: Buffer = Buffer.alloc(0);
  #waiters: Array<(b: Buffer) => void> = [];
  readonly #cache = new Map<string, Promise<string>>();

  constructor(readonly root: string) {}

  read(oid: string): Promise<string> {
    if (!/^[0-9a-f]{40}$/.test(oid)) return Promise.reject(new TypeError('BlobReader.read needs an object id'));
    let p = this.#cache.get(oid);
    if (!p) {
      p = this.#request(oid);
      this.#cache.set(oid, p);
    }
    return p;
  }

  #start(): ChildProcessWithoutNullStreams {
    const child = spawn('git', ['cat-file', '--batch'], { cwd: this.root, stdio: ['pipe', 'pipe', 'pipe'] });
    child.stdout.on('data', (d: Buffer) => {
      this.#buffer = this.#buffer.length ? Buffer.concat([this.#buffer, d]) : d;
      this.#drain();
    });
    return child;
  }

  /** Hand complete responses ("<oid> blob <size>\n<content>\n") to waiters in order. */
  #drain(): void {
    for (;;) {
      const nl = this.#buffer.indexOf(10);
      if (nl < 0 || this.#waiters.length === 0) return;
      const header = this.#buffer.subarray(0, nl).toString('latin1');
      const parts = header.split(' ');
      if (parts[1] === 'missing') {
        this.#buffer = this.#buffer.subarray(nl + 1);
        this.#waiters.shift()!(Buffer.alloc(0));
        continue;
      }
      const size = Number(parts[2]);
      if (this.#buffer.length < nl + 1 + size + 1) return;
      const body = this.#buffer.subarray(nl + 1, nl + 1 + size);
      this.#buffer = this.#buffer.subarray(nl + 1 + size + 1);
      this.#waiters.shift()!(body);
    }
  }

  #request(oid: string): Promise<string> {
    this.#child ??= this.#start();
    return new Promise((resolve) => {
      this.#waiters.push((b) => resolve(b.toString('utf8')));
      this.#child!.stdin.write(oid + '\n');
    });
  }

  close(): void {
    this.#child?.stdin.end();
    this.#child = undefined;
  }
}
