import { UsageError } from '../../kernel/errors.js';
import { printableName } from '../../kernel/names.js';
import { resolveConflict } from '../../ops/git/resolve.js';
import { Workspace } from '../../ops/context/workspace.js';
import type { CommandContext } from './context.js';

interface Options {
  ours?: true;
  theirs?: true;
}

export default async function gitResolveCommand(ctx: CommandContext, [ref, ...keys]: string[], opts: Options): Promise<void> {
  if (opts.ours === opts.theirs) throw new UsageError('pass exactly one of --ours and --theirs', { hint: 'keyfold git resolve REF --theirs [KEY…]' });
  const r = await resolveConflict(new Workspace(ctx.global), ref!, opts.ours ? 'ours' : 'theirs', keys);
  const names = (ks: string[]) => ks.map(printableName).join(', ');
  ctx.out.result(r, () =>
    [
      ...r.resolved.map((x) => `${printableName(x.key)}: ${x.side}`),
      r.keyingProblem ? `${r.file} keeps ours' data key and recipients; if theirs changed who reads it, run \`keyfold recipients sync\` before pushing` : '',
      r.staged ? `resolved: ${r.file} (added to the index; commit to finish the merge)` : `still in conflict in ${r.file}: ${names(r.remaining)} (run keyfold git resolve ${r.ref} --ours|--theirs for them)`,
    ]
      .filter(Boolean)
      .join('\n'),
  );
}
