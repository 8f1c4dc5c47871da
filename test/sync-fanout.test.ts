/**
 * An environment with more targets than one job syncs (`sync --plan --json`'s groups of
 * 20): the generated keyfold-sync workflow re-keys in `rekey-<env>` and syncs in a matrix
 * `sync-<env>`, one job per group. Run as the runner would (helpers/workflow-runner.ts)
 * against a bare origin: the re-key job hands its commit on, each matrix job syncs only
 * its own targets and pushes only their state refs, and a second run writes nothing.
 */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { GROUP_SIZE } from '../src/ops/sync/groups.js';
import { tempDir } from './helpers/cli.js';
import { expectOk, makeCiRepo, type CiRepo } from './helpers/ci-repo.js';
import type { JobContext } from './helpers/workflow-runner.js';

const tmp = tempDir('keyfold-fanout-');
afterAll(() => tmp.cleanup());

const TARGETS = Array.from({ length: GROUP_SIZE + 3 }, (_, i) => `t${String(i + 1).padStart(2, '0')}`);
const VALUE = 'postgres://fanout-canary-7f3a';

let repo: CiRepo;
const originGit = (...args: string[]) => repo.originGit(...args);
const job = (id: string, sha: string, extra: Partial<JobContext> = {}) => repo.job('keyfold-sync.yml', id, { sha, ...extra });

type Include = { group: number; targets: string };
let include: Include[];

beforeAll(async () => {
  repo = await makeCiRepo(tmp.path, (config) =>
    config
      .replace(/^targets: \{\}$/m, `targets:\n${TARGETS.map((t) => `  ${t}: { type: dotenv, path: ../out/${t}.env }`).join('\n')}`)
      .replace(/^services: \{\}$/m, `services:\n  api:\n    imports: ["api/**"]\n    targets: { prod: [${TARGETS.join(', ')}] }`),
  );
  await expectOk(repo.kf(['set', 'prod/api/db', 'DATABASE_URL', '--stdin'], VALUE));
  repo.git(['add', '-A']);
  repo.git(['commit', '-q', '-m', 'initial']);
  repo.git(['push', '-q', 'origin', 'HEAD:refs/heads/main']);
  const wf = parseYaml(readFileSync(join(repo.work, '.github/workflows/keyfold-sync.yml'), 'utf8')) as { jobs: Record<string, { strategy?: { matrix: { include: Include[] } } }> };
  include = wf.jobs['sync-prod']!.strategy!.matrix.include;
});

describe('keyfold-sync.yml for an environment with more than one group of targets', () => {
  it('has a re-key job and a matrix of sync jobs that covers every target once, in groups of at most 20', () => {
    expect(include.map((i) => i.group)).toEqual([1, 2]);
    const named = include.flatMap((i) => i.targets.split(' ').filter((w) => w !== '--target'));
    expect(named.sort()).toEqual([...TARGETS].sort());
    expect(include.map((i) => i.targets.split('--target').length - 1)).toEqual([GROUP_SIZE, 3]);
    const wf = parseYaml(readFileSync(join(repo.work, '.github/workflows/keyfold-sync.yml'), 'utf8')) as { jobs: Record<string, { needs?: string; environment?: string }> };
    expect(Object.keys(wf.jobs)).toEqual(['sync-dev', 'sync-staging', 'rekey-prod', 'sync-prod']);
    expect(wf.jobs['sync-prod']).toMatchObject({ needs: 'rekey-prod', environment: 'prod' });
  });

  it('run as the runner would: the re-key job pushes its commit, each matrix job syncs its own targets and pushes their state; a rerun writes nothing', () => {
    const pushed = originGit('rev-parse', 'refs/heads/main').trim();
    const rekey = job('rekey-prod', pushed);
    const sha = rekey.result.outputs['sha']!;
    expect(sha).toMatch(/^[0-9a-f]{40}$/);
    expect(sha).not.toBe(pushed); // the first run re-keys every prod file and commits
    expect(originGit('rev-parse', 'refs/heads/main').trim()).toBe(sha);
    expect(originGit('for-each-ref', '--format=%(refname)', 'refs/keyfold/state/')).toBe('');

    for (const entry of include) {
      const { result, dir } = job('sync-prod', pushed, { needs: { 'rekey-prod': { sha } }, matrix: entry });
      const mine = entry.targets.split(' ').filter((w) => w !== '--target');
      expect(readdirSync(join(dir, 'out')).sort()).toEqual(mine.map((t) => `${t}.env`).sort());
      for (const t of mine) expect(readFileSync(join(dir, 'out', `${t}.env`), 'utf8')).toContain(`DATABASE_URL='${VALUE}'`);
      expect(result.step(/keyfold sync$/).output).toMatch(new RegExp(`synced ${mine.length} of ${mine.length} targets: ${mine.length} writes`));
      expect(result.steps.map((s) => s.output).join('')).not.toContain(VALUE);
    }
    const state = originGit('for-each-ref', '--format=%(refname)', 'refs/keyfold/state/').trim().split('\n');
    expect(state.sort()).toEqual(TARGETS.map((t) => `refs/keyfold/state/${t}`).sort());

    // Nothing changed: the next run's matrix jobs write nothing (their targets' state is on origin).
    for (const entry of include) {
      const { result, dir } = job('sync-prod', sha, { needs: { 'rekey-prod': { sha } }, matrix: entry });
      expect(result.step(/keyfold sync$/).output).toMatch(/: 0 writes/);
      expect(existsSync(join(dir, 'out'))).toBe(false);
    }
  });
});
