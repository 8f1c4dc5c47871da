/**
 * `keyfold git resolve REF --ours|--theirs [KEY…]`: finish a merge the driver stopped on.
 *
 * From the recorded ciphertexts it merges again, taking the chosen side for the listed
 * conflicting keys (all open ones when none are listed), and writes the file through
 * the store's write path with stable ciphertext: under ours' data key and envelopes
 * when the sides' keying differs (theirs' values re-encrypted), else the shared data
 * key with every unchanged ciphertext kept. When no conflicting key is left open, the
 * file is `git add`ed and the record removed; otherwise the choices are recorded and
 * the keys still open are listed.
 */
import { realpathSync } from 'node:fs';
import { basename, dirname, join, relative, sep } from 'node:path';
import { AccessError, NotFoundError, UsageError } from '../../kernel/errors.js';
import { plural, printableName } from '../../kernel/names.js';
import { withRepoLock } from '../../repo/lock.js';
import { workTreeTop } from '../../repo/git/config.js';
import { isUnmerged, stagePaths } from '../../repo/git/index-state.js';
import type { Workspace } from '../context/workspace.js';
import { locateRef, writeSopsFile } from '../secrets/store.js';
import { openSides } from './open-sides.js';
import { readRecord, removeRecord, writeRecord } from './record.js';
import { mergedDocument, planMerge, type KeyingProblem, type Side } from './three-way.js';

export interface ResolveResult {
  ref: string;
  /** Repository-relative path of the file written. */
  file: string;
  /** The conflicting keys decided by this run, with the side taken. */
  resolved: Array<{ key: string; side: Side }>;
  /** Conflicting keys still open (the file has ours for them, and stays unmerged). */
  remaining: string[];
  /** Whether the file was `git add`ed (nothing left open). */
  staged: boolean;
  /** Set when the sides' keying differed: the result has ours' data key and recipients. */
  keyingProblem: KeyingProblem | undefined;
}

export async function resolveConflict(ws: Workspace, ref: string, side: Side, keys: readonly string[]): Promise<ResolveResult> {
  if (ws.session) throw new AccessError(`agent session ${ws.session.bundle.id} is read-only: it cannot resolve a merge`, { hint: 'a person resolves merges' });
  const loc = locateRef(ws, ref);
  const gitName = await gitPathOf(ws.root, loc.path);
  return withRepoLock(ws.root, async () => {
    const record = await readRecord(ws.root, gitName);
    if (!record) {
      throw new NotFoundError(`no recorded merge conflict for ${loc.ref}`, {
        hint: 'the keyfold merge driver records one when a merge stops on a secrets file (`keyfold git install` configures it)',
      });
    }
    if (!(await isUnmerged(ws.root, loc.display))) {
      await removeRecord(ws.root, gitName);
      throw new NotFoundError(`${loc.display} is not in conflict in the index: the recorded conflict is stale (was the merge aborted?) and was removed`, {
        hint: 'merge again to get a new one',
      });
    }
    const merge = openSides({ base: record.base, ours: record.ours, theirs: record.theirs }, loc.display, ws.identities);
    const previous = new Map(Object.entries(record.choices).filter(([, s]) => s === 'ours' || s === 'theirs'));
    const conflicts = planMerge(merge, previous).conflicts;
    const notInConflict = keys.filter((k) => !conflicts.includes(k));
    if (notInConflict.length > 0) {
      throw new UsageError(`${notInConflict.map(printableName).join(', ')} ${plural(notInConflict.length, 'is', 'are')} not in conflict in ${loc.ref}`, {
        hint: conflicts.length ? `conflicting keys: ${conflicts.map(printableName).join(', ')}` : 'no key is in conflict: resolve without naming keys',
      });
    }
    const chosen = keys.length > 0 ? [...new Set(keys)] : conflicts.filter((k) => !previous.has(k));
    const choices = new Map(previous);
    for (const k of chosen) choices.set(k, side);
    const plan = planMerge(merge, choices);
    const { plain, keying } = mergedDocument(merge, plan);
    writeSopsFile({ path: loc.path, display: loc.display, repoRoot: ws.root }, plain, keying);
    const staged = plan.unresolved.length === 0;
    if (staged) {
      await stagePaths(ws.root, [loc.display]);
      await removeRecord(ws.root, gitName);
    } else {
      await writeRecord(ws.root, { ...record, choices: Object.fromEntries(choices) });
    }
    return { ref: loc.ref, file: loc.display, resolved: chosen.map((key) => ({ key, side })), remaining: plan.unresolved, staged, keyingProblem: plan.keyingProblem };
  });
}

/** The path of a file as git names it: relative to the top of the work tree, `/`-separated. */
async function gitPathOf(root: string, path: string): Promise<string> {
  const top = realpathSync(await workTreeTop(root));
  let dir = dirname(path);
  try {
    dir = realpathSync(dir);
  } catch {
    // the folder is gone: use the path as given
  }
  return relative(top, join(dir, basename(path))).split(sep).join('/');
}
