import { addMember, removeMember } from '../../ops/member.js';
import { Workspace } from '../../ops/workspace.js';
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
      r.exposure.length ? `${r.name} can read these refs now; rotate their values (the data keys change with \`keyfold recipients sync\`):` : `${r.name} could read no existing ref`,
      ...r.exposure.map((e) => `  ${e.ref}: ${e.keys.join(', ') || '(no keys)'}  [${e.via.join(', ')}]`),
      'next: `keyfold recipients sync` gives those files fresh data keys',
    ].join('\n'),
  );
}
