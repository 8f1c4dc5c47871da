import { count, printableName as p } from '../../kernel/names.js';
import { applyPromote, planPromote, type PromoteEntry } from '../../ops/secrets/promote.js';
import { Workspace } from '../../ops/context/workspace.js';
import type { CommandContext } from './context.js';

interface Options {
  path?: string;
  keys?: string;
  plan?: true;
}

const describe = (e: PromoteEntry) =>
  [
    `${e.action.padEnd(9)} ${p(e.from)} → ${p(e.to)}`,
    ...e.added.map((k) => `    + ${p(k)}`),
    ...e.changed.map((k) => `    ~ ${p(k)}${e.action === 'replace' ? ' (write-only replacement)' : ''}`),
    ...(e.unchanged.length ? [`    = ${e.unchanged.length} unchanged`] : []),
  ].join('\n');

export default async function promoteCommand(ctx: CommandContext, [from, to]: string[], opts: Options): Promise<void> {
  const ws = new Workspace(ctx.global);
  const keys = opts.keys?.split(',').map((k) => k.trim()).filter(Boolean);
  const plan = await planPromote(ws, from!, to!, { path: opts.path, keys });
  const changes = plan.entries.filter((e) => e.action !== 'unchanged');
  if (opts.plan || changes.length === 0) {
    ctx.out.result({ ...plan, applied: false }, () => (plan.entries.map(describe).join('\n') || 'nothing to promote') + (changes.length ? '\n(plan only: run without --plan to apply)' : '\nnothing to change'));
    return;
  }
  ctx.out.info(plan.entries.map(describe).join('\n'));
  const written = await applyPromote(ws, plan);
  ctx.out.result({ ...plan, applied: true, written: written.map((e) => e.to) }, () => `promoted ${count(written.length, 'ref')} from ${plan.from} to ${plan.to}`);
}
