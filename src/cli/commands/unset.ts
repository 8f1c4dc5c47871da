import { unsetValue } from '../../ops/set-value.js';
import { Workspace } from '../../ops/workspace.js';
import type { CommandContext } from '../program.js';

export default async function unsetCommand(ctx: CommandContext, [ref, key]: string[]): Promise<void> {
  const r = await unsetValue(new Workspace(ctx.global), ref!, key!);
  ctx.out.result(r, () => `removed: ${r.ref} ${r.key}`);
}
