/**
 * A repository-wide write lock: an exclusively created lock file holding the owner's
 * pid. A lock whose process is gone is stale and taken over.
 */
import { closeSync, existsSync, openSync, readFileSync, statSync, unlinkSync, writeSync, constants } from 'node:fs';
import { join, resolve } from 'node:path';
import { ConflictError } from '../kernel/errors.js';

const WAIT_MS = 10_000;
/** An empty lock file older than this lost its owner between creating it and writing the pid. */
const EMPTY_STALE_MS = 2_000;

/**
 * The lock file: in the git directory — `.git/`, or the one a `.git` file points at (a
 * worktree or submodule: `gitdir: …`) — else `.keyfold.lock` at the root.
 */
export function lockPath(root: string): string {
  const dotGit = join(root, '.git');
  const st = statSync(dotGit, { throwIfNoEntry: false });
  if (st?.isDirectory()) return join(dotGit, 'keyfold.lock');
  if (st?.isFile()) {
    const m = /^gitdir:\s*(.+?)\s*$/m.exec(readFileSync(dotGit, 'utf8').slice(0, 4096));
    if (m && existsSync(resolve(root, m[1]!))) return join(resolve(root, m[1]!), 'keyfold.lock');
  }
  return join(root, '.keyfold.lock');
}

/** Run `fn` holding the repository lock; waits up to 10 s for another keyfold process. */
export async function withRepoLock<T>(root: string, fn: () => Promise<T> | T): Promise<T> {
  const path = lockPath(root);
  const deadline = Date.now() + WAIT_MS;
  for (;;) {
    if (tryAcquire(path)) break;
    if (Date.now() > deadline) {
      throw new ConflictError(`the repository is locked by another keyfold process (${path})`, {
        hint: 'wait for it to finish; if no keyfold is running, delete the lock file',
      });
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  try {
    return await fn();
  } finally {
    try {
      unlinkSync(path);
    } catch {
      /* removed by someone else: nothing to do */
    }
  }
}

function tryAcquire(path: string): boolean {
  try {
    const fd = openSync(path, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, 0o600);
    writeSync(fd, String(process.pid));
    closeSync(fd);
    return true;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
  }
  // Take over a lock whose owner died.
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    return false;
  }
  const pid = Number(text);
  let stale = Number.isInteger(pid) && pid > 0 && !alive(pid);
  if (text === '') {
    // The owner writes its pid right after creating the file; still empty after a
    // while means it died in between (e.g. SIGKILL).
    try {
      stale = Date.now() - statSync(path).mtimeMs > EMPTY_STALE_MS;
    } catch {
      return false;
    }
  }
  if (stale) {
    try {
      unlinkSync(path);
    } catch {
      /* raced with another taker */
    }
  }
  return false;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}
