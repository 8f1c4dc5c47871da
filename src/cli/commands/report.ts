import { count } from '../../kernel/names.js';
import { resolve } from 'node:path';
import { writeReport } from '../../ops/audit/report.js';
import { Workspace } from '../../ops/context/workspace.js';
import type { CommandContext } from './context.js';
import { warnSkipped } from '../render/skipped.js';

interface Options {
  html: string;
}

/** Files it could not read are left out of the matrix, listed on the page and warned about; the exit stays 0. */
export default async function reportCommand(ctx: CommandContext, _args: string[], opts: Options): Promise<void> {
  const r = await writeReport(new Workspace(ctx.global), resolve(ctx.io.cwd, opts.html));
  ctx.out.result(r, () => `wrote ${r.file}: ${count(r.refs, 'ref')}, ${count(r.members, 'member')}, ${count(r.pending, 'value')} pending rotation${r.skipped.length ? `, ${count(r.skipped.length, 'file')} not read` : ''}`);
  warnSkipped(ctx.out, r.skipped, 'not in the report:');
}
