/** Printing recipient/rotation plans and their results. */
import { count, plural, printableName as p } from '../../kernel/names.js';
import { AccessError, ExitCode, IntegrityError, KeyfoldError, NotOpenedError } from '../../kernel/errors.js';
import type { ApplyResult, RecipientPlanEntry, RecipientPlan } from '../../ops/policy/recipients-sync.js';

export function planLines(plan: RecipientPlan): string[] {
  const skipped = plan.skipped.map((s) => `  cannot plan ${p(s.file)}: ${p(s.message)}`);
  if (plan.changes.length === 0) return [`${plan.entries.length === 1 ? 'the 1 file matches' : `all ${plan.entries.length} files match`} the policy`, ...skipped];
  const width = Math.max(...plan.changes.map((e) => p(e.ref).length));
  return [
    `${plan.changes.length} of ${count(plan.entries.length, 'file')} ${plural(plan.changes.length, 'changes', 'change')}:`,
    ...plan.changes.map((e) => `  ${e.action.padEnd(5)}  ${p(e.ref).padEnd(width)}  ${describe(e)}`),
    ...skipped,
  ];
}

function describe(e: RecipientPlanEntry): string {
  const who = [...e.added.map((m) => `+${p(m)}`), ...e.removed.map((m) => `-${p(m)}`)].join(' ');
  return who ? `${who} (${e.reason})` : e.reason;
}

export function resultLines(result: ApplyResult): string[] {
  return [
    `applied ${count(result.applied.length, 'change')}`,
    ...result.generated.map((f) => `  regenerated ${f} from the policy`),
    ...result.failed.map((f) => `  failed ${p(f.entry.ref)}: ${p(f.error.message)}`),
    ...result.skipped.map((s) => `  failed ${p(s.file)}: ${p(s.message)}`),
  ];
}

/**
 * The error for a partly applied plan, once every other file was done and each failure
 * named above: exit 5 when one of them is damaged in a way that points to tampering (a
 * bad MAC or envelope, metadata outside the allowlist, a symlink: the exit code of
 * integrity errors), else exit 4 — files it could not open, with your identities or at
 * all (malformed YAML, a name that is not a ref).
 */
export function failureError(result: ApplyResult, verb: string): KeyfoldError | undefined {
  const n = result.failed.length + result.skipped.length;
  if (n === 0) return undefined;
  const damaged = [...result.failed.map((f) => f.error.exitCode), ...result.skipped.map((s) => s.exitCode)].filter((c) => c === ExitCode.integrity).length;
  if (damaged > 0) {
    return new IntegrityError(`${count(n, 'file')} could not be ${verb}, ${damaged} of them damaged; the others were`, {
      hint: 'restore the damaged files from git history (`keyfold validate` names each problem)',
    });
  }
  if (result.skipped.length === 0 && result.failed.every((f) => f.error instanceof AccessError)) {
    return new AccessError(`${count(n, 'file')} could not be ${verb} with your identities`, { hint: "a reader of those files (or their environment's CI) must run it" });
  }
  return new NotOpenedError(`${count(n, 'file')} could not be ${verb}; the others were`, {
    hint: 'each is named above: a file you cannot open needs one of its readers; one that does not parse must be fixed (`keyfold validate` names the problem)',
  });
}
