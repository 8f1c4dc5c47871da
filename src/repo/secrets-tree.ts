/**
 * The secrets tree on disk: finding the repository, mapping refs to files, listing
 * refs, and reading files without following symlinks (S10).
 */
import { existsSync, lstatSync, readdirSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { CONFIG_FILE, SECRETS_DIR, isUnderSecrets, normalizeRefPrefix, parseRef, pathToRef, refUnder } from '../kernel/ref.js';
import { FormatError, IntegrityError, KeyfoldError, NotFoundError, fromSystemError } from '../kernel/errors.js';
import { readRegularFile, readUtf8File } from './read-file.js';


/** The repository root: `explicit`, else the nearest parent of `cwd` with keyfold.yaml. */
export function findRepoRoot(cwd: string, explicit?: string): string {
  if (explicit) {
    const root = resolve(cwd, explicit);
    if (!existsSync(join(root, CONFIG_FILE))) {
      throw new NotFoundError(`${root} is not a keyfold repository (no ${CONFIG_FILE})`, {
        hint: 'run `keyfold init` there, or point --repo at a directory with keyfold.yaml',
      });
    }
    return root;
  }
  const root = nearestRepoRoot(cwd);
  if (!root) {
    throw new NotFoundError('not inside a keyfold repository (no keyfold.yaml in this directory or its parents)', {
      hint: 'run `keyfold init`, or pass --repo DIR',
    });
  }
  return root;
}

/** The nearest directory at or above `dir` holding keyfold.yaml, if any. */
export function nearestRepoRoot(dir: string): string | undefined {
  let cur = resolve(dir);
  for (;;) {
    if (existsSync(join(cur, CONFIG_FILE))) return cur;
    const parent = dirname(cur);
    if (parent === cur) return undefined;
    cur = parent;
  }
}

/** Refuse a path under `<root>/secrets` that passes through a symlink (S10). */
export function assertNoSymlinks(root: string, path: string): void {
  const base = join(root, SECRETS_DIR);
  const rel = relative(base, path);
  let cur = base;
  for (const part of ['', ...rel.split(sep)]) {
    cur = part ? join(cur, part) : cur;
    let st;
    try {
      st = lstatSync(cur);
    } catch {
      return; // does not exist (yet): nothing to follow
    }
    if (st.isSymbolicLink()) {
      throw new IntegrityError(`refused: ${relative(root, cur)} is a symlink`, {
        file: relative(root, cur),
        hint: 'keyfold never follows symlinks under secrets/; replace it with a regular file',
      });
    }
  }
}

export interface ReadTextOptions {
  /** The repository root: under its `secrets/`, symlinks are refused (S10). */
  root?: string;
  /** The directories leading to the file were already checked (a walk that never follows symlinks). */
  dirsChecked?: boolean;
}

/**
 * Read a regular file as UTF-8 text with a size limit. With `root`, a file inside the
 * repository is never read through a symlink, and under `<root>/secrets` no path
 * component may be one (S10). `display` names the file in errors.
 */
export function readTextFile(path: string, display: string, options: ReadTextOptions = {}): string {
  return readUtf8File(path, display, { noFollow: noFollow(path, options) });
}

/** `readTextFile` for any bytes (a binary plaintext). */
export function readFileBytes(path: string, display: string, options: ReadTextOptions = {}): Buffer {
  return readRegularFile(path, display, { noFollow: noFollow(path, options) });
}

function noFollow(path: string, options: ReadTextOptions): boolean {
  // A file a walk of `<root>/secrets` found: inside the repository, its directories checked.
  if (options.dirsChecked && options.root !== undefined) return true;
  const underSecrets = options.root !== undefined && isUnderSecrets(options.root, path);
  if (underSecrets && !options.dirsChecked) assertNoSymlinks(options.root!, dirname(path));
  // Inside the repository the file itself is never a symlink (O_NOFOLLOW checks it in the open).
  const inRepo = options.root !== undefined && !relative(options.root, resolve(path)).startsWith('..');
  return underSecrets || inRepo;
}

export interface RefEntry {
  ref: string;
  path: string;
}

export interface RefText extends RefEntry {
  /** Repository-relative path, for messages. */
  display: string;
  text: string;
}

/** A file a listing could not use, named (escaped) with the reason; the others are listed. */
export interface SkippedFile {
  /** Repository-relative path. */
  file: string;
  /** Its ref, when the file name is one. */
  ref?: string;
  /** The error's code (`integrity`, `format`, …) and exit code, as the file alone would fail. */
  code: string;
  exitCode: number;
  /** Why, without the file name (which `file` gives). */
  message: string;
}

/** A listing that goes on past files it cannot use, reporting each. */
export interface RefScan<T> {
  refs: T[];
  skipped: SkippedFile[];
}

/** A skipped file from the error that made a listing skip it. */
export function skippedFile(file: string, error: KeyfoldError, ref?: string): SkippedFile {
  return { file, ...(ref !== undefined ? { ref } : {}), code: error.code, exitCode: error.exitCode, message: withoutFile(error.message, file) };
}

/** An error message without a leading `file:` / `file:line:` (the skipped entry names the file). */
function withoutFile(message: string, file: string): string {
  return message.startsWith(file) ? message.slice(file.length).replace(/^:(\d+:)?/, '').trim() : message;
}

interface Walk {
  entries: RefEntry[];
  /** `reason`: the message for a skipped entry, when it differs from the error's. */
  problems: Array<{ file: string; error: KeyfoldError; reason?: string }>;
}

/**
 * Every `*.yaml`/`*.yml` file under `<root>/secrets` (optionally below a ref prefix),
 * sorted by ref, and the entries that cannot be refs: symlinks (never followed) and
 * names that are not refs (`REF_SEGMENT_RE`: control characters, spaces, …).
 */
function walkRefFiles(root: string, prefix?: string): Walk {
  const base = join(root, SECRETS_DIR);
  const out: RefEntry[] = [];
  const problems: Walk['problems'] = [];
  // Whether a path (a file or a directory) is below the prefix, or holds it.
  const relevant = (p: string) => {
    const key = relative(base, p).split(sep).join('/').replace(/\.ya?ml$/, '');
    return refUnder(key, prefix) || (prefix !== undefined && refUnder(normalizeRefPrefix(prefix), key));
  };
  const walk = (dir: string): void => {
    let entries;
    try {
      entries = readdirSync(dir, { withFileTypes: true });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return;
      const error = fromSystemError(e);
      if (!error || dir === base) throw e;
      problems.push({ file: relative(root, dir), error });
      return;
    }
    for (const e of entries) {
      const p = join(dir, e.name);
      const display = relative(root, p);
      if (e.isSymbolicLink()) {
        if (!relevant(p)) continue;
        problems.push({
          file: display,
          error: new IntegrityError(`refused: ${display} is a symlink`, { file: display, hint: 'keyfold never follows symlinks under secrets/; replace it with a regular file' }),
          reason: 'a symlink; keyfold never follows symlinks under secrets/',
        });
        continue;
      }
      if (e.isDirectory()) {
        if (relevant(p)) walk(p);
        continue;
      }
      if (!/\.ya?ml$/.test(e.name) || e.name.startsWith('.') || !relevant(p)) continue;
      if (!e.isFile()) {
        problems.push({
          file: display,
          error: new IntegrityError(`refused: ${display} is not a regular file`, { file: display, hint: 'keyfold reads only regular files under secrets/' }),
          reason: 'not a regular file',
        });
        continue;
      }
      const ref = pathToRef(root, p)!;
      if (!isValidRef(ref)) {
        problems.push({
          file: display,
          error: new FormatError(`${display}: the file name is not a ref (letters, digits, . _ - in each segment, at least <env>/<name>)`, {
            file: display,
            hint: 'rename the file; keyfold lists, reads and writes only refs',
          }),
        });
        continue;
      }
      out.push({ ref, path: p });
    }
  };
  assertNoSymlinks(root, base);
  walk(base);
  const byRef = (a: RefEntry, b: RefEntry) => (a.ref < b.ref ? -1 : a.ref > b.ref ? 1 : 0);
  const byFile = (a: { file: string }, b: { file: string }) => (a.file < b.file ? -1 : a.file > b.file ? 1 : 0);
  return { entries: out.sort(byRef), problems: problems.sort(byFile) };
}

/** Skipped files in path order, whichever step skipped them. */
export function sortSkipped(skipped: SkippedFile[]): SkippedFile[] {
  return skipped.sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : 0));
}

