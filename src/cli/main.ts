/** The CLI proper: the only place that sets the process exit code. */
import { run } from './program.js';

export function main(version: string): void {
  void run(
    process.argv.slice(2),
    { stdout: process.stdout, stderr: process.stderr, stdin: process.stdin, env: process.env, cwd: process.cwd() },
    version,
  ).then((code) => {
    process.exitCode = code;
  });
}
