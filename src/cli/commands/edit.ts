import { editRef } from '../../ops/secrets/edit.js';
import { Workspace } from '../../ops/context/workspace.js';
import type { CommandContext } from '../program.js';
import { askYesNo } from '../stdin.js';

export default async function editCommand(ctx: CommandContext, [ref]: string[]): Promise<void> {
  const editor = ctx.io.env['VISUAL'] || ctx.io.env['EDITOR'] || 'vi';
  const r = await editRef(new Workspace(ctx.global), ref!, {
    editor,
    retryAfterInvalid: ctx.io.stdin.isTTY
      ? async (e) => {
          ctx.io.stderr.write(`keyfold: ${e.message}\n`);
          return askYesNo(ctx.io, 'Re-open the editor? [Y/n] ');
        }
      : undefined,
  });
  ctx.out.result(r, () => `${r.action}: ${r.ref}`);
}
