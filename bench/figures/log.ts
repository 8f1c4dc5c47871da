/** `keyfold log` over a generated history (bench/history-repo.ts) against `git log --name-status`. */
import { rmSync } from 'node:fs';
import { makeHistoryRepo } from '../history-repo.js';
import { env, interleave, kf, log, peakRss, run, type Figure } from '../lib.js';

export function logFigures(): Figure[] {
  const commits = env('BENCH_COMMITS', 10_000);
  const files = env('BENCH_HISTORY_FILES', 500);
  const t = performance.now();
  const root = makeHistoryRepo(files, commits);
  log(`  generated ${commits} commits over ${files} files in ${((performance.now() - t) / 1000).toFixed(1)} s`);
  try {
    const opts = { cwd: root, env: { PATH: process.env['PATH'] ?? '', HOME: root } };
    const m = interleave(env('BENCH_RUNS', 5), {
      git: () => run('git', ['log', '--name-status'], opts),
      log: () => kf(['log', '--json'], opts),
      key: () => kf(['log', 'dev/folder0/file0', '--key', 'KEY_3'], opts),
    });
    const rss = peakRss(['log', '--json'], opts);
    return [
      { id: 'log', label: `log --json, ${commits} commits × ${files} files`, value: m['log']!, unit: 'ms', peer: 'git log --name-status', peerValue: m['git']!, ratio: m['log']! / m['git']!, goal: { max: 3, on: 'ratio' }, note: `peak RSS ${rss.toFixed(0)} MB` },
      { id: 'log.key', label: 'log REF --key KEY', value: m['key']!, unit: 'ms', peer: 'git log --name-status', peerValue: m['git']!, ratio: m['key']! / m['git']! },
    ];
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}
