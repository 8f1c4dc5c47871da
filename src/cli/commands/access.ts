import { memberAccess, refAccess } from '../../ops/access.js';
import { Workspace } from '../../ops/workspace.js';
import type { CommandContext } from '../program.js';

export default async function accessCommand(ctx: CommandContext, [ref]: string[], opts: Record<string, unknown>): Promise<void> {
  const ws = new Workspace(ctx.global);
  const member = opts['member'] as string | undefined;
  if (member) {
    const a = await memberAccess(ws, member);
    ctx.out.result(a, () =>
      [
        `${a.member} (${a.kind}${a.roles.length ? `, roles: ${a.roles.join(', ')}` : ', no role'})`,
        `  read:  ${a.read.join(', ') || '(none)'}`,
        `  write: ${a.write.join(', ') || '(none)'}`,
        ...(a.breakglass.length ? [`  break-glass (with other custodians): ${a.breakglass.join(', ')}`] : []),
      ].join('\n'),
    );
    return;
  }
  const rows = await refAccess(ws, ref);
  ctx.out.result(rows, () =>
    rows
      .map((r) =>
        [
          `${r.ref}${r.exists ? '' : ' (no file yet)'}`,
          `  read:  ${r.readers.join(', ') || '(nobody)'}`,
          `  write: ${r.writers.join(', ') || '(nobody)'}`,
          ...(r.breakglass.length ? [`  break-glass: ${r.breakglass.join(', ')}`] : []),
        ].join('\n'),
      )
      .join('\n'),
  );
}
