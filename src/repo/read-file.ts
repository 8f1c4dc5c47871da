/**
 * Reading one file safely (S10): a regular file only — never a FIFO, device or
 * directory (opened non-blocking, so a FIFO cannot hang the read) — with a size bound
 * enforced while reading (a file that grows past it is refused, `/dev/zero` included),
 * and optionally without following a symlink at the last path component.
 */
import { closeSync, constants, fstatSync, openSync, readSync } from 'node:fs';
import { FormatError, IntegrityError, NotFoundError, UsageError } from '../kernel/errors.js';
import { MAX_FILE_BYTES } from '../kernel/limits.js';

export interface ReadFileOptions {
  /** Refuse a symlink at the last component (ELOOP). */
  noFollow?: boolean;
  /** Default MAX_FILE_BYTES. */
  maxBytes?: number;
  /** The hint of the "too large" error. */
  sizeHint?: string;
}

const SYMLINK_HINT = 'keyfold never follows symlinks inside the repository; replace it with a regular file';

/** The bytes of a regular file; typed errors name `display`, never the content. */
export function readRegularFile(path: string, display: string, options: ReadFileOptions = {}): Buffer {
  const max = options.maxBytes ?? MAX_FILE_BYTES;
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK | (options.noFollow ? constants.O_NOFOLLOW : 0));
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ELOOP') throw new IntegrityError(`refused: ${display} is a symlink`, { file: display, hint: SYMLINK_HINT });
    if (code === 'ENOENT' || code === 'ENOTDIR') throw new NotFoundError(`${display} does not exist`, { file: display });
    if (code === 'EISDIR') throw new UsageError(`${display} is a directory`, { file: display });
    if (code === 'EACCES' || code === 'EPERM') throw new UsageError(`${display} cannot be read (permission denied)`, { file: display, hint: 'check the file\'s owner and mode' });
    throw new FormatError(`cannot read ${display} (${code ?? 'error'})`, { file: display });
  }
  try {
    const st = fstatSync(fd);
    if (st.isDirectory()) throw new UsageError(`${display} is a directory`, { file: display });
    if (!st.isFile()) {
      throw new UsageError(`refused: ${display} is not a regular file`, { file: display, hint: 'keyfold reads only regular files (no FIFOs, sockets or devices)' });
    }
    const tooLarge = () =>
      new FormatError(`${display} is larger than ${max >= 1024 * 1024 ? `${max / 1024 / 1024} MiB` : `${max} bytes`}`, {
        file: display,
        hint: options.sizeHint ?? 'secret and control files are small; split large data into several refs',
      });
    if (st.size > max) throw tooLarge();
    // Read to the end whatever fstat said (the file may grow while we read), up to
    // max + 1 bytes. Sized from fstat, not a fixed 64 KiB: bulk reads (validate, ls,
    // decrypt of thousands of files) allocate what the files hold.
    let buf = Buffer.allocUnsafe(Math.min(max + 1, st.size + 1));
    let len = 0;
    for (;;) {
      if (len === buf.length) {
        if (len > max) throw tooLarge();
        const grown = Buffer.allocUnsafe(Math.min(max + 1, Math.max(2 * len, 64 * 1024)));
        buf.copy(grown, 0, 0, len);
        buf = grown;
      }
      let n: number;
      try {
        n = readSync(fd, buf, len, buf.length - len, null);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'EAGAIN') break;
        throw new FormatError(`cannot read ${display} (${(e as NodeJS.ErrnoException).code ?? 'error'})`, { file: display });
      }
      if (n === 0) break;
      len += n;
    }
    if (len > max) throw tooLarge();
    return buf.subarray(0, len);
  } finally {
    closeSync(fd);
  }
}

/** `readRegularFile` decoded as UTF-8, refusing bytes that are not UTF-8. */
export function readUtf8File(path: string, display: string, options: ReadFileOptions = {}): string {
  const buf = readRegularFile(path, display, options);
  const text = buf.toString('utf8');
  if (text.includes('\uFFFD') && !Buffer.from(text, 'utf8').equals(buf)) throw new FormatError(`${display} is not UTF-8 text`, { file: display });
  return text;
}