function toSkipped(p: Walk['problems'][number]): SkippedFile {
  const s = skippedFile(p.file, p.error);
  return p.reason === undefined ? s : { ...s, message: p.reason };
}

function isValidRef(ref: string): boolean {
  try {
    parseRef(ref);
    return true;
  } catch {
    return false;
  }
}

/**
 * Every ref file under `<root>/secrets` (optionally below a ref prefix), sorted by ref.
 * Strict: the first symlink or file name that is not a ref fails the listing (for
 * commands that act on what they list: run, export, promote, diff).
 */
export function listRefFiles(root: string, prefix?: string): RefEntry[] {
  const w = walkRefFiles(root, prefix);
  if (w.problems[0]) throw w.problems[0].error;
  return w.entries;
}

/** `listRefFiles` with each file's text read (no symlinks, size-limited); strict as well. */
export function readRefFiles(root: string, prefix?: string): RefText[] {
  return listRefFiles(root, prefix).map((e) => {
    const display = relative(root, e.path);
    return { ...e, display, text: readTextFile(e.path, display, { root, dirsChecked: true }) };
  });
}

/**
 * The ref files of a listing that goes on past what it cannot use: symlinks, names that
 * are not refs, and (with `read`) files that cannot be read are skipped and reported.
 */
export function scanRefFiles(root: string, prefix?: string): RefScan<RefEntry> {
  const w = walkRefFiles(root, prefix);
  return { refs: w.entries, skipped: w.problems.map(toSkipped) };
}

/**
 * `scanRefFiles` with each file's text read and handed to `map` at once, one file at a
 * time: what `map` does not keep (the text, a parsed document) is not held for the
 * others. A file that cannot be read, or that `map` refuses with a KeyfoldError, is
 * skipped.
 */
export function scanRefTexts(root: string, prefix?: string): RefScan<RefText>;
export function scanRefTexts<T>(root: string, prefix: string | undefined, map: (entry: RefText) => T): RefScan<T>;
export function scanRefTexts<T>(root: string, prefix?: string, map: (entry: RefText) => T = (e) => e as T): RefScan<T> {
  const w = walkRefFiles(root, prefix);
  const skipped = w.problems.map(toSkipped);
  const refs: T[] = [];
  for (const e of w.entries) {
    const display = relative(root, e.path);
    try {
      refs.push(map({ ...e, display, text: readTextFile(e.path, display, { root, dirsChecked: true }) }));
    } catch (err) {
      if (!(err instanceof KeyfoldError)) throw err;
      skipped.push(skippedFile(display, err, e.ref));
    }
  }
  return { refs, skipped: sortSkipped(skipped) };
}
