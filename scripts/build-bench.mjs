// `npm run bench`: bench/run.ts and the sources it measures in one ESM file beside it
// (bench/.run.mjs, git-ignored), run by plain node. Under tsx, whose loader runs on a
// thread of its own, whole benchmark groups have hung for good on this machine.
import { build } from 'esbuild';
import { readFile } from 'node:fs/promises';
import { dirname } from 'node:path';

// `import.meta.dirname` keeps meaning each source file's own folder inside the bundle.
const ownDirname = {
  name: 'own-dirname',
  setup(b) {
    b.onLoad({ filter: /\.ts$/ }, async (args) => ({
      contents: (await readFile(args.path, 'utf8')).replaceAll('import.meta.dirname', JSON.stringify(dirname(args.path))),
      loader: 'ts',
    }));
  },
};

await build({
  entryPoints: ['bench/run.ts'],
  outfile: 'bench/.run.mjs',
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  packages: 'external',
  plugins: [ownDirname],
  logLevel: 'warning',
});
