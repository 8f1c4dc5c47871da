// esbuild plugins shared by scripts/build.mjs (the npm package) and
// scripts/build-action.mjs (the action's one file).

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
