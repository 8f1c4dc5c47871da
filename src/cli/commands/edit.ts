import { editRef } from '../../ops/secrets/edit.js';
import { Workspace } from '../../ops/context/workspace.js';
import type { CommandContext } from './context.js';
import { askYesNo } from '../io/stdin.js';

export default async function editCommand(ctx: CommandContext, [ref]: string[]): Promise<void> {
  const editor = ctx.io.env['VISUAL'] || ctx.io.env['EDITOR'] || 'vi';
  const r = await editRef(new Workspace(ctx.global), ref!, {
    editor,
    retryAfterInvalid: ctx.io.stdin.isTTY
      ? async (e) => {
          ctx.out.error(e.message);
          return askYesNo(ctx.io.stdin, ctx.out, 'Re-open the editor? [Y/n] ');
        }
      : undefined,
  });
  ctx.out.result(r, () => `${r.action}: ${r.ref}`);
}
