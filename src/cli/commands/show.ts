import { documentFormat } from '../../formats/registry.js';
import { showRef } from '../../ops/secrets/read-values.js';
import { Workspace } from '../../ops/context/workspace.js';
import type { CommandContext } from '../program.js';

export default async function showCommand(ctx: CommandContext, [ref]: string[], opts: Record<string, unknown>): Promise<void> {
  const doc = (await showRef(new Workspace(ctx.global), ref!)).reveal();
  ctx.out.raw(documentFormat(opts['json'] ? 'json' : (opts['format'] as string)).encode(doc));
}
