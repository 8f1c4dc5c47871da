import { applyRecipients, planRecipients } from '../../ops/policy/recipients-sync.js';
import { Workspace } from '../../ops/context/workspace.js';
import type { CommandContext } from '../program.js';
import { failureError, planLines, progress, resultLines } from '../render/recipient-plan.js';

export default async function rotateCommand(ctx: CommandContext, [prefix]: string[], opts: Record<string, unknown>): Promise<void> {
  const ws = new Workspace(ctx.global);
  const plan = await planRecipients(ws, { prefix: prefix?.replace(/\/+$/, ''), rekey: () => 'rotate: fresh data key' });
  if (opts['dryRun']) {
    ctx.out.result({ changes: plan.changes }, () => planLines(plan).join('\n'));
    return;
  }
  ctx.out.info(planLines(plan).join('\n'));
  const result = await applyRecipients(ws, plan, progress(ctx));
  ctx.out.result({ applied: result.applied.map((e) => e.ref), failed: result.failed.map((f) => ({ ref: f.entry.ref, error: f.error.message })) }, () => resultLines(result).join('\n'));
  const failure = failureError(result, 'rotated');
  if (failure) throw failure;
}
