import { listRefs } from '../../ops/secrets/read-values.js';
import { Workspace } from '../../ops/context/workspace.js';
import type { CommandContext } from './context.js';

export default async function lsCommand(ctx: CommandContext, [prefix]: string[]): Promise<void> {
  const refs = listRefs(new Workspace(ctx.global), prefix);
  ctx.out.result(refs, () =>
    refs.length === 0 ? '' : refs.map((r) => `${r.ref}\n${r.keys.map((k) => `    ${k}`).join('\n')}`).join('\n'),
  );
  if (refs.length === 0) ctx.out.info(prefix ? `no refs under ${prefix}` : 'no refs yet — add one with `keyfold set <env>/<folder>/<name> KEY`');
}
