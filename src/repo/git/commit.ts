/**
 * Making commits of files keyfold wrote (`rotation run`, the S6 re-key commit), and
 * finding commits by a trailer in their message. Revisions go after `--end-of-options`
 * (S10).
 */
import { KeyfoldError } from '../../kernel/errors.js';
import { gitText, OBJECT_ID, runGit } from './run.js';

/** Stage `paths` (repository-relative to `root`) and commit them; returns the new commit id. */
export async function commitPaths(root: string, paths: readonly string[], message: string): Promise<string> {
  await gitText(root, ['add', '--', ...paths], { what: 'staging files' });
  await gitText(root, ['commit', '-q', '-m', message, '--', ...paths], { what: 'committing' });
  return (await gitText(root, ['rev-parse', 'HEAD'], { what: 'reading HEAD' })).trim();
}

/**
 * Commit the work tree's state of `paths` (added, changed and deleted files under them)
 * with `message`, leaving anything else staged or changed out of the commit. Returns
 * the new commit, or undefined when those paths have nothing to commit. The author
 * and committer are git's (user.name and user.email, or the GIT_AUTHOR_ and GIT_COMMITTER_ variables).
 */
export async function commitChanges(root: string, paths: readonly string[], message: string): Promise<string | undefined> {
  if (paths.length === 0) return undefined;
  const spec = ['--', ...paths];
  await gitText(root, ['--literal-pathspecs', 'add', '-A', ...spec], { what: 'staging the re-encrypted files' });
  const staged = await runGit(root, ['--literal-pathspecs', 'diff', '--cached', '--quiet', '--no-ext-diff', 'HEAD', ...spec]);
  if (staged.code === 0) return undefined;
  if (staged.code !== 1) throw new KeyfoldError('git failed while comparing the staged files', { hint: 'is this a git repository with a commit?' });
  const r = await runGit(root, ['--literal-pathspecs', '-c', 'commit.gpgSign=false', 'commit', '-q', '--no-verify', '-F', '-', ...spec], { input: message });
  if (r.code !== 0) {
    throw new KeyfoldError(`git commit failed (${r.code}): ${r.message}`, { hint: 'set user.name and user.email (or GIT_AUTHOR_NAME/GIT_AUTHOR_EMAIL and GIT_COMMITTER_*)' });
  }
  const head = (await gitText(root, ['rev-parse', '--verify', 'HEAD^{commit}'])).trim();
  if (!OBJECT_ID.test(head)) throw new KeyfoldError('git rev-parse gave no commit id');
  return head;
}

export interface CommitMessage {
  commit: string;
  message: string;
}

/**
 * Up to `max` commits reachable from `rev` (newest first, by commit date) whose message
 * contains `text` (a fixed string), with their full messages.
 */
export async function commitsWithTrailer(root: string, rev: string, text: string, max: number): Promise<CommitMessage[]> {
  if (/[\n\r]/.test(text)) throw new TypeError('commitsWithTrailer: one line of text');
  const r = await runGit(root, ['log', '-F', `--grep=${text}`, `--max-count=${max}`, '--format=%H%x00%B%x01', '--end-of-options', rev, '--']);
  // A shallow or broken history reads as no commit: no anchor, which is the safe answer.
  if (r.code !== 0) return [];
  return r.stdout
    .toString('utf8')
    .split('\x01')
    .map((entry) => entry.replace(/^\n+/, ''))
    .flatMap((entry) => {
      const nul = entry.indexOf('\0');
      const commit = entry.slice(0, nul);
      return nul > 0 && OBJECT_ID.test(commit) ? [{ commit, message: entry.slice(nul + 1) }] : [];
    });
}
