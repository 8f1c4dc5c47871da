/**
 * `keyfold git merge O A B P`: git's merge driver for secrets files (`%O %A %B %P`).
 *
 * A clean key-level merge (three-way.ts) rewrites %A through the store's write path:
 * the shared data key, the ciphertext of every unchanged value verbatim (theirs' for
 * keys taken from theirs), a new MAC — so the merger must be a reader. Anything else is
 * a conflict: the conflicting keys (names only) go to stderr, %A is left as it is (ours,
 * a valid encrypted file — never conflict markers or plaintext), what `keyfold git
 * resolve` needs is recorded under `.git/keyfold/merge/`, and git is told to stop.
 *
 * A path that is not YAML (a README under secrets/) is no secrets file: it gets git's
 * ordinary line merge.
 */
import { resolve } from 'node:path';
import { isKeyfoldError, KeyfoldError } from '../../kernel/errors.js';
import { count, printableName } from '../../kernel/names.js';
import { readUtf8File } from '../../repo/read-file.js';
import { mergeFileText } from '../../repo/git/index-state.js';
import type { Workspace } from '../context/workspace.js';
import { writeSopsFile } from '../secrets/store.js';
import { openSides, type SideTexts } from './open-sides.js';
import { removeRecord, writeRecord } from './record.js';
import { mergedDocument, planMerge, type MergePlan } from './three-way.js';

export interface DriverResult {
  clean: boolean;
  /** Lines for stderr (key names and reasons, never values). */
  messages: string[];
}

/** The ref of a path git names (`secrets/dev/api/db.yaml` → `dev/api/db`), else the path. */
export function refOfGitPath(path: string): string {
  const m = /(?:^|\/)secrets\/(.+)\.ya?ml$/.exec(path);
  return m ? m[1]! : path;
}

export async function mergeDriver(ws: Workspace, basePath: string, oursPath: string, theirsPath: string, path: string): Promise<DriverResult> {
  const cwd = ws.cwd;
  const shown = printableName(path);
  const abs = (p: string) => resolve(cwd, p);
  if (!/\.ya?ml$/.test(path)) {
    const conflicts = await mergeFileText(cwd, abs(oursPath), abs(basePath), abs(theirsPath), ['ours', 'base', 'theirs']);
    return { clean: conflicts === 0, messages: conflicts === 0 ? [] : [`${shown} is not a secrets file: merged as text, with ${count(conflicts, 'conflict')}`] };
  }
  let texts: SideTexts;
  try {
    texts = {
      base: readUtf8File(abs(basePath), `${shown} (base)`),
      ours: readUtf8File(abs(oursPath), `${shown} (ours)`),
      theirs: readUtf8File(abs(theirsPath), `${shown} (theirs)`),
    };
  } catch (e) {
    return { clean: false, messages: [`CONFLICT in ${shown}: ${reason(e)}; the file is left as ours`] };
  }
  /** Record the conflict for `resolve`; a failure to record still leaves a conflict (said on stderr). */
  const record = async (conflicts: string[] | null, reasons: string[]): Promise<string[]> => {
    try {
      await writeRecord(cwd, { version: 1, path, base: texts.base === '' ? null : texts.base, ours: texts.ours, theirs: texts.theirs, conflicts, reasons, choices: {} });
      return [];
    } catch (e) {
      return [`could not record the conflict for keyfold git resolve (${reason(e)}); resolve ${shown} by hand`];
    }
  };
  const next = `${shown} is left as ours (encrypted); decide per key, then: keyfold git resolve ${printableName(refOfGitPath(path))} --ours|--theirs [KEY…]`;

  let merge;
  let plan: MergePlan;
  try {
    const identities = ws.identities;
    merge = openSides(texts, shown, identities);
    plan = planMerge(merge);
  } catch (e) {
    const why = isKeyfoldError(e) && e.code === 'no-identity' ? `cannot decrypt it, and merging a secrets file takes a reader (${reason(e)})` : `cannot merge it: ${reason(e)}`;
    const failed = await record(null, [why]);
    return { clean: false, messages: [`CONFLICT in ${shown}: ${why}`, ...failed, `${shown} is left as ours (encrypted); with a reader identity (SOPS_AGE_KEY_FILE, or --identity): keyfold git resolve ${printableName(refOfGitPath(path))} --ours|--theirs`] };
  }
  const reasons = conflictReasons(plan);
  if (reasons.length > 0) {
    const failed = await record(plan.conflicts, reasons);
    return { clean: false, messages: [...reasons.map((r) => `CONFLICT in ${shown}: ${r}`), ...failed, next] };
  }
  try {
    const { plain, keying } = mergedDocument(merge, plan);
    writeSopsFile({ path: abs(oursPath), display: shown }, plain, keying);
  } catch (e) {
    const why = `cannot write the merged file: ${reason(e)}`;
    const failed = await record(plan.conflicts, [why]);
    return { clean: false, messages: [`CONFLICT in ${shown}: ${why}`, ...failed, next] };
  }
  await removeRecord(cwd, path).catch(() => undefined);
  return { clean: true, messages: [] };
}

/** Why a plan is not a clean merge, one line each; empty when it is. */
export function conflictReasons(plan: MergePlan): string[] {
  const names = (keys: string[]) => (keys.length ? keys.map(printableName).join(', ') : 'none');
  const out: string[] = [];
  if (plan.conflicts.length > 0) out.push(`${names(plan.conflicts)} changed on both sides`);
  if (plan.keyingProblem === 'data-key') {
    out.push(`ours and theirs have different data keys (a side was re-keyed); keys changed in ours: ${names(plan.changed.ours)}; in theirs: ${names(plan.changed.theirs)}`);
  } else if (plan.keyingProblem === 'recipients') {
    out.push(`the recipients changed on both sides; keys changed in ours: ${names(plan.changed.ours)}; in theirs: ${names(plan.changed.theirs)}`);
  }
  return out;
}

function reason(e: unknown): string {
  if (e instanceof KeyfoldError) return e.message;
  return 'unexpected error';
}
