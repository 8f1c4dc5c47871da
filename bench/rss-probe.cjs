// Preloaded by bench/lib.ts peakRss(): writes the process's peak RSS (kB) on exit.
process.on('exit', () => require('node:fs').writeFileSync(process.env.KEYFOLD_BENCH_RSS, String(process.resourceUsage().maxRSS)));
