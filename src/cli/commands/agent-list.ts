import { listSessions } from '../../ops/agent/sessions.js';
import { Workspace } from '../../ops/context/workspace.js';
import type { CommandContext } from './context.js';

export default async function agentListCommand(ctx: CommandContext): Promise<void> {
  const sessions = listSessions(new Workspace(ctx.global));
  ctx.out.result(sessions, () =>
    sessions.length === 0
      ? 'no agent sessions'
      : sessions.map((s) => `${s.id}  ${(s.name ?? '').padEnd(16)} ${s.status.padEnd(8)} ${s.expires ?? ''}  uses ${s.uses}  scope ${s.scope?.join(', ') ?? '?'}`).join('\n'),
  );
}
