/**
 * Remotes, branches and linked worktrees, for `propose`: the remote's default branch,
 * fetching and pushing one branch, and a temporary worktree in which a change is made
 * without touching the user's own working tree. Branch and remote names are checked
 * (`git check-ref-format`) before they reach a command line.
 */
import { UsageError } from '../../kernel/errors.js';
import { gitText, OBJECT_ID, runGit } from './run.js';

const REMOTE_RE = /^[A-Za-z0-9][\w.-]{0,99}$/;

function checkRemote(remote: string): void {
  if (!REMOTE_RE.test(remote)) throw new UsageError('invalid git remote name', { hint: 'a remote name is letters, digits, ., _ and -' });
}

/** Whether `name` is a valid branch name (and cannot be read as an option). */
async function isBranchName(root: string, name: string): Promise<boolean> {
  if (name === '' || name.startsWith('-') || name.length > 200) return false;
  return (await runGit(root, ['check-ref-format', '--branch', name])).code === 0;
}

async function checkBranch(root: string, name: string): Promise<void> {
  if (!(await isBranchName(root, name))) throw new UsageError('invalid branch name', { hint: 'a branch name is what `git check-ref-format --branch` accepts' });
}

/** The URL of a remote, or undefined when it is not configured. */
export async function remoteUrl(root: string, remote: string): Promise<string | undefined> {
  checkRemote(remote);
  const r = await runGit(root, ['remote', 'get-url', '--', remote]);
  const url = r.stdout.toString('utf8').trim();
  return r.code === 0 && url !== '' ? url : undefined;
}

/** Fetch one branch of a remote into `refs/remotes/<remote>/<branch>`; returns its commit. */
export async function fetchBranch(root: string, remote: string, branch: string): Promise<string> {
  checkRemote(remote);
  await checkBranch(root, branch);
  const tracking = `refs/remotes/${remote}/${branch}`;
  await gitText(root, ['fetch', '--quiet', '--no-tags', '--', remote, `+refs/heads/${branch}:${tracking}`], {
    what: `fetching ${branch} from ${remote}`,
    hint: `check that ${remote} is reachable and has a branch ${branch} (\`git fetch ${remote}\`)`,
  });
  const sha = (await gitText(root, ['rev-parse', '--verify', '--end-of-options', `${tracking}^{commit}`], { what: `reading ${tracking}` })).trim();
  if (!OBJECT_ID.test(sha)) throw new UsageError(`${remote} has no branch ${branch}`);
  return sha;
}

/** Push a local branch to a new branch of the same name on the remote (never forced). */
export async function pushNewBranch(root: string, remote: string, branch: string): Promise<void> {
  checkRemote(remote);
  await checkBranch(root, branch);
  await gitText(root, ['push', '--quiet', '--porcelain', '--', remote, `refs/heads/${branch}:refs/heads/${branch}`], {
    what: `pushing ${branch} to ${remote}`,
    hint: `check that you may push to ${remote} (\`git push ${remote} ${branch}\` shows git's own message)`,
  });
}

/** Add a linked worktree at `path` on a new branch `branch` starting at `start` (a commit). */
export async function addWorktree(root: string, path: string, branch: string, start: string): Promise<void> {
  await checkBranch(root, branch);
  if (!OBJECT_ID.test(start)) throw new TypeError('addWorktree needs a resolved commit');
  await gitText(root, ['worktree', 'add', '--quiet', '--no-track', '-b', branch, '--', path, start], { what: 'adding a temporary worktree', hint: 'check that the git directory is writable' });
}

/** Remove a linked worktree (its files too), even with changes in it; never throws. */
export async function removeWorktree(root: string, path: string): Promise<void> {
  await runGit(root, ['worktree', 'remove', '--force', '--force', '--', path]);
  await runGit(root, ['worktree', 'prune']);
}

/** Delete a local branch (not checked out anywhere); never throws. */
export async function deleteBranch(root: string, branch: string): Promise<void> {
  if (!(await isBranchName(root, branch))) return;
  await runGit(root, ['branch', '-D', '--', branch]);
}

/** Where `dir` is below the top of its work tree (`sub/dir/`, or '' at the top). */
export async function workTreePrefix(dir: string): Promise<string> {
  return (await gitText(dir, ['rev-parse', '--show-prefix'], { what: 'locating the work tree' })).trim();
}

/**
 * Paths under `pathspecs` (relative to `dir`) with uncommitted changes — staged,
 * unstaged or untracked — relative to the top of the work tree.
 */
export async function dirtyPaths(dir: string, pathspecs: readonly string[]): Promise<string[]> {
  if (pathspecs.length === 0) return [];
  const out = await gitText(dir, ['--literal-pathspecs', 'status', '--porcelain=v1', '-z', '--untracked-files=all', '--no-renames', '--', ...pathspecs], { what: 'reading the status of the working tree' });
  return out
    .split('\0')
    .filter((e) => e.length > 3)
    .map((e) => e.slice(3));
}
