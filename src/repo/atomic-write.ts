/**
 * Atomic file replacement: write a temp file beside the target, fsync it, rename it
 * over the target, fsync the directory. A crash leaves the old or the new file.
 */
import { closeSync, fsyncSync, lstatSync, openSync, readdirSync, readFileSync, renameSync, unlinkSync, writeSync, constants } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { basename, dirname, join } from 'node:path';
import { NotFoundError, UsageError, fromSystemError } from '../kernel/errors.js';

export interface WriteOptions {
  mode?: number;
  /** Fail if the target exists (for files that must never be overwritten). */
  exclusive?: boolean;
}

/**
 * Write `data` to `path` atomically (or exclusively). File-system failures (a missing
 * folder, no permission, a full disk, an existing file with `exclusive`) become
 * KeyfoldErrors naming the path.
 */
export function writeFileAtomic(path: string, data: string | Uint8Array, options: WriteOptions = {}): void {
  try {
    writeAtomic(path, data, options);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') throw new NotFoundError(`cannot write ${path}: the folder ${dirname(path)} does not exist`, { hint: 'create the folder first, or choose another path', cause: e });
    throw fromSystemError(e) ?? e;
  }
}

function writeAtomic(path: string, data: string | Uint8Array, options: WriteOptions): void {
  // A rename replaces whatever is at the path: never a FIFO, device, directory or symlink.
  const st = lstatSync(path, { throwIfNoEntry: false });
  if (st && !st.isFile()) {
    throw new UsageError(`refused to write ${path}: it is ${st.isDirectory() ? 'a directory' : st.isSymbolicLink() ? 'a symlink' : 'not a regular file'}`, {
      hint: st.isDirectory() ? 'name a file inside it' : 'keyfold replaces files atomically; name a regular file (or print to standard output and redirect)',
    });
  }
  const mode = options.mode ?? 0o644;
  if (options.exclusive) {
    // O_EXCL on the target itself: never replaces an existing file.
    const fd = openSync(path, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, mode);
    try {
      writeAll(fd, data);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    fsyncDir(dirname(path));
    return;
  }
  const tmp = join(dirname(path), `${tempPrefix(path)}${randomBytes(6).toString('hex')}.tmp`);
  const fd = openSync(tmp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, mode);
  try {
    try {
      writeAll(fd, data);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, path);
  } catch (e) {
    try {
      unlinkSync(tmp);
    } catch {
      /* already gone */
    }
    throw e;
  }
  fsyncDir(dirname(path));
}

function writeAll(fd: number, data: string | Uint8Array): void {
  const buf = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
  let off = 0;
  while (off < buf.length) off += writeSync(fd, buf, off, buf.length - off);
}

function fsyncDir(dir: string): void {
  let fd: number | undefined;
  try {
    fd = openSync(dir, constants.O_RDONLY);
    fsyncSync(fd);
  } catch {
    /* some filesystems do not allow fsync on directories */
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

const tempPrefix = (path: string) => `.${basename(path)}.`;

/**
 * Remove temp files a killed writer left beside `path`. Call only while holding the
 * lock that serialises writers of `path`, so none of them can be in use.
 */
export function removeStaleTemps(path: string): void {
  const prefix = tempPrefix(path);
  let names: string[];
  try {
    names = readdirSync(dirname(path));
  } catch {
    return;
  }
  for (const name of names) {
    if (name.startsWith(prefix) && /^[0-9a-f]{12}\.tmp$/.test(name.slice(prefix.length))) {
      try {
        unlinkSync(join(dirname(path), name));
      } catch {
        /* already gone */
      }
    }
  }
}

/** Write `text` atomically unless the file already holds exactly it; true when written. */
export function writeFileIfChanged(path: string, text: string, options: WriteOptions = {}): boolean {
  let current: string | undefined;
  try {
    current = readFileSync(path, 'utf8');
  } catch {
    current = undefined;
  }
  if (current === text) return false;
  writeFileAtomic(path, text, options);
  return true;
}
