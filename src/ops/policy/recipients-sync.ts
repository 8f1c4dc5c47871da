/**
 * `recipients sync` and `rotate`: plan (no identity needed) which files' recipients
 * differ from the policy, then apply: re-wrap the data key when readers are only
 * added (values keep their ciphertext), or give the file a fresh data key when a
 * reader is removed or the key-group structure changes (every value re-encrypted).
 */
import { ConfigError, KeyfoldError, UsageError } from '../../kernel/errors.js';
import { layoutKey, recipientLayout, uniqueSorted, type RecipientLayout } from '../../core/policy.js';
import { openSopsFile, parseSopsFile, type ParsedSopsFile } from '../../sops/file.js';
import type { Keying } from '../../sops/seal.js';
import { withRepoLock } from '../../repo/lock.js';
import { readTextFile, type SkippedFile } from '../../repo/secrets-tree.js';
import { mapParsedRefs } from '../secrets/scan-refs.js';
import { writeGeneratedFiles } from './generated-files.js';
import { recipientNamer } from '../audit/recipient-names.js';
import { writeSopsFile } from '../secrets/store.js';
import type { Workspace } from '../context/workspace.js';

export type RecipientAction = 'ok' | 'add' | 'rekey';

export interface RecipientPlanEntry {
  ref: string;
  file: string;
  action: RecipientAction;
  /** Members (or bare recipients) gaining access. */
  added: string[];
  /** Members (or bare recipients) losing access. */
  removed: string[];
  reason: string;
}

export interface RecipientPlan {
  entries: RecipientPlanEntry[];
  /** Entries whose action is not `ok`. */
  changes: RecipientPlanEntry[];
  /**
   * Files that cannot be planned: symlinks, names that are not refs, malformed YAML,
   * metadata outside the allowlist. The others are planned; `--check` counts these as
   * drift, and applying reports them as not synced.
   */
  skipped: SkippedFile[];
}

export interface PlanOptions {
  /** Only refs of this environment. */
  env?: string;
  /** Only refs under this prefix. */
  prefix?: string;
  /** Refs that get a fresh data key whatever their recipients (rotate, S6). */
  rekey?: (ref: string) => string | undefined;
}

function currentLayout(parsed: ParsedSopsFile): RecipientLayout {
  return { groups: parsed.meta.groups.map((g) => uniqueSorted(g.map((e) => e.recipient))), threshold: parsed.meta.threshold };
}

/** Plan the changes that make every file's recipients equal the policy. Needs no identity. */
export async function planRecipients(ws: Workspace, options: PlanOptions = {}): Promise<RecipientPlan> {
  const policy = await ws.policy();
  const envs = (await ws.config()).environments;
  if (options.env && !envs.includes(options.env)) {
    throw new UsageError(`unknown environment "${options.env}"`, { hint: `environments in keyfold.yaml: ${envs.join(', ')}` });
  }
  const label = await recipientNamer(ws);
  const prefix = options.prefix ?? options.env;
  const scan = mapParsedRefs(ws.root, prefix, (entry): RecipientPlanEntry => {
    const display = entry.display;
    const parsed = entry.parsed;
    const have = currentLayout(parsed);
    const want = recipientLayout(policy, entry.ref);
    const haveAll = new Set(have.groups.flat());
    const wantAll = new Set(want.groups.flat());
    const added = [...wantAll].filter((r) => !haveAll.has(r)).map(label).sort();
    const removed = [...haveAll].filter((r) => !wantAll.has(r)).map(label).sort();
    const forced = options.rekey?.(entry.ref);
    const base = { ref: entry.ref, file: display, added, removed };
    if (forced) return { ...base, action: 'rekey', reason: forced };
    if (layoutKey(have) === layoutKey(want)) return { ...base, action: 'ok', reason: 'matches the policy' };
    const sameShape = have.groups.length === want.groups.length && (have.groups.length === 1 || have.threshold === want.threshold);
    const onlyAdded = sameShape && removed.length === 0 && have.groups.every((g, i) => g.every((r) => want.groups[i]?.includes(r)));
    if (onlyAdded) return { ...base, action: 'add', reason: 'readers added' };
    return {
      ...base,
      action: 'rekey',
      reason: removed.length > 0 ? 'readers removed: fresh data key' : 'key-group structure changed: fresh data key',
    };
  });
  const entries = scan.refs;
  return { entries, changes: entries.filter((e) => e.action !== 'ok'), skipped: scan.skipped };
}

export interface ApplyResult {
  applied: RecipientPlanEntry[];
  /** Generated files (.sops.yaml, CODEOWNERS) rewritten to match the policy. */
  generated: string[];
  /** Files the identities could not open (they need a reader to sync them), or damaged ones. */
  failed: Array<{ entry: RecipientPlanEntry; error: KeyfoldError }>;
  /** The plan's skipped files (damaged, or not a ref's file): not synced either. */
  skipped: SkippedFile[];
}

/**
 * Apply a plan under the repository lock. Files that cannot be opened are reported,
 * not fatal, so one environment's CI can sync what it can read.
 */
export async function applyRecipients(ws: Workspace, plan: RecipientPlan, onProgress?: (done: number, total: number, entry: RecipientPlanEntry) => void): Promise<ApplyResult> {
  const policy = await ws.policy();
  const identities = ws.identities;
  const config = await ws.config();
  const result: ApplyResult = { applied: [], failed: [], generated: [], skipped: plan.skipped };
  await withRepoLock(ws.root, () => {
    result.generated = writeGeneratedFiles(ws.root, policy, config);
    plan.changes.forEach((entry, i) => {
      try {
        rewrite(ws, entry, recipientLayout(policy, entry.ref), identities);
        result.applied.push(entry);
      } catch (e) {
        if (!(e instanceof KeyfoldError)) throw e;
        result.failed.push({ entry, error: e });
      }
      onProgress?.(i + 1, plan.changes.length, entry);
    });
  });
  return result;
}

function rewrite(ws: Workspace, entry: RecipientPlanEntry, want: RecipientLayout, identities: Workspace['identities']): void {
  const path = `${ws.root}/${entry.file}`;
  const parsed = parseSopsFile(readTextFile(path, entry.file, { root: ws.root }), entry.file, { strict: true });
  const opened = openSopsFile(parsed, identities, entry.file);
  if (want.groups.every((g) => g.length === 0)) {
    throw new ConfigError(`${entry.ref}: the policy leaves it without readers`, { hint: 'grant a role read access, or delete the file' });
  }
  // `add`: same data key, values keep their ciphertext, only envelopes are added.
  const keying: Keying = entry.action === 'add' ? { kind: 'add-readers', opened, layout: want } : { kind: 'fresh', layout: want, previous: opened };
  writeSopsFile({ path, display: entry.file, repoRoot: ws.root }, opened.plain, keying);
}
