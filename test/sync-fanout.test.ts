/**
 * An environment with more targets than one job syncs (`sync --plan --json`'s groups of
 * 20): the generated keyfold-sync workflow re-keys in `rekey-<env>` and syncs in a matrix
 * `sync-<env>`, one job per group. Run as the runner would (helpers/workflow-runner.ts)
 * against a bare origin: the re-key job hands its commit on, each matrix job syncs only
 * its own targets and pushes only their state refs, and a second run writes nothing.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { GROUP_SIZE } from '../src/ops/sync/groups.js';
import { runCli, tempDir, type CliResult } from './helpers/cli.js';
import { makeIdentity, type TestIdentity } from './helpers/repo.js';
import { runJob, type JobContext, type JobResult } from './helpers/workflow-runner.js';

const tmp = tempDir('keyfold-fanout-');
afterAll(() => tmp.cleanup());

const ACTION = `keyfold/keyfold@${'cd'.repeat(20)}`;
const TARGETS = Array.from({ length: GROUP_SIZE + 3 }, (_, i) => `t${String(i + 1).padStart(2, '0')}`);
const VALUE = 'postgres://fanout-canary-7f3a';

let keys: Record<'admin' | 'ciProd', TestIdentity>;
let origin: string;
let work: string;
let home: string;
let jobs = 0;

const git = (...args: string[]) => execFileSync('git', args, { cwd: work, encoding: 'utf8', env: { ...process.env, GIT_CONFIG_NOSYSTEM: '1', HOME: home } });
const originGit = (...args: string[]) => execFileSync('git', ['--git-dir', origin, ...args], { encoding: 'utf8' });
const secretOf = (id: TestIdentity) => readFileSync(id.file, 'utf8').split('\n').find((l) => l.startsWith('AGE-SECRET-KEY-'))!;

async function ok(p: Promise<CliResult>): Promise<void> {
  const r = await p;
  expect(r.code, `${r.stderr}${r.stdout}`).toBe(0);
}
const kf = (args: string[], input?: string) => runCli([...args, '--identity', keys.admin.file], { cwd: work, env: { HOME: home }, input });

function commitAndPush(message: string): string {
  git('add', '-A');
  git('commit', '-q', '-m', message);
  git('push', '-q', 'origin', 'HEAD:refs/heads/main');
  return git('rev-parse', 'HEAD').trim();
}

function job(id: string, sha: string, extra: Partial<JobContext> = {}): { result: JobResult; dir: string } {
  const dir = join(tmp.path, `job-${jobs++}`);
  mkdirSync(join(dir, 'home'), { recursive: true });
  const workflow = originGit('show', `${sha}:.github/workflows/keyfold-sync.yml`);
  const result = runJob(workflow, id, { origin, dir, sha, before: '', home: join(dir, 'home'), secrets: { KEYFOLD_AGE_KEY: secretOf(keys.ciProd) }, ...extra });
  expect(result.ok, result.steps.map((s) => `${s.name}: ${s.outcome}\n${s.output}`).join('\n')).toBe(true);
  return { result, dir };
}

type Include = { group: number; targets: string };
let include: Include[];

beforeAll(async () => {
  home = join(tmp.path, 'home');
  mkdirSync(home, { recursive: true });
  const keyDir = join(tmp.path, 'keys');
  mkdirSync(keyDir);
  keys = { admin: makeIdentity(keyDir, 'admin'), ciProd: makeIdentity(keyDir, 'ci-prod') };
  origin = join(tmp.path, 'origin.git');
  execFileSync('git', ['init', '-q', '--bare', '-b', 'main', origin]);
  work = join(tmp.path, 'work');
  await ok(runCli(['init', work, '--admin', 'admin', '--github', 'admin-gh', '--recipient', keys.admin.recipient, '--action-ref', ACTION], { cwd: tmp.path, env: { HOME: home } }));
  writeFileSync(
    join(work, 'policies/access.yaml'),
    `members:
  admin: { recipient: ${keys.admin.recipient}, github: admin-gh }
  ci-prod: { recipient: ${keys.ciProd.recipient}, kind: machine }
roles:
  admin: [admin]
  ci-prod: [ci-prod]
grants:
  - { role: admin, read: ["**"], write: ["**"] }
  - { role: ci-prod, read: ["prod/**"] }
`,
  );
  const config = readFileSync(join(work, 'keyfold.yaml'), 'utf8');
  writeFileSync(
    join(work, 'keyfold.yaml'),
    config
      .replace(/^targets: \{\}$/m, `targets:\n${TARGETS.map((t) => `  ${t}: { type: dotenv, path: ../out/${t}.env }`).join('\n')}`)
      .replace(/^services: \{\}$/m, `services:\n  api:\n    imports: ["api/**"]\n    targets: { prod: [${TARGETS.join(', ')}] }`),
  );
  git('config', 'user.name', 'Admin');
  git('config', 'user.email', 'admin@example.com');
  git('config', 'commit.gpgSign', 'false');
  git('branch', '-M', 'main');
  git('remote', 'add', 'origin', origin);
  await ok(kf(['recipients', 'sync']));
  await ok(kf(['set', 'prod/api/db', 'DATABASE_URL', '--stdin'], VALUE));
  commitAndPush('initial');
  const wf = parseYaml(readFileSync(join(work, '.github/workflows/keyfold-sync.yml'), 'utf8')) as { jobs: Record<string, { strategy?: { matrix: { include: Include[] } } }> };
  include = wf.jobs['sync-prod']!.strategy!.matrix.include;
});

describe('keyfold-sync.yml for an environment with more than one group of targets', () => {
  it('has a re-key job and a matrix of sync jobs that covers every target once, in groups of at most 20', () => {
    expect(include.map((i) => i.group)).toEqual([1, 2]);
    const named = include.flatMap((i) => i.targets.split(' ').filter((w) => w !== '--target'));
    expect(named.sort()).toEqual([...TARGETS].sort());
    expect(include.map((i) => i.targets.split('--target').length - 1)).toEqual([GROUP_SIZE, 3]);
    const wf = parseYaml(readFileSync(join(work, '.github/workflows/keyfold-sync.yml'), 'utf8')) as { jobs: Record<string, { needs?: string; environment?: string }> };
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
      expect(result.step(/keyfold sync$/).output).toMatch(new RegExp(`synced ${mine.length} of ${mine.length} target\\(s\\): ${mine.length} write\\(s\\)`));
      expect(result.steps.map((s) => s.output).join('')).not.toContain(VALUE);
    }
    const state = originGit('for-each-ref', '--format=%(refname)', 'refs/keyfold/state/').trim().split('\n');
    expect(state.sort()).toEqual(TARGETS.map((t) => `refs/keyfold/state/${t}`).sort());

    // Nothing changed: the next run's matrix jobs write nothing (their targets' state is on origin).
    for (const entry of include) {
      const { result, dir } = job('sync-prod', sha, { needs: { 'rekey-prod': { sha } }, matrix: entry });
      expect(result.step(/keyfold sync$/).output).toMatch(/: 0 write\(s\)/);
      expect(existsSync(join(dir, 'out'))).toBe(false);
    }
  });
});
