// Build step (scripts/build.mjs): V8's code cache for dist/keyfold-cli.js, written to
// dist/keyfold-cli.cache as SHA-256(bundle ‖ cache) ‖ cache (src/cli/bin.ts loads it).
//
//   node scripts/code-cache.cjs          make a scratch repository, then run
//   node scripts/code-cache.cjs --warm DIR   (internal) run `get` in DIR and write the cache
//
// The cache is taken after a real `keyfold get` ran, so it holds the functions a short
// read compiles (commander, the workspace, YAML, age, AES-GCM), not only the top level.
const { execFileSync } = require('node:child_process');
const { createHash } = require('node:crypto');
const { mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } = require('node:fs');
const { createRequire } = require('node:module');
const { tmpdir } = require('node:os');
const { join, resolve } = require('node:path');
const { Script } = require('node:vm');

const dist = resolve(__dirname, '..', 'dist');
const file = join(dist, 'keyfold-cli.js');

if (process.argv[2] === '--warm') {
  const dir = process.argv[3];
  const source = readFileSync(file);
  const script = new Script(`(function (exports, require, module, __filename, __dirname) {${source.toString('utf8')}\n})`, { filename: file });
  const module = { exports: {} };
  script.runInThisContext()(module.exports, createRequire(file), module, file, dist);
  process.chdir(dir);
  process.argv = [process.argv[0], join(dist, 'keyfold.js'), 'get', 'dev/app/db', 'PASSWORD', '--identity', join(dir, 'key.txt')];
  process.stdout.write = () => true;
  process.on('exit', () => {
    const out = join(dist, 'keyfold-cli.cache');
    const data = script.createCachedData();
    writeFileSync(out + '.tmp', Buffer.concat([createHash('sha256').update(source).update(data).digest(), data]));
    renameSync(out + '.tmp', out);
  });
  module.exports.main('0.0.0');
} else {
  const dir = mkdtempSync(join(tmpdir(), 'keyfold-code-cache-'));
  try {
    const env = { PATH: process.env.PATH ?? '', HOME: dir };
    const kf = (...args) => execFileSync(process.execPath, [join(dist, 'keyfold.js'), ...args], { cwd: dir, env, stdio: ['pipe', 'pipe', 'pipe'], input: 'cache-warm-up' });
    const recipient = kf('keygen', '-o', join(dir, 'key.txt')).toString().trim();
    kf('init', '.', '--admin', 'build', '--recipient', recipient);
    kf('set', 'dev/app/db', 'PASSWORD', '--stdin', '--identity', join(dir, 'key.txt'));
    execFileSync(process.execPath, [__filename, '--warm', dir], { env, stdio: 'inherit' });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
