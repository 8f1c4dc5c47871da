/**
 * The `keyfold` executable: answers `--version` without loading anything, else hands
 * over to the bundled CLI (dist/keyfold-cli.js).
 */
declare const KEYFOLD_VERSION: string;

const args = process.argv.slice(2);
if (args.length === 1 && (args[0] === '--version' || args[0] === '-V')) {
  process.stdout.write(KEYFOLD_VERSION + '\n');
} else {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  (require('./keyfold-cli.js') as { main(version: string): void }).main(KEYFOLD_VERSION);
}
