/** Entry point: the only place that exits the process. */
declare const KEYFOLD_VERSION: string;
const version = typeof KEYFOLD_VERSION === 'string' ? KEYFOLD_VERSION : '0.0.0-dev';

const argv = process.argv.slice(2);
if (argv.length === 1 && (argv[0] === '--version' || argv[0] === '-V')) {
  // Fast path: no module loading for the most common scripted call.
  process.stdout.write(version + '\n');
} else {
  const { run } = await import('./program.js');
  process.exitCode = await run(argv, { stdout: process.stdout, stderr: process.stderr, stdin: process.stdin, env: process.env, cwd: process.cwd() }, version);
}
