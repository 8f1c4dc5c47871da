/**
 * The secrets tree on disk: finding the repository, mapping refs to files, listing
 * refs, and reading files without following symlinks (S10).
 */
import { existsSync, lstatSync, readdirSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { CONFIG_FILE } from '../config/keyfold-config.js';
import { SECRETS_DIR, isUnderSecrets, pathToRef, refUnder } from '../kernel/ref.js';
import { IntegrityError, NotFoundError } from '../kernel/errors.js';
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

/** `listRefFiles` with each file's text read (no symlinks, size-limited). */
export function readRefFiles(root: string, prefix?: string): RefText[] {
  return listRefFiles(root, prefix).map((e) => {
    const display = relative(root, e.path);
    return { ...e, display, text: readTextFile(e.path, display, { root, dirsChecked: true }) };
  });
}

/**
 * Every `*.yaml`/`*.yml` file under `<root>/secrets` (optionally below a ref prefix),
 * sorted by ref. Symlinks are refused, never followed.
 */
export function listRefFiles(root: string, prefix?: string): RefEntry[] {
  const base = join(root, SECRETS_DIR);
  const out: RefEntry[] = [];
  const walk = (dir: string): void => {
    let entries;
    try {
      entries = readdirSync(dir, { withFileTypes: true });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw e;
    }
    for (const e of entries) {
      const p = join(dir, e.name);
      if (e.isSymbolicLink()) {
        throw new IntegrityError(`refused: ${relative(root, p)} is a symlink`, {
          file: relative(root, p),
          hint: 'keyfold never follows symlinks under secrets/; replace it with a regular file',
        });
      }
      if (e.isDirectory()) walk(p);
      else if (e.isFile() && /\.ya?ml$/.test(e.name) && !e.name.startsWith('.')) {
        out.push({ ref: pathToRef(root, p)!, path: p });
      }
    }
  };
  assertNoSymlinks(root, base);
  walk(base);
  const filtered = out.filter((e) => refUnder(e.ref, prefix));
  return filtered.sort((a, b) => (a.ref < b.ref ? -1 : a.ref > b.ref ? 1 : 0));
}
