/**
 * Reading content at a revision, all through `git cat-file --batch`: `BlobReader`
 * (blobs by object id, for history), `readAtRevisions` (many `rev:path` at once, for
 * validate) and `showFile` (one file at a commit).
 */
import { KeyfoldError } from '../../kernel/errors.js';
import { OBJECT_ID, startGit, type GitProcess } from './run.js';

interface GitObject {
  type: string;
  content: Buffer;
}

interface Waiter {
  resolve: (o: GitObject | undefined) => void;
  reject: (e: Error) => void;
}

/** "<oid> <type> <size>", the header of an object `cat-file --batch` found. */
const FOUND = /^([0-9a-f]{40}(?:[0-9a-f]{24})?) (\S+) (\d+)$/;

/**
 * One `git cat-file --batch` process: object names in, objects out, answered in the
 * order asked. A name that does not resolve (or is ambiguous) reads as undefined.
 * If git exits early (not a repository, a corrupt object) or cannot start, the reads
 * still waiting fail with `failure`, never wait forever.
 */
class CatFileBatch {
  readonly #proc: GitProcess;
  readonly #waiters: Waiter[] = [];
  /** Unparsed output, and chunks not yet joined to it while a large object arrives. */
  #buffer: Buffer = Buffer.alloc(0);
  #pending: Buffer[] = [];
  #pendingLength = 0;
  /** Bytes `#buffer` must hold before parsing can get further (0: any new byte may do). */
  #need = 0;
  #ended = false;

  constructor(root: string, failure: string) {
    this.#proc = startGit(root, ['cat-file', '--batch']);
    this.#proc.stdout.on('data', (d: Buffer) => this.#data(d));
    const fail = (cause?: unknown) => {
      this.#ended = true;
      for (const w of this.#waiters.splice(0)) w.reject(new KeyfoldError(failure, { hint: 'is this a git repository with its history fetched?', cause }));
    };
    this.#proc.ended.then(() => fail(), fail);
  }

  /** Whether the process has exited (a new one is needed for further reads). */
  get ended(): boolean {
    return this.#ended;
  }

  /** The objects `names` name (each a single line), in order. */
  read(names: readonly string[]): Array<Promise<GitObject | undefined>> {
    if (this.#ended) return names.map(() => Promise.reject(new KeyfoldError('internal: cat-file process has ended')));
    if (names.some((n) => /[\n\r]/.test(n))) throw new KeyfoldError('internal: a cat-file object name must be a single line');
    const answers = names.map(() => new Promise<GitObject | undefined>((resolve, reject) => this.#waiters.push({ resolve, reject })));
    this.#proc.stdin.write(names.map((n) => n + '\n').join(''));
    return answers;
  }

  /** Ends the process once it has answered the reads already asked. */
  close(): void {
    this.#proc.stdin.end();
  }

  #data(d: Buffer): void {
    this.#pending.push(d);
    this.#pendingLength += d.length;
    if (this.#buffer.length + this.#pendingLength < this.#need) return;
    this.#buffer = this.#buffer.length === 0 && this.#pending.length === 1 ? d : Buffer.concat([this.#buffer, ...this.#pending]);
    this.#pending = [];
    this.#pendingLength = 0;
    this.#drain();
  }

  /** Hand complete responses ("<oid> <type> <size>\n<content>\n", or "<name> missing\n") to waiters in order. */
  #drain(): void {
    for (;;) {
      const nl = this.#buffer.indexOf(10);
      if (nl < 0 || this.#waiters.length === 0) {
        this.#need = 0;
        return;
      }
      const m = FOUND.exec(this.#buffer.subarray(0, nl).toString('latin1'));
      if (!m) {
        // `<name> missing` or `<name> ambiguous`: a single line.
        this.#buffer = this.#buffer.subarray(nl + 1);
        this.#waiters.shift()!.resolve(undefined);
        continue;
      }
      const size = Number(m[3]);
      const end = nl + 1 + size;
      if (this.#buffer.length < end + 1) {
        this.#need = end + 1;
        return;
      }
      const content = this.#buffer.subarray(nl + 1, end);
      this.#buffer = this.#buffer.subarray(end + 1);
      this.#waiters.shift()!.resolve({ type: m[2]!, content });
    }
  }
}

/**
 * Blob contents through one long-lived `git cat-file --batch` process, cached by
 * object id (unless `cache: false`: a caller that keeps what it derives from each blob
 * need not keep the text too); a missing object reads as ''. Call `close()` when done.
 */
export class BlobReader {
  #batch: CatFileBatch | undefined;
  readonly #cache: Map<string, Promise<string>> | undefined;

  constructor(
    readonly root: string,
    options: { cache?: boolean } = {},
  ) {
    this.#cache = options.cache === false ? undefined : new Map();
  }

  read(oid: string): Promise<string> {
    if (!OBJECT_ID.test(oid)) return Promise.reject(new TypeError('BlobReader.read needs an object id'));
    let p = this.#cache?.get(oid);
    if (!p) {
      if (!this.#batch || this.#batch.ended) this.#batch = new CatFileBatch(this.root, 'git failed while reading blobs from history');
      p = this.#batch.read([oid])[0]!.then((o) => (o ? o.content.toString('utf8') : ''));
      if (this.#cache) {
        this.#cache.set(oid, p);
        p.catch(() => this.#cache!.delete(oid));
      }
    }
    return p;
  }

  /** Ends the process once it has answered the reads already asked. */
  close(): void {
    this.#batch?.close();
    this.#batch = undefined;
  }
}

/**
 * The contents of `rev:path` for each spec (`{rev, path}`), undefined where the path
 * does not exist at that revision (or is not a file). `rev` is a commit id; `path` is
 * relative to the repository's top, or to `root` when it starts with `./`. One
 * `git cat-file --batch` for all.
 */
export async function readAtRevisions(root: string, specs: ReadonlyArray<{ rev: string; path: string }>): Promise<Array<Buffer | undefined>> {
  if (specs.length === 0) return [];
  for (const s of specs) {
    // cat-file reads one object name per line: a newline in a path cannot be asked for.
    if (/[\n\r]/.test(s.path) || !OBJECT_ID.test(s.rev)) throw new KeyfoldError('internal: cat-file spec must be a commit id and a single-line path');
  }
  const batch = new CatFileBatch(root, 'git failed while reading files at a revision');
  try {
    const objects = await Promise.all(batch.read(specs.map((s) => `${s.rev}:${s.path}`)));
    return objects.map((o) => (o?.type === 'blob' ? o.content : undefined));
  } finally {
    batch.close();
  }
}

/**
 * A file's content at a commit, or undefined when it does not exist there. `path` is
 * relative to `root`, which may be a subdirectory of the git work tree (a monorepo).
 */
export async function showFile(root: string, commit: string, path: string): Promise<string | undefined> {
  if (!OBJECT_ID.test(commit)) throw new TypeError('showFile needs a resolved commit');
  const [content] = await readAtRevisions(root, [{ rev: commit, path: `./${path.replace(/^\.\//, '')}` }]);
  return content?.toString('utf8');
}
