import { applyRecipients, planRecipients } from '../../ops/policy/recipients-sync.js';
import { Workspace } from '../../ops/context/workspace.js';
import type { CommandContext } from './context.js';
import { failureError, planLines, resultLines } from '../render/recipient-plan.js';

interface Options {
  dryRun?: boolean;
}

export default async function rotateCommand(ctx: CommandContext, [prefix]: string[], opts: Options): Promise<void> {
  const ws = new Workspace(ctx.global);
  const plan = await planRecipients(ws, { prefix: prefix?.replace(/\/+$/, ''), rekey: () => 'rotate: fresh data key' });
  if (opts.dryRun) {
    ctx.out.result({ changes: plan.changes, skipped: plan.skipped }, () => planLines(plan).join('\n'));
    return;
  }
  ctx.out.info(planLines(plan).join('\n'));
  const result = await applyRecipients(ws, plan, ctx.out.progress());
  ctx.out.result(
    { applied: result.applied.map((e) => e.ref), failed: result.failed.map((f) => ({ ref: f.entry.ref, error: f.error.message })), skipped: result.skipped },
    () => resultLines(result).join('\n'),
  );
  const failure = failureError(result, 'rotated');
  if (failure) throw failure;
}
