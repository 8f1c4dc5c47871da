import { revoke } from '../../ops/agent/sessions.js';
import { Workspace } from '../../ops/context/workspace.js';
import type { CommandContext } from './context.js';

export default async function agentRevokeCommand(ctx: CommandContext, [id]: string[]): Promise<void> {
  const s = revoke(new Workspace(ctx.global), id!);
  ctx.out.result(s, () =>
    [`revoked agent session ${s.id}${s.name ? ` (${s.name})` : ''}; it was used ${s.uses} time(s). If the agent leaked what it read, rotate:`, ...Object.entries(s.keys ?? {}).map(([ref, ks]) => `  ${ref}: ${ks.join(', ')}`)].join('\n'),
  );
}
