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
// A target's third-party code (github: octokit, libsodium; aws-secrets-manager: the AWS
// SDK) is a bundle of its own, loaded by `sync` only when such a target runs: the CLI's
// import of targets/<type>/vendor.js becomes a require of that bundle.
const VENDOR = { github: 'keyfold-github.js', 'aws-secrets-manager': 'keyfold-aws.js' };
const vendors = {
  name: 'vendors',
  setup(b) {
    b.onResolve({ filter: /^\.\/vendor\.js$/ }, (args) => {
      const type = /[\\/]targets[\\/]([^\\/]+)$/.exec(args.resolveDir)?.[1];
      return type && Object.hasOwn(VENDOR, type) ? { path: `./${VENDOR[type]}`, external: true } : undefined;
    });
  },
};
// Build beside the targets and rename over them, so a test run executing the previous
// build never sees a half-written file.
await build({ ...common, entryPoints: ['src/cli/main.ts'], outfile: 'dist/keyfold-cli.js.tmp', plugins: [vendors] });
for (const [type, out] of Object.entries(VENDOR)) await build({ ...common, entryPoints: [`src/targets/${type}/vendor.ts`], outfile: `dist/${out}.tmp` });
// The executable is tiny: `--version` answers without parsing the bundle.
await build({
  ...common,
  entryPoints: ['src/cli/bin.ts'],
  outfile: 'dist/keyfold.js.tmp',
  external: ['./keyfold-cli.js'],
  banner: { js: '#!/usr/bin/env node' },
});
chmodSync('dist/keyfold.js.tmp', 0o755);
for (const out of Object.values(VENDOR)) renameSync(`dist/${out}.tmp`, `dist/${out}`);
renameSync('dist/keyfold-cli.js.tmp', 'dist/keyfold-cli.js');
renameSync('dist/keyfold.js.tmp', 'dist/keyfold.js');
