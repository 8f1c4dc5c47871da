import { addMember } from '../../ops/policy/member.js';
import { Workspace } from '../../ops/context/workspace.js';
import type { CommandContext } from './context.js';

interface Options {
  recipient: string;
  role?: string;
  github?: string;
  kind: 'human' | 'machine' | 'agent';
}

export default async function memberAddCommand(ctx: CommandContext, [name]: string[], opts: Options): Promise<void> {
  const r = await addMember(new Workspace(ctx.global), name!, { recipient: opts.recipient, role: opts.role, github: opts.github, kind: opts.kind });
  ctx.out.result(r, () => `added member ${r.name}${r.role ? ` (role ${r.role})` : ''} — next: \`keyfold recipients sync\` to re-encrypt for them`);
}
