import { encodeValue } from '../../formats/registry.js';
import { getValue } from '../../ops/secrets/read-values.js';
import { Workspace } from '../../ops/context/workspace.js';
import type { CommandContext } from './context.js';

export default async function getCommand(ctx: CommandContext, [ref, key]: string[]): Promise<void> {
  const v = (await getValue(new Workspace(ctx.global), ref!, key!)).reveal();
  ctx.out.value(v, () => encodeValue(v));
}
