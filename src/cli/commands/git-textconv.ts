import { textconv } from '../../ops/git/textconv.js';
import { Workspace } from '../../ops/context/workspace.js';
import type { CommandContext } from './context.js';

/** git runs this for every version it shows: it prints a placeholder rather than fail. */
export default async function gitTextconvCommand(ctx: CommandContext, [file]: string[]): Promise<number> {
  ctx.out.raw(await textconv(new Workspace(ctx.global), file!));
  return 0;
}
