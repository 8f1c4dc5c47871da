import { propose } from '../../ops/propose/propose.js';
import { Workspace } from '../../ops/context/workspace.js';
import type { CommandContext } from './context.js';
import { printProposal } from './propose-output.js';

interface Options {
  title?: string;
  body?: string;
}

export default async function proposeUnsetCommand(ctx: CommandContext, [ref, key]: string[], opts: Options): Promise<void> {
  const r = await propose(new Workspace(ctx.global), { kind: 'unset', ref: ref!, key: key! }, { title: opts.title, body: opts.body });
  printProposal(ctx, r);
}
