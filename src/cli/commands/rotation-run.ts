import { count, plural, printableName as p } from '../../kernel/names.js';
import { runRotations, type RotationOutcome } from '../../ops/rotation/run.js';
import { Workspace } from '../../ops/context/workspace.js';
import type { CommandContext } from './context.js';

interface Options {
  due?: true;
  env?: string;
  plan?: true;
  commit: boolean;
}

const describe = (o: RotationOutcome) =>
  `${o.action.padEnd(12)} ${p(o.rotation)}  ${p(o.ref)} ${p(o.key)}` +
  (o.revoked.length ? `; revoked ${count(o.revoked.length, 'old credential')}` : '') +
  (o.waiting ? `; ${count(o.waiting, 'old credential')} ${plural(o.waiting, 'waits', 'wait')} for sync and the grace` : '') +
  (o.nextDue ? `; next due ${o.nextDue.slice(0, 10)}` : '') +
  (o.error ? `\n    ${o.error}` : '');

/** Exit 1 when a rotation failed (the others still run). */
export default async function rotationRunCommand(ctx: CommandContext, names: string[], opts: Options): Promise<number> {
  const outcomes = await runRotations(new Workspace(ctx.global), { names, env: opts.env, due: opts.due === true, plan: opts.plan === true, noCommit: !opts.commit });
  ctx.out.result(outcomes, () => outcomes.map(describe).join('\n') || `no rotations${opts.env ? ` of ${opts.env}` : ''} in keyfold.yaml`);
  return outcomes.some((o) => o.action === 'failed') ? 1 : 0;
}
