import { count } from '../../kernel/names.js';
import { exportBundle } from '../../ops/run/export.js';
import { Workspace } from '../../ops/context/workspace.js';
import type { CommandContext } from './context.js';

interface Options {
  env: string;
  service?: string;
  ref?: string[];
  format: string;
  out?: string;
  namesOnly?: true;
  name?: string;
  namespace?: string;
}

export default async function exportCommand(ctx: CommandContext, _args: string[], opts: Options): Promise<void> {
  const r = await exportBundle(new Workspace(ctx.global), {
    env: opts.env,
    service: opts.service,
    refs: opts.ref,
    command: 'export',
    format: opts.format,
    namesOnly: opts.namesOnly === true,
    out: opts.out,
    name: opts.name,
    namespace: opts.namespace,
  });
  if (r.text) ctx.out.raw(r.text.reveal());
  else ctx.out.info(`wrote ${count(r.names.length, 'variable')} to ${r.file} (mode 0600)`);
}
