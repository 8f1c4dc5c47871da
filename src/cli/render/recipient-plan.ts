/** Printing recipient/rotation plans and their results. */
import { AccessError, KeyfoldError } from '../../kernel/errors.js';
import type { ApplyResult, RecipientPlanEntry, RecipientPlan } from '../../ops/policy/recipients-sync.js';

export function planLines(plan: RecipientPlan): string[] {
  if (plan.changes.length === 0) return [`all ${plan.entries.length} file(s) match the policy`];
  const width = Math.max(...plan.changes.map((e) => e.ref.length));
  return [
    `${plan.changes.length} of ${plan.entries.length} file(s) change:`,
    ...plan.changes.map((e) => `  ${e.action.padEnd(5)}  ${e.ref.padEnd(width)}  ${describe(e)}`),
  ];
}

function describe(e: RecipientPlanEntry): string {
  const who = [...e.added.map((m) => `+${m}`), ...e.removed.map((m) => `-${m}`)].join(' ');
  return who ? `${who} (${e.reason})` : e.reason;
}

export function resultLines(result: ApplyResult): string[] {
  return [
    `applied ${result.applied.length} change(s)`,
    ...result.generated.map((f) => `  regenerated ${f} from the policy`),
    ...result.failed.map((f) => `  failed ${f.entry.ref}: ${f.error.message}`),
  ];
}

/** The error for a partly applied plan: exit 4 when only identities were missing. */
export function failureError(result: ApplyResult, verb: string): KeyfoldError | undefined {
  const n = result.failed.length;
  if (n === 0) return undefined;
  if (result.failed.every((f) => f.error instanceof AccessError)) {
    return new AccessError(`${n} file(s) could not be ${verb} with your identities`, { hint: "a reader of those files (or their environment's CI) must run it" });
  }
  return new KeyfoldError(`${n} file(s) could not be ${verb}`, { hint: 'see the failures listed above' });
}
