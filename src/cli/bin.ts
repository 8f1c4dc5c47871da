/**
 * The `keyfold` executable: answers `--version` without loading anything, else hands
 * over to the bundled CLI (dist/keyfold-cli.js).
 *
 * The bundle is compiled with V8's code cache when dist/keyfold-cli.cache holds one
 * for exactly this bundle (made by scripts/code-cache.cjs at build time: the SHA-256
 * of the bundle and the cache, then the cache): compiling 600 kB of JavaScript is most
 * of what a short command like `get` costs. V8 checks a cache against its own version
 * and flags (and compiles normally when it does not fit) but against its source only by
 * length, and not at all for damage: the hash covers both. Without a cache that
 * matches, a plain require.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { Script } from 'node:vm';

declare const KEYFOLD_VERSION: string;

type Cli = { main(version: string): void };

/** The CLI bundle through the code cache, or undefined when there is no cache for it. */
function loadCached(): Cli | undefined {
  const file = join(__dirname, 'keyfold-cli.js');
  let cache: Buffer;
  try {
    cache = readFileSync(join(__dirname, 'keyfold-cli.cache'));
  } catch {
    return undefined;
  }
  const source = readFileSync(file);
  const data = cache.subarray(32);
  if (data.length === 0 || !createHash('sha256').update(source).update(data).digest().equals(cache.subarray(0, 32))) return undefined;
  const script = new Script(`(function (exports, require, module, __filename, __dirname) {${source.toString('utf8')}\n})`, {
    filename: file,
    cachedData: data,
  });
  const module = { exports: {} as Cli };
  (script.runInThisContext() as (...a: unknown[]) => void)(module.exports, createRequire(file), module, file, __dirname);
  return module.exports;
}

const args = process.argv.slice(2);
if (args.length === 1 && (args[0] === '--version' || args[0] === '-V')) {
  process.stdout.write(KEYFOLD_VERSION + '\n');
} else {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  (loadCached() ?? (require('./keyfold-cli.js') as Cli)).main(KEYFOLD_VERSION);
}
