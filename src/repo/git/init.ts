/** Creating a repository for `keyfold init`. */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { gitText } from './run.js';
import { isWorkTree } from './tree.js';

/**
 * `git init` in `dir` unless it is already inside a work tree, on `branch` — the one the
 * generated workflows run on — whatever git's own default (`master` on many machines);
 * returns true when it initialised.
 */
export async function ensureGitRepo(dir: string, branch: string): Promise<boolean> {
  if (existsSync(join(dir, '.git'))) return false;
  if (await isWorkTree(dir).catch(() => false)) return false;
  await gitText(dir, ['init', `--initial-branch=${branch}`], { hint: 'check that the directory is writable' });
  return true;
}
