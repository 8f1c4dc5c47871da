/** The CLI proper: the only place that sets the process exit code. */
import { ExitCode } from '../kernel/errors.js';
import { run } from './program.js';

export function main(version: string): void {
  // A closed pipe (`keyfold log | head`) ends the command quietly: the reader has what it wanted.
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (e: NodeJS.ErrnoException) => {
      if (e.code === 'EPIPE') process.exit(0);
      throw e;
    });
  }
  // A command that never settles (a bug: a promise nobody resolves) must not look like
  // success when the event loop runs dry; a scheduled job would report it green.
  let finished = false;
  process.on('beforeExit', () => {
    if (finished) return;
    finished = true;
    process.stderr.write('keyfold: internal error (the command ended without finishing); this is a bug in keyfold — rerun with KEYFOLD_DEBUG=1 and report it\n');
    process.exitCode = ExitCode.internal;
  });
  void run(
    process.argv.slice(2),
    {
      stdout: process.stdout,
      stderr: process.stderr,
      // On first use: opening stdin builds a stream (milliseconds) most commands never read.
      get stdin() {
        return process.stdin;
      },
      env: process.env,
      cwd: process.cwd(),
    },
    version,
  ).then((code) => {
    finished = true;
    process.exitCode = code;
  });
}

/** One command in process, for the build's code-cache warm-up (scripts/code-cache.cjs). */
export { run } from './program.js';
