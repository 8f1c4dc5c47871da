import { documentFormat } from '../../formats/registry.js';
import { showRef } from '../../ops/secrets/read-values.js';
import { Workspace } from '../../ops/context/workspace.js';
import type { CommandContext } from './context.js';

interface Options {
  format: 'yaml' | 'json' | 'dotenv';
  json?: boolean;
}

export default async function showCommand(ctx: CommandContext, [ref]: string[], opts: Options): Promise<void> {
  const doc = (await showRef(new Workspace(ctx.global), ref!)).reveal();
  ctx.out.raw(documentFormat(opts.json ? 'json' : opts.format).encode(doc));
}
