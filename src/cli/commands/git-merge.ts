import { mergeDriver } from '../../ops/git/merge.js';
import { Workspace } from '../../ops/context/workspace.js';
import type { CommandContext } from './context.js';

/** Exit 0: merged into OURS. Exit 1: a conflict (OURS left as it was), which git reports. */
export default async function gitMergeCommand(ctx: CommandContext, [base, ours, theirs, path]: string[]): Promise<number> {
  const r = await mergeDriver(new Workspace(ctx.global), base!, ours!, theirs!, path!);
  for (const m of r.messages) ctx.out.error(m);
  return r.clean ? 0 : 1;
}
