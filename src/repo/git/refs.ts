/**
 * Revisions and refs: resolving a revision to a commit, ancestry, and keyfold's own
 * refs (`refs/keyfold/…`) that point at a blob. Every revision taken from the user, a
 * ref or a file goes after `--end-of-options` (S10), so it can never be read as an
 * option.
 */
import { KeyfoldError, UsageError } from '../../kernel/errors.js';
import { gitText, OBJECT_ID, runGit } from './run.js';

/** The commit a revision names, or undefined when it does not resolve to one. */
export async function resolveCommit(root: string, rev: string): Promise<string | undefined> {
  const r = await runGit(root, ['rev-parse', '--verify', '--quiet', '--end-of-options', `${rev}^{commit}`]);
  const sha = r.stdout.toString('utf8').trim();
  return r.code === 0 && OBJECT_ID.test(sha) ? sha : undefined;
}

/** The commit a revision the user gave names; a UsageError when there is none. */
export async function requireCommit(root: string, rev: string): Promise<string> {
  const sha = await resolveCommit(root, rev);
  if (sha) return sha;
  throw new UsageError(`revision ${/^[\w./@^~-]{1,200}$/.test(rev) ? rev : '(given)'} is not a commit in this repository`, {
    hint: 'fetch it first (e.g. `git fetch origin main`), or pass a commit id',
  });
}

/** A branch a default is taken from: its full ref and how to show it. */
export interface DefaultBranch {
  ref: string;
  name: string;
}

/**
 * The default branch: the remote's (`origin/HEAD`), else the local one
 * (`init.defaultBranch`, then `main`, then `master`) when it exists.
 */
export async function defaultBranch(root: string): Promise<DefaultBranch | undefined> {
  const remote = await runGit(root, ['symbolic-ref', '-q', 'refs/remotes/origin/HEAD']);
  const target = remote.stdout.toString('utf8').trim();
  if (remote.code === 0 && target.startsWith('refs/remotes/') && (await resolveCommit(root, target))) {
    return { ref: target, name: target.slice('refs/remotes/'.length) };
  }
  const configured = (await runGit(root, ['config', '--get', 'init.defaultBranch'])).stdout.toString('utf8').trim();
  for (const name of [configured, 'main', 'master']) {
    if (name && /^[\w./-]+$/.test(name) && (await resolveCommit(root, `refs/heads/${name}`))) return { ref: `refs/heads/${name}`, name };
  }
  return undefined;
}

/** Whether `ancestor` is an ancestor of (or equal to) `descendant`. */
export async function isAncestor(root: string, ancestor: string, descendant: string): Promise<boolean> {
  const r = await runGit(root, ['merge-base', '--is-ancestor', '--end-of-options', ancestor, descendant]);
  return r.code === 0;
}

/** The best common ancestor of two commits (a fork point), or undefined when unrelated. */
export async function mergeBase(root: string, a: string, b: string): Promise<string | undefined> {
  const r = await runGit(root, ['merge-base', '--end-of-options', a, b]);
  const out = r.stdout.toString('utf8').trim();
  return r.code === 0 && OBJECT_ID.test(out) ? out : undefined;
}

/**
 * The parents a commit object records. A shallow clone keeps these lines even though it
 * lacks the parent commits themselves (so `<commit>^` does not resolve there).
 */
export async function recordedParents(root: string, commit: string): Promise<string[]> {
  if (!OBJECT_ID.test(commit)) throw new TypeError('recordedParents needs a resolved commit');
  const out = await gitText(root, ['cat-file', 'commit', '--end-of-options', commit]);
  const end = out.indexOf('\n\n');
  const header = end < 0 ? out : out.slice(0, end);
  return [...header.matchAll(/^parent ([0-9a-f]{40}(?:[0-9a-f]{24})?)$/gm)].map((m) => m[1]!);
}

/** The blob a keyfold ref points at, as text; undefined when the ref does not exist. */
export async function readRefBlob(root: string, ref: string): Promise<string | undefined> {
  const sha = (await gitText(root, ['for-each-ref', '--format=%(objectname) %(objecttype)', ref])).trim();
  const [oid, type] = sha.split(' ');
  if (!oid || type !== 'blob' || !OBJECT_ID.test(oid)) return undefined;
  return gitText(root, ['cat-file', 'blob', oid]);
}

/** Store `text` as a blob and point `ref` at it. */
export async function writeRefBlob(root: string, ref: string, text: string): Promise<void> {
  const oid = (await gitText(root, ['hash-object', '-w', '--stdin'], { input: text })).trim();
  if (!OBJECT_ID.test(oid)) throw new KeyfoldError('git hash-object gave no object id');
  await gitText(root, ['update-ref', ref, oid]);
}
