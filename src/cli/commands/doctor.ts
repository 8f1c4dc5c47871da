import { doctor } from '../../ops/identity/doctor.js';
import { Workspace } from '../../ops/context/workspace.js';
import type { CommandContext } from './context.js';

const MARK = { ok: 'ok  ', warn: 'warn', fail: 'FAIL' } as const;

/** Exit 1 when a check failed; warnings alone exit 0. */
export default async function doctorCommand(ctx: CommandContext): Promise<number> {
  const checks = await doctor(new Workspace(ctx.global));
  const failed = checks.some((c) => c.status === 'fail');
  ctx.out.result({ ok: !failed, checks }, () =>
    [
      ...checks.map((c) => `${MARK[c.status]}  ${c.check.padEnd(11)} ${c.message}${c.hint && c.status !== 'ok' ? `\n      → ${c.hint}` : ''}`),
      failed ? '\nsome checks failed' : '\nall checks passed' + (checks.some((c) => c.status === 'warn') ? ' (with warnings)' : ''),
    ].join('\n'),
  );
  return failed ? 1 : 0;
}
