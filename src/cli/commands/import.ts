import { printableName as p } from '../../kernel/names.js';
import { UsageError } from '../../kernel/errors.js';
import { importFile } from '../../ops/secrets/import.js';
import { Workspace } from '../../ops/context/workspace.js';
import type { CommandContext } from './context.js';

interface Options {
  ref: string;
  format?: 'dotenv' | 'json' | 'yaml';
  fromSops?: true;
  overwrite?: true;
}

export default async function importCommand(ctx: CommandContext, [file]: string[], opts: Options): Promise<void> {
  if (opts.fromSops && opts.format) throw new UsageError('--format applies to plaintext files; a sops file says what it is', { hint: 'drop --format with --from-sops' });
  const r = await importFile(new Workspace(ctx.global), file!, { ref: opts.ref, format: opts.format, fromSops: opts.fromSops === true, overwrite: opts.overwrite === true });
  ctx.out.result(r, () =>
    [
      `${p(r.ref)} (${p(r.file)}):`,
      ...r.added.map((k) => `  + ${p(k)}`),
      ...r.overwritten.map((k) => `  ~ ${p(k)} (overwritten)`),
      ...(r.unchanged.length ? [`  = ${r.unchanged.length} unchanged`] : []),
    ].join('\n'),
  );
}
