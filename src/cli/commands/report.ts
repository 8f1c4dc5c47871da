import { resolve } from 'node:path';
import { writeReport } from '../../ops/audit/report.js';
import { Workspace } from '../../ops/context/workspace.js';
import type { CommandContext } from '../program.js';

export default async function reportCommand(ctx: CommandContext, _args: string[], opts: Record<string, unknown>): Promise<void> {
  const r = await writeReport(new Workspace(ctx.global), resolve(ctx.io.cwd, opts['html'] as string));
  ctx.out.result(r, () => `wrote ${r.file}: ${r.refs} refs, ${r.members} members, ${r.pending} value(s) pending rotation`);
}
