/** The CLI proper: the only place that sets the process exit code. */
import { run } from './program.js';

export function main(version: string): void {
  // A closed pipe (`keyfold log | head`) ends the command quietly: the reader has what it wanted.
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (e: NodeJS.ErrnoException) => {
      if (e.code === 'EPIPE') process.exit(0);
      throw e;
    });
  }
  void run(
    process.argv.slice(2),
    { stdout: process.stdout, stderr: process.stderr, stdin: process.stdin, env: process.env, cwd: process.cwd() },
    version,
  ).then((code) => {
    process.exitCode = code;
  });
}
