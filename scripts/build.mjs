// Bundle the CLI with esbuild into one CommonJS file. Node 20 loads a single CJS file
// much faster than a tree of ESM chunks; command modules that are imported
// dynamically are only evaluated when their command runs.
import { build } from 'esbuild';
import { chmodSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';

const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
mkdirSync('dist', { recursive: true });
// The package is ESM ("type": "module"); this marks dist/*.js as CommonJS.
writeFileSync('dist/package.json', '{ "type": "commonjs" }\n');
const common = {
  bundle: true,
  format: 'cjs',
  platform: 'node',
  target: 'node20',
  minify: true,
  legalComments: 'none',
  define: { KEYFOLD_VERSION: JSON.stringify(pkg.version) },
  logLevel: 'warning',
};
// The github target's third-party code (octokit, libsodium) is a bundle of its own,
// loaded by `sync` only: the CLI's import of targets/github/vendor.js becomes a require of it.
const githubVendor = {
  name: 'github-vendor',
  setup(b) {
    b.onResolve({ filter: /^\.\/vendor\.js$/ }, (args) => (/[\\/]targets[\\/]github$/.test(args.resolveDir) ? { path: './keyfold-github.js', external: true } : undefined));
  },
};
// The postgres rotator's `pg` is a bundle of its own too (dist/keyfold-pg.js), loaded by a
// postgres rotation only; pg's optional modules (the native binding, Cloudflare sockets)
// are never used, so they become stubs rather than require()s the package does not declare.
const pgVendor = {
  name: 'pg-vendor',
  setup(b) {
    b.onResolve({ filter: /^\.\/vendor\.js$/ }, (args) => (/[\\/]rotators[\\/]postgres$/.test(args.resolveDir) ? { path: './keyfold-pg.js', external: true } : undefined));
  },
};
const pgOptional = {
  name: 'pg-optional',
  setup(b) {
    b.onResolve({ filter: /^(pg-native|pg-cloudflare)$/ }, (a) => ({ path: a.path, namespace: 'pg-optional' }));
    b.onLoad({ filter: /.*/, namespace: 'pg-optional' }, (a) => ({ contents: `throw new Error(${JSON.stringify(`${a.path} is not bundled`)});`, loader: 'js' }));
  },
};
// Build beside the targets and rename over them, so a test run executing the previous
// build never sees a half-written file.
await build({ ...common, entryPoints: ['src/cli/main.ts'], outfile: 'dist/keyfold-cli.js.tmp', plugins: [githubVendor, pgVendor] });
await build({ ...common, entryPoints: ['src/targets/github/vendor.ts'], outfile: 'dist/keyfold-github.js.tmp' });
await build({ ...common, entryPoints: ['src/rotators/postgres/vendor.ts'], outfile: 'dist/keyfold-pg.js.tmp', plugins: [pgOptional] });
// The executable is tiny: `--version` answers without parsing the bundle.
await build({
  ...common,
  entryPoints: ['src/cli/bin.ts'],
  outfile: 'dist/keyfold.js.tmp',
  external: ['./keyfold-cli.js'],
  banner: { js: '#!/usr/bin/env node' },
});
chmodSync('dist/keyfold.js.tmp', 0o755);
renameSync('dist/keyfold-github.js.tmp', 'dist/keyfold-github.js');
renameSync('dist/keyfold-pg.js.tmp', 'dist/keyfold-pg.js');
renameSync('dist/keyfold-cli.js.tmp', 'dist/keyfold-cli.js');
renameSync('dist/keyfold.js.tmp', 'dist/keyfold.js');
