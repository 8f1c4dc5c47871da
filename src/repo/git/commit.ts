/** Committing files keyfold wrote (`rotation run`): `git add` of exactly those paths, then one commit. */
import { gitText } from './run.js';

/** Stage `paths` (repository-relative to `root`) and commit them; returns the new commit id. */
export async function commitPaths(root: string, paths: readonly string[], message: string): Promise<string> {
  await gitText(root, ['add', '--', ...paths], { what: 'staging files' });
  await gitText(root, ['commit', '-q', '-m', message, '--', ...paths], { what: 'committing' });
  return (await gitText(root, ['rev-parse', 'HEAD'], { what: 'reading HEAD' })).trim();
}
