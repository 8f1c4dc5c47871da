import { printableName as p } from '../../kernel/names.js';
import { rotationStatus } from '../../ops/audit/exposure.js';
import { Workspace } from '../../ops/context/workspace.js';
import type { CommandContext } from './context.js';

interface Options {
  decrypt?: boolean;
}

export default async function rotationStatusCommand(ctx: CommandContext, _args: string[], opts: Options): Promise<void> {
  const items = await rotationStatus(new Workspace(ctx.global), { decrypt: opts.decrypt === true });
  const pending = items.filter((i) => i.status === 'pending');
  ctx.out.result({ pending: pending.length, items }, () => {
    if (items.length === 0) return 'no removals recorded (policies/rotations.yaml)';
    const lines = items.map((i) => `  ${i.status.padEnd(7)}  ${p(i.ref)} ${p(i.key)}  (${p(i.member)}, removed ${p(i.removed.slice(0, 10))}${i.sha ? `; rotated in ${i.sha.slice(0, 12)}` : ''})`);
    return [`${pending.length} of ${items.length} exposed value(s) still to rotate:`, ...lines].join('\n');
  });
}
