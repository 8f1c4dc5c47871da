import { blame } from '../../ops/history.js';
import { Workspace } from '../../ops/workspace.js';
import type { CommandContext } from '../program.js';

export default async function blameCommand(ctx: CommandContext, [ref]: string[]): Promise<void> {
  const lines = await blame(new Workspace(ctx.global), ref!);
  const width = Math.max(0, ...lines.map((l) => l.key.length));
  ctx.out.result(lines, () =>
    lines.map((l) => `${l.key.padEnd(width)}  ${l.sha.slice(0, 12)}  ${l.date.slice(0, 10)}  ${l.author}${l.pr !== undefined ? `  #${l.pr}` : ''}  ${l.subject}`).join('\n'),
  );
}
