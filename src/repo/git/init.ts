/** git via simple-git (the only owner of that dependency). */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { simpleGit } from 'simple-git';

/** `git init` in `dir` unless it is already inside a work tree; returns true when it initialised. */
export async function ensureGitRepo(dir: string): Promise<boolean> {
  if (existsSync(join(dir, '.git'))) return false;
  const git = simpleGit({ baseDir: dir });
  if (await git.checkIsRepo().catch(() => false)) return false;
  await git.init();
  return true;
}
