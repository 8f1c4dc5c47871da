/**
 * The repository-local git configuration (`git config --local`), and where git keeps
 * per-repository state (`git rev-parse --git-path`). keyfold never reads or writes the
 * global or system configuration here (S9): what one repository opts into stays in it.
 */
import { isAbsolute, resolve } from 'node:path';
import { KeyfoldError } from '../../kernel/errors.js';
import { gitText, runGit } from './run.js';

const NOT_A_REPO_HINT = 'run it inside a git repository (`git init` first)';

/**
 * A value of the local configuration, undefined when unset. With `bool`, git's boolean
 * spellings (`yes`, `on`, `1`…) are read as `true`/`false`; a value that is not a
 * boolean reads as undefined.
 */
export async function getLocalConfig(root: string, key: string, type?: 'bool'): Promise<string | undefined> {
  const r = await runGit(root, ['config', '--local', ...(type ? [`--type=${type}`] : []), '--get', key]);
  if (r.code !== 0) return undefined;
  return r.stdout.toString('utf8').replace(/\n$/, '');
}

/** Set one key of the local configuration (replacing a single existing value). */
export async function setLocalConfig(root: string, key: string, value: string): Promise<void> {
  await gitText(root, ['config', '--local', '--replace-all', key, value], { what: `setting ${key} in the repository's git config`, hint: NOT_A_REPO_HINT });
}

/** Remove a key from the local configuration; false when it was not set. */
export async function unsetLocalConfig(root: string, key: string): Promise<boolean> {
  const r = await runGit(root, ['config', '--local', '--unset-all', key]);
  // 5: the key was not set.
  if (r.code === 5) return false;
  if (r.code !== 0) throw new KeyfoldError(`git failed while removing ${key} from the repository's git config`, { hint: NOT_A_REPO_HINT });
  return true;
}

/** The absolute path git uses for `name` inside its directory (`.git/<name>`, worktrees included). */
export async function gitPath(root: string, name: string): Promise<string> {
  const out = (await gitText(root, ['rev-parse', '--git-path', name], { what: 'locating the git directory', hint: NOT_A_REPO_HINT })).trim();
  return isAbsolute(out) ? out : resolve(root, out);
}

/** The top directory of the work tree `root` is in. */
export async function workTreeTop(root: string): Promise<string> {
  return (await gitText(root, ['rev-parse', '--show-toplevel'], { what: 'locating the work tree', hint: NOT_A_REPO_HINT })).trim();
}
