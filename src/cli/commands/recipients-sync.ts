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
    ctx.out.result({ ok: plan.changes.length === 0, changes: plan.changes }, () => planLines(plan).join('\n'));
    if (plan.changes.length > 0) {
      throw new ViolationsError(`${plan.changes.length} file(s) do not match the policy`, { hint: 'run `keyfold recipients sync` as a reader of those files' });
    }
    return;
  }
  ctx.out.info(planLines(plan).join('\n'));
  const result = await applyRecipients(ws, plan, ctx.out.progress());
  if (rekey) await (await import('../../ops/policy/rekey-merged.js')).recordRekeyState(ws, env, result.failed.map((f) => f.entry.ref));
  ctx.out.result({ changes: plan.changes, applied: result.applied.map((e) => e.ref), failed: result.failed.map((f) => ({ ref: f.entry.ref, error: f.error.message })) }, () =>
    plan.changes.length ? resultLines(result).join('\n') : '',
  );
  const failure = failureError(result, 'synced');
  if (failure) throw failure;
}
