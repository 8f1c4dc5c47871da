import { propose } from '../../ops/propose/propose.js';
import { Workspace } from '../../ops/context/workspace.js';
import type { CommandContext } from './context.js';
import { printProposal } from './propose-output.js';
import { readValue, type ValueOptions } from './set.js';

interface Options extends ValueOptions {
  title?: string;
  body?: string;
}

export default async function proposeSetCommand(ctx: CommandContext, [ref, key]: string[], opts: Options): Promise<void> {
  const value = await readValue(ctx, key!, opts);
  const r = await propose(new Workspace(ctx.global), { kind: 'set', ref: ref!, key: key!, value, allowEmpty: opts.allowEmpty === true }, { title: opts.title, body: opts.body });
  printProposal(ctx, r);
}
