/** CLI start: `keyfold --version`, `get`, `--help` against bare `node -e 0`, one process each. */
import { rmSync } from 'node:fs';
import { makeBenchRepo } from '../bench-repo.js';
import { env, interleave, kf, run, type Figure } from '../lib.js';

export function startFigures(): Figure[] {
  const runs = Math.max(env('BENCH_RUNS', 5) * 3, 15);
  const repo = makeBenchRepo(3, 20);
  try {
    const opts = { cwd: repo.root, env: { PATH: process.env['PATH'] ?? '', HOME: repo.root } };
    const m = interleave(
      runs,
      {
        bare: () => run(process.execPath, ['-e', '0'], opts),
        version: () => kf(['--version'], opts),
        get: () => kf(['get', 'dev/folder0/file0', 'KEY_3', '--identity', repo.identityFile], opts),
        help: () => kf(['--help'], opts),
      },
      2,
    );
    const row = (id: string, label: string, goal?: number): Figure => ({ id, label, value: m[id]!, unit: 'ms', peer: 'node -e 0', peerValue: m['bare']!, ratio: m[id]! / m['bare']!, goal: goal ? { max: goal, on: 'ratio' } : undefined });
    return [row('get', 'keyfold get REF KEY (one value)', 1.3), row('version', 'keyfold --version'), row('help', 'keyfold --help')];
  } finally {
    rmSync(repo.root, { recursive: true, force: true });
  }
}
