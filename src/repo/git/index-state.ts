/**
 * The index during a merge: whether a path is still unmerged, and staging a resolved
 * one. Pathspecs are literal (S10).
 */
import { KeyfoldError } from '../../kernel/errors.js';
import { gitText, runGit } from './run.js';

/** Whether `path` (relative to `root`) has unmerged entries (stages 1–3) in the index. */
export async function isUnmerged(root: string, path: string): Promise<boolean> {
  const out = await gitText(root, ['--literal-pathspecs', 'ls-files', '-z', '--unmerged', '--', path], { what: 'reading the index' });
  return out.length > 0;
}

/** `git add` these paths (relative to `root`). */
export async function stagePaths(root: string, paths: readonly string[]): Promise<void> {
  await gitText(root, ['--literal-pathspecs', 'add', '--', ...paths], { what: `staging ${paths.join(', ')}` });
}

/** `git merge-file`: a line-based three-way merge of `ours` (rewritten in place) with `base` and `theirs`; the number of conflicts. */
export async function mergeFileText(root: string, ours: string, base: string, theirs: string, labels: readonly [string, string, string]): Promise<number> {
  const r = await runGit(root, ['merge-file', '-L', labels[0], '-L', labels[1], '-L', labels[2], '--', ours, base, theirs]);
  // Exit status: the number of conflicts (capped at 127); above that, an error.
  if (r.code > 127) throw new KeyfoldError('git failed while merging a file as text', { hint: 'check that git is installed and the files are readable' });
  return r.code;
}
