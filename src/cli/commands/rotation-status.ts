import { count, plural, printableName as p } from '../../kernel/names.js';
import { configuredRotations, rotationStatus, type ConfiguredRotation } from '../../ops/audit/exposure.js';
import { Workspace } from '../../ops/context/workspace.js';
import type { CommandContext } from './context.js';

interface Options {
  decrypt?: boolean;
}

const day = (t?: string) => (t ? t.slice(0, 10) : 'never');

function describeRotation(r: ConfiguredRotation): string {
  const waiting = r.pending.length ? `; ${count(r.pending.length, 'old credential')} ${plural(r.pending.length, 'waits', 'wait')} for revoke (${r.pending.some((x) => x.synced) ? 'synced everywhere, in the grace' : 'not yet synced everywhere'})` : '';
  return `  ${(r.due ? 'due' : 'ok').padEnd(7)}  ${p(r.rotation)}  ${p(r.ref)} ${p(r.key)}  (${p(r.rotator)}, every ${p(r.every)}; last rotated ${day(r.lastRotated)}; next due ${r.nextDue ? day(r.nextDue) : 'now'}${waiting})`;
}

export default async function rotationStatusCommand(ctx: CommandContext, _args: string[], opts: Options): Promise<void> {
  const ws = new Workspace(ctx.global);
  const items = await rotationStatus(ws, { decrypt: opts.decrypt === true });
  const rotations = await configuredRotations(ws);
  const pending = items.filter((i) => i.status === 'pending');
  ctx.out.result({ pending: pending.length, items, rotations }, () => {
    const out: string[] = [];
    if (items.length === 0) out.push('no removals recorded (policies/rotations.yaml)');
    else {
      out.push(`${pending.length} of ${count(items.length, 'exposed value')} still to rotate:`);
      out.push(...items.map((i) => `  ${i.status.padEnd(7)}  ${p(i.ref)} ${p(i.key)}  (${p(i.member)}, removed ${p(i.removed.slice(0, 10))}${i.sha ? `; rotated in ${i.sha.slice(0, 12)}` : ''})`));
    }
    if (rotations.length > 0) {
      const due = rotations.filter((r) => r.due).length;
      out.push(`${count(rotations.length, 'credential rotation')} in keyfold.yaml, ${due} due:`, ...rotations.map(describeRotation));
    }
    return out.join('\n');
  });
}
