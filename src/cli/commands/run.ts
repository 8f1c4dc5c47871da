import { count } from '../../kernel/names.js';
import { AccessError, UsageError } from '../../kernel/errors.js';
import { resolveRequest } from '../../ops/run/resolve.js';
import { runChild } from '../../ops/run/run.js';
import { Workspace } from '../../ops/context/workspace.js';
import type { CommandContext } from './context.js';

interface Options {
  env: string;
  service?: string;
  ref?: string[];
  redact: boolean;
}

/** The child's exit status is keyfold's (128 + n when a signal ended it). */
export default async function runCommand(ctx: CommandContext, command: string[], opts: Options): Promise<number> {
  if (command.length === 0) throw new UsageError('run needs a command after --', { hint: 'keyfold run --env dev --service api -- npm start' });
  const ws = new Workspace(ctx.global);
  if (!opts.redact && ws.session) throw new AccessError(`--no-redact is refused under agent session ${ws.session.bundle.id}`, { hint: "an agent's transcript must not hold secrets" });
  const bundle = await resolveRequest(ws, { env: opts.env, service: opts.service, refs: opts.ref, command: 'run' });
  ctx.out.info(`keyfold: ${count(bundle.values.size, 'variable')} from ${count(bundle.refs.length, 'ref')} of ${opts.env}${opts.redact ? '' : ' (output not redacted)'}`);
  return runChild({
    command,
    values: bundle.values,
    baseEnv: ctx.io.env,
    redact: opts.redact,
    cwd: ctx.io.cwd,
    stdout: ctx.io.stdout,
    stderr: ctx.io.stderr,
  });
}
