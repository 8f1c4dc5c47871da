import { propose } from '../../ops/propose/propose.js';
import { Workspace } from '../../ops/context/workspace.js';
import type { CommandContext } from './context.js';
import { printProposal } from './propose-output.js';

interface Options {
  path?: string;
  keys?: string;
  title?: string;
  body?: string;
}

export default async function proposePromoteCommand(ctx: CommandContext, [from, to]: string[], opts: Options): Promise<void> {
  const keys = opts.keys?.split(',').map((k) => k.trim()).filter(Boolean);
  const r = await propose(new Workspace(ctx.global), { kind: 'promote', from: from!, to: to!, path: opts.path, keys }, { title: opts.title, body: opts.body });
  printProposal(ctx, r);
}
