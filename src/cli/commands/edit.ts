import { statSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseSopsFormat } from '../../formats/stores/registry.js';
import { editPath, editRef, type EditOptions } from '../../ops/secrets/edit.js';
import { Workspace } from '../../ops/context/workspace.js';
import type { CommandContext } from './context.js';
import { askYesNo } from '../io/stdin.js';

interface Options {
  inputType?: string;
}

/** `edit REF`, or sops-style `edit FILE` when the argument is an existing file. */
export default async function editCommand(ctx: CommandContext, [target]: string[], opts: Options): Promise<void> {
  const ws = new Workspace(ctx.global);
  const options: EditOptions = {
    editor: ctx.io.env['VISUAL'] || ctx.io.env['EDITOR'] || 'vi',
    env: ctx.io.env,
    retryAfterInvalid: ctx.io.stdin.isTTY
      ? async (e) => {
          ctx.out.error(e.message);
          return askYesNo(ctx.io.stdin, ctx.out, 'Re-open the editor? [Y/n] ');
        }
      : undefined,
  };
  if (statSync(resolve(ws.cwd, target!), { throwIfNoEntry: false })?.isFile()) {
    const inputType = opts.inputType === undefined ? undefined : parseSopsFormat(opts.inputType, '--input-type');
    const r = await editPath(ws, target!, { ...options, inputType });
    ctx.out.result(r, () => `${r.action}: ${r.ref ?? r.file}`);
    return;
  }
  const r = await editRef(ws, target!, options);
  ctx.out.result(r, () => `${r.action}: ${r.ref}`);
}
