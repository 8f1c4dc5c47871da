/**
 * Small git plumbing for keyfold's own refs (`refs/keyfold/…`) and for reading files at
 * revisions. Every revision taken from a ref or a file goes after `--end-of-options`
 * (S10), so it can never be read as an option.
 */
import { simpleGit, type SimpleGit } from 'simple-git';

function git(root: string): SimpleGit {
  return simpleGit({ baseDir: root });
}

/** The commit a revision names, or undefined when it does not resolve. */
export async function resolveCommit(root: string, rev: string): Promise<string | undefined> {
  try {
    const out = await git(root).raw(['rev-parse', '--verify', '--quiet', '--end-of-options', `${rev}^{commit}`]);
    const sha = out.trim();
    return /^[0-9a-f]{40}$/.test(sha) ? sha : undefined;
  } catch {
    return undefined;
  }
}

/** Whether `ancestor` is an ancestor of (or equal to) `descendant`. */
export async function isAncestor(root: string, ancestor: string, descendant: string): Promise<boolean> {
  try {
    await git(root).raw(['merge-base', '--is-ancestor', '--end-of-options', ancestor, descendant]);
    return true;
  } catch {
    return false;
  }
}

/**
 * The parents a commit object records. A shallow clone keeps these lines even though it
 * lacks the parent commits themselves (so `<commit>^` does not resolve there).
 */
export async function recordedParents(root: string, commit: string): Promise<string[]> {
  if (!/^[0-9a-f]{40}$/.test(commit)) throw new TypeError('recordedParents needs a resolved commit');
  const out = await git(root).raw(['cat-file', 'commit', '--end-of-options', commit]);
  const end = out.indexOf('\n\n');
  const header = end < 0 ? out : out.slice(0, end);
  return [...header.matchAll(/^parent ([0-9a-f]{40})$/gm)].map((m) => m[1]!);
}

/**
 * A file's content at a commit, or undefined when it does not exist there. `path` is
 * relative to `root`, which may be a subdirectory of the git work tree (a monorepo).
 */
export async function showFile(root: string, commit: string, path: string): Promise<string | undefined> {
  if (!/^[0-9a-f]{40}$/.test(commit)) throw new TypeError('showFile needs a resolved commit');
  try {
    return await git(root).raw(['show', '--end-of-options', `${commit}:./${path.replace(/^\.\//, '')}`]);
  } catch {
    return undefined;
  }
}

/** Paths under `dir` at a commit (recursive), POSIX, relative to `root` (ls-tree's default). */
export async function listFilesAt(root: string, commit: string, dir: string): Promise<string[]> {
  if (!/^[0-9a-f]{40}$/.test(commit)) throw new TypeError('listFilesAt needs a resolved commit');
  const out = await git(root).raw(['ls-tree', '-r', '--name-only', '--end-of-options', commit, '--', dir]);
  return out.split('\n').filter(Boolean);
}

/** The blob a keyfold ref points at, as text; undefined when the ref does not exist. */
export async function readRefBlob(root: string, ref: string): Promise<string | undefined> {
  const sha = (await git(root).raw(['for-each-ref', '--format=%(objectname) %(objecttype)', ref])).trim();
  const [oid, type] = sha.split(' ');
  if (!oid || type !== 'blob' || !/^[0-9a-f]{40}$/.test(oid)) return undefined;
  return git(root).raw(['cat-file', 'blob', oid]);
}

/** Store `text` as a blob and point `ref` at it. */
export async function writeRefBlob(root: string, ref: string, text: string): Promise<void> {
  const g = git(root);
  const oid = await new Promise<string>((resolve, reject) => {
    // hash-object reads the blob from stdin; simple-git has no stdin support, so spawn git.
    import('node:child_process').then(({ execFile }) => {
      const child = execFile('git', ['hash-object', '-w', '--stdin'], { cwd: root }, (err, stdout) => (err ? reject(err) : resolve(stdout.trim())));
      child.stdin!.end(text);
    }, reject);
  });
  await g.raw(['update-ref', ref, oid]);
}
