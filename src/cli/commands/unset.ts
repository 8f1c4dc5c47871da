import { unsetValue } from '../../ops/secrets/set-value.js';
import { Workspace } from '../../ops/context/workspace.js';
import type { CommandContext } from './context.js';

export default async function unsetCommand(ctx: CommandContext, [ref, key]: string[]): Promise<void> {
  const r = await unsetValue(new Workspace(ctx.global), ref!, key!);
  ctx.out.result(r, () => `removed: ${r.ref} ${r.key}`);
}
