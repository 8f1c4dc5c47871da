/**
 * `keyfold run --service S -- node -e 0` for a service with 70 provider keys, against
 * `dotenvx run -f .env -- node -e 0` with the same 70 values (a plaintext .env: dotenvx
 * decrypts nothing) and bare `node -e 0`, measured in the same run. The goal: keyfold's
 * overhead over bare node at most half of dotenvx's.
 *
 * Runs: BENCH_RUNS × 3 (at least 15).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateIdentity, identityToRecipient } from '../../src/crypto/age/index.js';
import { ROOT, type Figure } from '../lib.js';

const RUNS = Math.max(Number(process.env['BENCH_RUNS'] ?? 5) * 3, 15);
const KEYS = 70;
const CLI = join(ROOT, 'dist', 'keyfold.js');
const DOTENVX = join(ROOT, 'node_modules', '.bin', 'dotenvx');

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

function timeCommand(label: string, file: string, args: string[], cwd: string, env: NodeJS.ProcessEnv): number {
  const samples: number[] = [];
  for (let i = 0; i < RUNS + 2; i++) {
    const t = performance.now();
    const r = spawnSync(file, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    const ms = performance.now() - t;
    if (r.status !== 0) throw new Error(`${label} failed (${r.status}): ${r.stderr.toString().slice(0, 300)}`);
    if (i >= 2) samples.push(ms); // two warm-ups
  }
  const m = median(samples);
  return m;
}

export function runOverheadFigures(): Figure[] {
  const dir = mkdtempSync(join(tmpdir(), 'keyfold-bench-run-'));
  try {
    const home = join(dir, 'home');
    const repo = join(dir, 'repo');
    mkdirSync(home);
    mkdirSync(repo);
    const identity = generateIdentity();
    const keyFile = join(dir, 'key.txt');
    writeFileSync(keyFile, identity + '\n', { mode: 0o600 });
    const env = { PATH: process.env['PATH'] ?? '', HOME: home };
    const kf = (...args: string[]) => {
      const r = spawnSync(process.execPath, [CLI, ...args, '--identity', keyFile], { cwd: repo, env });
      if (r.status !== 0) throw new Error(`keyfold ${args[0]} failed: ${r.stderr.toString()}`);
    };
    spawnSync(process.execPath, [CLI, 'init', '.', '--admin', 'bench', '--recipient', identityToRecipient(identity)], { cwd: repo, env });
    const values: Array<[string, string]> = [];
    for (let i = 0; i < KEYS; i++) values.push([`PROVIDER_${i}_API_KEY`, `sk-bench-${i}-${'x'.repeat(40)}`]);
    // One file per provider, as a real providers folder holds them.
    const dotenv = values.map(([k, v]) => `${k}=${v}`).join('\n') + '\n';
    for (let i = 0; i < KEYS; i++) {
      writeFileSync(join(dir, 'one.env'), `${values[i]![0]}=${values[i]![1]}\n`);
      kf('import', join(dir, 'one.env'), '--ref', `dev/providers/p${i}`);
    }
    writeFileSync(join(repo, 'keyfold.yaml'), 'environments: [dev, staging, prod]\nservices:\n  api:\n    imports: ["providers/**"]\n');
    writeFileSync(join(dir, '.env'), dotenv);
    const bare = timeCommand('node -e 0', process.execPath, ['-e', '0'], dir, env);
    const keyfold = timeCommand('keyfold run --env dev --service api -- node -e 0', process.execPath, [CLI, 'run', '--env', 'dev', '--service', 'api', '--identity', keyFile, '--', process.execPath, '-e', '0'], repo, env);
    const dotenvx = timeCommand('dotenvx run -f .env -- node -e 0 (plaintext .env)', DOTENVX, ['run', '-q', '-f', join(dir, '.env'), '--', process.execPath, '-e', '0'], dir, env);
    const ko = keyfold - bare;
    const dox = dotenvx - bare;
    return [
      { id: 'run', label: `run --service (${KEYS} keys in ${KEYS} files) -- node -e 0`, value: keyfold, unit: 'ms', peer: 'node -e 0', peerValue: bare, ratio: keyfold / bare },
      { id: 'run.overhead', label: 'run: overhead over bare node', value: ko, unit: 'ms', peer: 'dotenvx run overhead (plaintext .env)', peerValue: dox, ratio: ko / dox, goal: { max: 0.5, on: 'ratio' } },
    ];
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

