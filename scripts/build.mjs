// Bundle the CLI with esbuild into one CommonJS file. Node 20 loads a single CJS file
// much faster than a tree of ESM chunks; command modules that are imported
// dynamically are only evaluated when their command runs.
import { build } from 'esbuild';
import { common as shared, lazyChildProcess, pgOptional } from './esbuild-common.mjs';
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, renameSync, writeFileSync } from 'node:fs';

mkdirSync('dist', { recursive: true });
// The package is ESM ("type": "module"); this marks dist/*.js as CommonJS.
writeFileSync('dist/package.json', '{ "type": "commonjs" }\n');
// The worker bundle (bulk decrypt, validate: kernel/worker-pool.ts) is beside the CLI;
// the action's one-file bundle does not define it and works on one thread.
const common = { ...shared, define: { ...shared.define, KEYFOLD_WORKER: JSON.stringify('keyfold-worker.js') } };

// Heavy third-party code is a bundle of its own, loaded only when a command needs it:
// the github target (octokit, libsodium), the aws-secrets-manager target (the AWS SDK),
// the postgres rotator (pg). Each imports its packages from `./vendor.js` in its folder;
// in the CLI bundle that import becomes a require of the vendor bundle.
const VENDORS = {
  'targets/github': 'keyfold-github.js',
  'targets/aws-secrets-manager': 'keyfold-aws.js',
  'rotators/postgres': 'keyfold-pg.js',
};
// The import becomes a require of the vendor bundle inside a module that is only
// evaluated when the import runs: the CLI bundle then holds no dynamic import(), which
// a code-cached bundle (src/cli/bin.ts, run through node:vm) could not perform.
const vendors = {
  name: 'vendors',
  setup(b) {
    b.onResolve({ filter: /^\.\/vendor\.js$/ }, (args) => {
      const folder = /[\\/]src[\\/](.+)$/.exec(args.resolveDir)?.[1]?.split(/[\\/]/).join('/');
      return folder && Object.hasOwn(VENDORS, folder) ? { path: VENDORS[folder], namespace: 'vendor' } : undefined;
    });
    b.onLoad({ filter: /.*/, namespace: 'vendor' }, (args) => ({ contents: `module.exports = require('./${args.path}');`, loader: 'js' }));
    b.onResolve({ filter: /^\.\/keyfold-[a-z]+\.js$/ }, (args) => (args.namespace === 'vendor' ? { path: args.path, external: true } : undefined));
  },
};

// Build beside the targets and rename over them, so a test run executing the previous
// build never sees a half-written file.
await build({ ...common, entryPoints: ['src/cli/main.ts'], outfile: 'dist/keyfold-cli.js.tmp', plugins: [vendors, lazyChildProcess] });
await build({ ...common, entryPoints: ['src/ops/workers/worker.ts'], outfile: 'dist/keyfold-worker.js.tmp', plugins: [vendors] });
for (const [folder, out] of Object.entries(VENDORS)) {
  await build({ ...common, entryPoints: [`src/${folder}/vendor.ts`], outfile: `dist/${out}.tmp`, plugins: [pgOptional] });
}
// The executable is tiny: `--version` answers without parsing the bundle.
await build({
  ...common,
  entryPoints: ['src/cli/bin.ts'],
  outfile: 'dist/keyfold.js.tmp',
  external: ['./keyfold-cli.js'],
  banner: { js: '#!/usr/bin/env node' },
});
chmodSync('dist/keyfold.js.tmp', 0o755);
for (const out of Object.values(VENDORS)) renameSync(`dist/${out}.tmp`, `dist/${out}`);
renameSync('dist/keyfold-worker.js.tmp', 'dist/keyfold-worker.js');
renameSync('dist/keyfold-cli.js.tmp', 'dist/keyfold-cli.js');
renameSync('dist/keyfold.js.tmp', 'dist/keyfold.js');
// V8's code cache for the CLI bundle (src/cli/bin.ts): after the bundle is in place.
execFileSync(process.execPath, ['scripts/code-cache.cjs'], { stdio: 'inherit' });
