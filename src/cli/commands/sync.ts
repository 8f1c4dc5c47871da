import { count } from '../../kernel/names.js';
import { applySync } from '../../ops/sync/apply.js';
import { syncGroups } from '../../ops/sync/groups.js';
import { planSync, planView, type TargetPlanView } from '../../ops/sync/plan.js';
import { Workspace } from '../../ops/context/workspace.js';
import type { CommandContext } from './context.js';

interface Options {
  env?: string;
  target?: string[];
  plan?: true;
  prune?: true;
  full?: true;
  allowBranch?: true;
  json?: boolean;
}

function describe(t: TargetPlanView): string {
  const lines = [`  ${t.target}  ${t.description}  [${t.mode}: ${t.reason}]`];
  for (const u of t.upsert) lines.push(`    ${u.action === 'create' ? '+' : '~'} ${u.name}`);
  for (const d of t.delete) lines.push(`    - ${d}`);
  if (t.unchanged) lines.push(`    (${t.unchanged} unchanged)`);
  if (t.pruneDisabled) lines.push('    (--prune ignored: the sync state does not verify)');
  return lines.join('\n');
}

/** Exit 7 when a target failed (the others still complete). */
export default async function syncCommand(ctx: CommandContext, _args: string[], opts: Options): Promise<number> {
  const ws = new Workspace(ctx.global);
  const plan = await planSync(ws, { env: opts.env, targets: opts.target, full: opts.full === true, prune: opts.prune === true, allowBranch: opts.allowBranch === true });
  const view = planView(plan);
  const text = `sync plan at ${plan.head.slice(0, 12)}:\n${view.targets.map(describe).join('\n') || '  (no targets: list them under services.<name>.targets in keyfold.yaml)'}`;
  if (opts.plan) {
    ctx.out.result({ ...view, groups: syncGroups(view.targets.map((t) => ({ env: t.env, name: t.target }))) }, () => text);
    return 0;
  }
  ctx.out.info(text);
  const tty = ctx.out.progress() !== undefined;
  const outcome = await applySync(ws, plan, (e) => {
    if (e.phase === 'failed') ctx.out.info(`  ✗ ${e.target}: ${e.outcome!.error}${e.outcome!.hint ? ` — ${e.outcome!.hint}` : ''}`);
    else if (e.phase === 'done' && tty) ctx.out.info(`  ✓ ${e.target}: ${count(e.outcome!.writes, 'write')}`);
  });
  const writes = outcome.targets.reduce((n, t) => n + t.writes, 0);
  ctx.out.result({ ...view, outcome }, () =>
    [
      `synced ${outcome.targets.length - outcome.failed} of ${count(outcome.targets.length, 'target')}: ${count(writes, 'write')}, ${count(outcome.requests, 'API request')}`,
      ...outcome.targets.filter((t) => !t.ok).map((t) => `failed: ${t.target}: ${t.error}${t.hint ? ` — ${t.hint}` : ''}`),
    ].join('\n'),
  );
  return outcome.failed > 0 ? 7 : 0;
}
