/**
 * `run`: a child process with a bundle in its environment. Nothing is written to disk.
 * The child inherits stdin; its stdout and stderr pass through the redactor (unless
 * turned off); SIGINT, SIGTERM and SIGHUP are forwarded; its exit code is returned
 * (128 + n when a signal ended it). keyfold's own identity variables never reach it.
 */
import { withoutIdentityVariables } from '../../kernel/names.js';
import { spawn } from 'node:child_process';
import type { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { CommandStartError, KeyfoldError } from '../../kernel/errors.js';
import type { Secret } from '../../kernel/secret.js';
import { Redactor } from './redactor.js';

export interface RunChildOptions {
  command: readonly string[];
  values: ReadonlyMap<string, Secret<string>>;
  /** The environment the child starts from (keyfold's own, minus identity variables). */
  baseEnv: NodeJS.ProcessEnv;
  redact: boolean;
  cwd: string;
  stdout: Writable;
  stderr: Writable;
}

/** The child's environment: the base without identity variables, plus the bundle. */
export function childEnvironment(base: NodeJS.ProcessEnv, values: ReadonlyMap<string, Secret<string>>): Record<string, string> {
  // Identity variables removed (S7).
  const env = withoutIdentityVariables(base);
  for (const [k, v] of values) env[k] = v.reveal();
  return env;
}

const FORWARDED: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];
const SIGNAL_NUMBERS: Record<string, number> = { SIGHUP: 1, SIGINT: 2, SIGQUIT: 3, SIGKILL: 9, SIGPIPE: 13, SIGTERM: 15 };

/** Run the child to its end; returns its exit status as keyfold should exit with it. */
export async function runChild(options: RunChildOptions): Promise<number> {
  const [file, ...args] = options.command;
  if (!file) throw new KeyfoldError('no command to run', { hint: 'put the command after --, e.g. keyfold run --env dev --service api -- npm start' });
  const redactor = options.redact ? new Redactor(new Map([...options.values].map(([k, v]) => [k, v.reveal()]))) : undefined;
  const piped = redactor?.active === true;
  const child = spawn(file, args, {
    cwd: options.cwd,
    env: childEnvironment(options.baseEnv, options.values),
    stdio: ['inherit', piped ? 'pipe' : 'inherit', piped ? 'pipe' : 'inherit'],
  });
  const forward = (signal: NodeJS.Signals) => {
    if (child.exitCode === null && child.signalCode === null) child.kill(signal);
  };
  for (const s of FORWARDED) process.on(s, forward);
  try {
    const streams = piped
      ? [pump(child.stdout!, redactor!, options.stdout), pump(child.stderr!, redactor!, options.stderr)]
      : [];
    const status = await new Promise<number>((resolve, reject) => {
      child.once('error', (e: NodeJS.ErrnoException) => {
        if (e.code === 'ENOENT') reject(new CommandStartError(`command not found: ${file.slice(0, 200)}`, true));
        else if (e.code === 'EACCES') reject(new CommandStartError(`command not executable: ${file.slice(0, 200)}`, false));
        else reject(new KeyfoldError(`cannot start ${file.slice(0, 200)} (${e.code ?? 'error'})`));
      });
      child.once('close', (code, signal) => resolve(signal ? 128 + (SIGNAL_NUMBERS[signal] ?? 0) : (code ?? 0)));
    });
    await Promise.all(streams);
    return status;
  } finally {
    for (const s of FORWARDED) process.removeListener(s, forward);
  }
}

/** Child output through the redactor into keyfold's stream; a closed reader on our side ends quietly. */
async function pump(from: Readable, redactor: Redactor, to: Writable): Promise<void> {
  try {
    await pipeline(from, redactor.stream(), to, { end: false });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EPIPE' && (e as NodeJS.ErrnoException).code !== 'ERR_STREAM_PREMATURE_CLOSE') throw e;
    from.resume();
  }
}
