/**
 * Plan time and API calls of `keyfold sync` to GitHub for
 * SERVICES services (each with its own repository target) × KEYS provider keys, against
 * the local GitHub imitation (test/helpers/github-server.ts), with the built CLI:
 *
 * - the first sync (full compare: list, public key, one PUT per name),
 * - a sync with nothing changed,
 * - after changing one provider key: `sync --plan` time, then the sync,
 * - after changing all provider keys: the same,
 * - a `--full` sync (compare with GitHub's names and the state's fingerprints).
 *
 * API calls are the requests the server received (retries included; the CLI's own count
 * agrees). Environment: BENCH_SYNC_SERVICES (21), BENCH_SYNC_KEYS (70, in files of 10),
 * BENCH_RUNS (3, for plan times).
 */
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startGitHubServer, type GitHubServer } from '../../test/helpers/github-server.js';
import { makeRepo, type TestRepo } from '../../test/helpers/repo.js';
import type { Figure } from '../lib.js';

const SERVICES = Number(process.env['BENCH_SYNC_SERVICES'] ?? 21);
const KEYS = Number(process.env['BENCH_SYNC_KEYS'] ?? 70);
const RUNS = Number(process.env['BENCH_RUNS'] ?? 3);
const PER_FILE = 10;
const FILES = Math.ceil(KEYS / PER_FILE);

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

async function importAll(repo: TestRepo, tag: string, overwrite: boolean): Promise<void> {
  for (let f = 0; f < FILES; f++) {
    const lines: string[] = [];
    for (let k = f * PER_FILE; k < Math.min(KEYS, (f + 1) * PER_FILE); k++) lines.push(`PROVIDER_KEY_${k}=${tag}-${k}-${randomBytes(12).toString('hex')}`);
    const file = join(repo.dir, '..', `p${f}.env`);
    writeFileSync(file, lines.join('\n') + '\n');
    const r = await repo.run(['import', file, '--ref', `prod/providers/p${f}`, ...(overwrite ? ['--overwrite'] : [])]);
    if (r.code !== 0) throw new Error(`import failed: ${r.stderr}`);
  }
}

function commit(repo: TestRepo, message: string): void {
  repo.git('add', '-A');
  repo.git('commit', '-q', '-m', message);
}

interface Row {
  step: string;
  ms: number;
  calls: number;
  cliCalls?: number;
  writes: number;
}

export async function syncFigures(): Promise<Figure[]> {
  const gh: GitHubServer = await startGitHubServer();
  const repo = await makeRepo();
  const env = { GITHUB_TOKEN: gh.token };
  const rows: Row[] = [];
  const services = Array.from({ length: SERVICES }, (_, i) => `svc-${String(i + 1).padStart(2, '0')}`);
  try {
    for (const s of services) gh.addRepo(`acme/${s}`);
    await importAll(repo, 'v1', false);
    writeFileSync(
      join(repo.dir, 'keyfold.yaml'),
      [
        'environments: [dev, staging, prod]',
        'targets:',
        ...services.map((s) => `  ${s}: { type: github, repo: acme/${s}, api_url: "${gh.url}" }`),
        'services:',
        ...services.map((s) => `  ${s.replace('-', '')}: { imports: ["providers/**"], targets: { prod: [${s}] } }`),
        '',
      ].join('\n'),
    );
    commit(repo, 'bench repo');

    const sync = async (step: string, args: string[] = []): Promise<void> => {
      gh.resetCounts();
      const t = performance.now();
      const r = await repo.run(['sync', '--json', ...args], { env, timeoutMs: 600_000 });
      const ms = performance.now() - t;
      if (r.code !== 0) throw new Error(`${step}: sync exited ${r.code}: ${r.stderr}`);
      const out = JSON.parse(r.stdout) as { outcome: { requests: number } };
      rows.push({ step, ms, calls: gh.requests, cliCalls: out.outcome.requests, writes: gh.writes });
    };
    const plan = async (step: string): Promise<void> => {
      const times: number[] = [];
      gh.resetCounts();
      for (let i = 0; i < RUNS; i++) {
        const t = performance.now();
        const r = await repo.run(['sync', '--plan', '--json'], { env, timeoutMs: 600_000 });
        times.push(performance.now() - t);
        if (r.code !== 0) throw new Error(`${step}: plan exited ${r.code}: ${r.stderr}`);
      }
      rows.push({ step: `${step} (median of ${RUNS})`, ms: median(times), calls: gh.requests / RUNS, writes: gh.writes });
    };

    await sync('first sync');
    await sync('sync, nothing changed');
    const one = await repo.run(['set', 'prod/providers/p3', 'PROVIDER_KEY_35', '--stdin'], { input: `v2-${randomBytes(12).toString('hex')}` });
    if (one.code !== 0) throw new Error(one.stderr);
    commit(repo, 'one key');
    await plan('one key changed: sync --plan');
    await sync('one key changed: sync');
    await importAll(repo, 'v3', true);
    commit(repo, 'all keys');
    await plan(`all ${KEYS} keys changed: sync --plan`);
    await sync(`all ${KEYS} keys changed: sync`);
    await sync('sync --full, nothing changed', ['--full']);

    if (gh.violations.length > 0) throw new Error(`schema violations: ${gh.violations.join('\n')}`);
    return rows.map((r, i) => ({
      id: `sync.${i + 1}`,
      label: `sync (${SERVICES} services × ${KEYS} keys): ${r.step}`,
      value: r.ms,
      unit: 'ms',
      note: `${r.calls}${r.cliCalls !== undefined && r.cliCalls !== r.calls ? ` (CLI counted ${r.cliCalls})` : ''} API calls, ${r.writes} writes`,
    }));
  } finally {
    await gh.close();
    repo.cleanup();
  }
}

