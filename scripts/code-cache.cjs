// Build step (scripts/build.mjs): V8's code cache for dist/keyfold-cli.js, written to
// dist/keyfold-cli.cache as SHA-256(bundle ‖ cache) ‖ cache (src/cli/bin.ts loads it).
//
//   node scripts/code-cache.cjs          make a scratch repository, then run
//   node scripts/code-cache.cjs --warm REPO KEY   (internal) run the commands in REPO and write the cache
//
// The cache is taken after real `get`, `run`, `export`, `ls` and `validate` ran in the
// process, so it holds the functions a short read compiles (commander, the workspace,
// YAML, age, AES-GCM, keyfold.yaml's services), not only the top level.
const { execFileSync } = require('node:child_process');
const { createHash } = require('node:crypto');
const { mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } = require('node:fs');
const { createRequire } = require('node:module');
const { tmpdir } = require('node:os');
const { join, resolve } = require('node:path');
const { Script } = require('node:vm');

const dist = resolve(__dirname, '..', 'dist');
const file = join(dist, 'keyfold-cli.js');

if (process.argv[2] === '--warm') {
  const [dir, keyFile] = process.argv.slice(3);
  const source = readFileSync(file);
  const script = new Script(`(function (exports, require, module, __filename, __dirname) {${source.toString('utf8')}\n})`, { filename: file });
  const module = { exports: {} };
  script.runInThisContext()(module.exports, createRequire(file), module, file, dist);
  process.chdir(dir);
  const { Writable } = require('node:stream');
  const sink = () => new Writable({ write: (_c, _e, done) => done() });
  const io = { stdout: sink(), stderr: sink(), stdin: process.stdin, env: { ...process.env }, cwd: dir };
  const key = ['--identity', keyFile];
  (async () => {
    // The read commands a developer runs all day: their functions are then compiled ahead.
    for (const argv of [
      ['get', 'dev/app/db', 'PASSWORD', ...key],
      ['run', '--env', 'dev', '--service', 'app', ...key, '--', process.execPath, '-e', '0'],
      ['export', '--env', 'dev', '--service', 'app', '--format', 'dotenv', ...key],
      ['ls', '--json'],
      ['validate'],
    ]) {
      const code = await module.exports.run(argv, io, '0.0.0');
      if (code !== 0) throw new Error(`code cache warm-up: keyfold ${argv[0]} exited ${code}`);
    }
    const out = join(dist, 'keyfold-cli.cache');
    const data = script.createCachedData();
    writeFileSync(out + '.tmp', Buffer.concat([createHash('sha256').update(source).update(data).digest(), data]));
    renameSync(out + '.tmp', out);
  })().catch((e) => {
    console.error(e.message);
    process.exit(1);
  });
} else {
  const dir = mkdtempSync(join(tmpdir(), 'keyfold-code-cache-'));
  try {
    // The key outside the repository (validate's secret scan would report it inside).
    const repo = join(dir, 'repo');
    const keyFile = join(dir, 'key.txt');
    mkdirSync(repo);
    const env = { PATH: process.env.PATH ?? '', HOME: dir };
    const kf = (...args) => execFileSync(process.execPath, [join(dist, 'keyfold.js'), ...args], { cwd: repo, env, stdio: ['pipe', 'pipe', 'pipe'], input: 'cache-warm-up' });
    const recipient = kf('keygen', '-o', keyFile).toString().trim();
    kf('init', '.', '--admin', 'build', '--recipient', recipient);
    kf('set', 'dev/app/db', 'PASSWORD', '--stdin', '--identity', keyFile);
    writeFileSync(join(repo, 'keyfold.yaml'), readFileSync(join(repo, 'keyfold.yaml'), 'utf8').replace(/^services: \{\}$/m, 'services:\n  app:\n    imports: ["app/**"]'));
    // validate reads git: the scratch repository is committed.
    const git = (...args) => execFileSync('git', ['-c', 'user.name=build', '-c', 'user.email=build@localhost', ...args], { cwd: repo, stdio: 'ignore' });
    git('init', '-q');
    git('add', '-A');
    git('commit', '-qm', 'scratch');
    execFileSync(process.execPath, [__filename, '--warm', repo, keyFile], { env, stdio: 'inherit' });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
