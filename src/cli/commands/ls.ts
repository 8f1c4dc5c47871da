import { printableName as p } from '../../kernel/names.js';
import { listRefs } from '../../ops/secrets/read-values.js';
import { Workspace } from '../../ops/context/workspace.js';
import type { CommandContext } from './context.js';
import { warnSkipped } from '../render/skipped.js';

/** Exit 0 also when files were skipped: each is named in a warning (and in `skipped` with --json). */
export default async function lsCommand(ctx: CommandContext, [prefix]: string[]): Promise<void> {
  const { refs, skipped } = listRefs(new Workspace(ctx.global), prefix);
  ctx.out.result({ refs, skipped }, () =>
    refs.length === 0 ? '' : refs.map((r) => `${p(r.ref)}\n${r.keys.map((k) => `    ${p(k)}`).join('\n')}`).join('\n'),
  );
  warnSkipped(ctx.out, skipped);
  if (refs.length === 0 && skipped.length === 0) ctx.out.info(prefix ? `no refs under ${prefix}` : 'no refs yet — add one with `keyfold set <env>/<folder>/<name> KEY`');
}
