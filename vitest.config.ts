import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    // Benchmarks (bench/, `npm run bench`) are never part of `npm test`.
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    exclude: ['bench/**', 'node_modules/**', 'dist/**'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
  },
});
