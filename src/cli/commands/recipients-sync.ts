import { ViolationsError } from '../../kernel/errors.js';
import { applyRecipients, planRecipients } from '../../ops/policy/recipients-sync.js';
import { Workspace } from '../../ops/context/workspace.js';
import type { CommandContext } from './context.js';
import { failureError, planLines, resultLines } from '../render/recipient-plan.js';

interface Options {
  env?: string;
  check?: boolean;
  rekeyMerged?: boolean;
}

export default async function recipientsSyncCommand(ctx: CommandContext, _args: string[], opts: Options): Promise<void> {
  const ws = new Workspace(ctx.global);
  const env = opts.env;
  const rekey = opts.rekeyMerged ? await (await import('../../ops/policy/rekey-merged.js')).mergedRekeys(ws, env) : undefined;
  const plan = await planRecipients(ws, { env, rekey });
  if (opts.check) {
    // A file that cannot be planned (damaged, refused metadata, a symlink) is drift too.
    const drift = plan.changes.length + plan.skipped.length;
    ctx.out.result({ ok: drift === 0, changes: plan.changes, skipped: plan.skipped }, () => planLines(plan).join('\n'));
    if (drift > 0) {
      throw new ViolationsError(`${drift} file(s) do not match the policy${plan.skipped.length ? ` (${plan.skipped.length} cannot be read)` : ''}`, {
        hint: plan.changes.length ? 'run `keyfold recipients sync` as a reader of those files' : 'restore the damaged files (`keyfold validate` names the problem)',
      });
    }
    return;
  }
  ctx.out.info(planLines(plan).join('\n'));
  const result = await applyRecipients(ws, plan, ctx.out.progress());
  const notDone = [...result.failed.map((f) => f.entry.ref), ...result.skipped.flatMap((s) => (s.ref !== undefined ? [s.ref] : []))];
  if (rekey) await (await import('../../ops/policy/rekey-merged.js')).recordRekeyState(ws, env, notDone);
  ctx.out.result(
    { changes: plan.changes, applied: result.applied.map((e) => e.ref), failed: result.failed.map((f) => ({ ref: f.entry.ref, error: f.error.message })), skipped: result.skipped },
    () => (plan.changes.length || result.skipped.length ? resultLines(result).join('\n') : ''),
  );
  const failure = failureError(result, 'synced');
  if (failure) throw failure;
}
