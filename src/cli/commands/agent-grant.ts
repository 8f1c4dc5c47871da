import { count, printableName as p } from '../../kernel/names.js';
import { grantSession } from '../../ops/agent/grant.js';
import { Workspace } from '../../ops/context/workspace.js';
import type { CommandContext } from './context.js';

interface Options {
  scope?: string[];
  ttl: string;
  name?: string;
  bundleOut?: string;
  json?: boolean;
}

const keyList = (keys: Record<string, string[]>) => Object.entries(keys).map(([ref, ks]) => `  ${p(ref)}: ${ks.map((k) => p(k)).join(', ')}`);

/** The credential is this command's output: one KEYFOLD_SESSION line on stdout, notes on stderr. */
export default async function agentGrantCommand(ctx: CommandContext, _args: string[], opts: Options): Promise<void> {
  const r = await grantSession(new Workspace(ctx.global), { scope: opts.scope ?? [], ttl: opts.ttl, name: opts.name, bundleOut: opts.bundleOut });
  if (opts.json) {
    ctx.out.raw(JSON.stringify({ id: r.id, name: r.name, expires: r.expires, scope: r.scope, keys: r.keys, bundle: r.bundle, session: r.variable.reveal() }, null, 2) + '\n');
    return;
  }
  ctx.out.note(`agent session ${r.id} (${r.name}) until ${r.expires}: ${count(Object.keys(r.keys).length, 'ref')}; bundle ${r.bundle}`);
  ctx.out.note('if the agent leaks its credential before then, rotate:');
  for (const l of keyList(r.keys)) ctx.out.note(l);
  ctx.out.raw(r.variable.reveal() + '\n');
}
