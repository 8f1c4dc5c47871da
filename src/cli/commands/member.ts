import { addMember, removeMember } from '../../ops/policy/member.js';
import { Workspace } from '../../ops/context/workspace.js';
import type { CommandContext } from '../program.js';

export default async function memberCommand(ctx: CommandContext, [name]: string[], opts: Record<string, unknown>): Promise<void> {
  const ws = new Workspace(ctx.global);
  if (ctx.command === 'member add') {
    const r = await addMember(ws, name!, {
      recipient: opts['recipient'] as string,
      role: opts['role'] as string | undefined,
      github: opts['github'] as string | undefined,
      kind: opts['kind'] as 'human' | 'machine' | 'agent' | undefined,
    });
    ctx.out.result(r, () => `added member ${r.name}${r.role ? ` (role ${r.role})` : ''} — next: \`keyfold recipients sync\` to re-encrypt for them`);
    return;
  }
  const r = await removeMember(ws, name!);
  ctx.out.result(r, () =>
    [
      `removed member ${r.name} from the policy`,
      r.exposure.length
        ? `${r.name} could read these keys at some point in history — rotate their values (recorded in policies/rotations.yaml; track with \`keyfold rotation status\`):`
        : `${r.name} was never a recipient of any file`,
      ...r.exposure.map((e) => `  ${e.ref}${e.deleted ? ' (file deleted since)' : ''}: ${e.keys.join(', ') || '(no keys)'}`),
      'next: `keyfold recipients sync` gives the files they can still open fresh data keys',
    ].join('\n'),
  );
}
