// Bundle the CLI with esbuild: one small entry chunk, commands split into lazily
// loaded chunks, so `keyfold --version` and `keyfold get` start fast.
import { build } from 'esbuild';
import { chmodSync, readFileSync, rmSync } from 'node:fs';

const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
rmSync('dist', { recursive: true, force: true });
await build({
  entryPoints: { keyfold: 'src/cli/main.ts' },
  outdir: 'dist',
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  minifySyntax: true,
  chunkNames: 'chunks/[name]-[hash]',
  banner: {
    js: "#!/usr/bin/env node\nimport { createRequire as __kfCreateRequire } from 'node:module'; const require = __kfCreateRequire(import.meta.url);",
  },
  define: { KEYFOLD_VERSION: JSON.stringify(pkg.version) },
  logLevel: 'warning',
});
chmodSync('dist/keyfold.js', 0o755);
