// What scripts/build.mjs (the npm package) and scripts/build-action.mjs (the action's
// one file) build with: the same esbuild options and plugins.
import { readFileSync } from 'node:fs';

const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
export const VERSION = pkg.version;

/** One minified CommonJS bundle for Node 20, with KEYFOLD_VERSION defined. */
export const common = {
  bundle: true,
  format: 'cjs',
  platform: 'node',
  target: 'node20',
  minify: true,
  legalComments: 'none',
  define: { KEYFOLD_VERSION: JSON.stringify(VERSION) },
  logLevel: 'warning',
};

/**
 * pg's optional modules (the native binding, Cloudflare sockets) are never used: stubs,
 * rather than require()s of packages nobody installs.
 */
export const pgOptional = {
  name: 'pg-optional',
  setup(b) {
    b.onResolve({ filter: /^(pg-native|pg-cloudflare)$/ }, (a) => ({ path: a.path, namespace: 'pg-optional' }));
    b.onLoad({ filter: /.*/, namespace: 'pg-optional' }, (a) => ({ contents: `throw new Error(${JSON.stringify(`${a.path} is not bundled`)});`, loader: 'js' }));
  },
};

/**
 * commander requires node:child_process (and with it net, dgram, streams) when it loads,
 * for executable subcommands keyfold never uses: a stub that loads it on first use, so
 * a short command does not pay for it.
 */
export const lazyChildProcess = {
  name: 'lazy-child-process',
  setup(b) {
    b.onResolve({ filter: /^(node:)?child_process$/ }, (a) => (/[\\/]commander[\\/]/.test(a.importer) ? { path: 'child_process', namespace: 'lazy-child-process' } : undefined));
    b.onLoad({ filter: /.*/, namespace: 'lazy-child-process' }, () => ({
      contents: "let m; module.exports = new Proxy({}, { get: (_, k) => (m ??= require('node:child_process'))[k] });",
      loader: 'js',
    }));
  },
};
