/**
 * The generated keyfold-rotate workflow's prod job, run as the runner would
 * (helpers/workflow-runner.ts) against a bare origin: the branch checked out with its
 * history, `rotation run --due` through the keyfold action with prod's CI identity, the
 * rotation commit pushed to main, then `sync` and the state push. A `generated` rotation
 * whose value is older than `every` is rotated once; the next run has nothing due.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, tempDir, type CliResult } from './helpers/cli.js';
import { makeIdentity, type TestIdentity } from './helpers/repo.js';
import { runJob, type JobResult } from './helpers/workflow-runner.js';

const tmp = tempDir('keyfold-rotate-wf-');
afterAll(() => tmp.cleanup());

const ACTION = `keyfold/keyfold@${'ef'.repeat(20)}`;
const OLD = 'an-old-session-secret-canary-5d1e';

let keys: Record<'admin' | 'ciProd', TestIdentity>;
let origin: string;
let work: string;
let home: string;
let jobs = 0;

const gitEnv = () => ({ ...process.env, GIT_CONFIG_NOSYSTEM: '1', HOME: home });
const git = (args: string[], env: NodeJS.ProcessEnv = {}) => execFileSync('git', args, { cwd: work, encoding: 'utf8', env: { ...gitEnv(), ...env } });
const originGit = (...args: string[]) => execFileSync('git', ['--git-dir', origin, ...args], { encoding: 'utf8' });
const secretOf = (id: TestIdentity) => readFileSync(id.file, 'utf8').split('\n').find((l) => l.startsWith('AGE-SECRET-KEY-'))!;
const kf = (args: string[], input?: string) => runCli([...args, '--identity', keys.admin.file], { cwd: work, env: { HOME: home }, input });

async function ok(p: Promise<CliResult>): Promise<CliResult> {
  const r = await p;
  expect(r.code, `${r.stderr}${r.stdout}`).toBe(0);
  return r;
}

function rotateJob(): JobResult {
  const dir = join(tmp.path, `job-${jobs++}`);
  mkdirSync(join(dir, 'home'), { recursive: true });
  const sha = originGit('rev-parse', 'refs/heads/main').trim();
  const workflow = originGit('show', `${sha}:.github/workflows/keyfold-rotate.yml`);
  const job = runJob(workflow, 'rotate-prod', { origin, dir, sha, before: '', home: join(dir, 'home'), secrets: { KEYFOLD_AGE_KEY: secretOf(keys.ciProd) } });
  expect(job.ok, job.steps.map((s) => `${s.name}: ${s.outcome}\n${s.output}`).join('\n')).toBe(true);
  return job;
}

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
  writeFileSync(join(work, 'keyfold.yaml'), `${config.replace(/^rotation:.*$/m, '')}\nrotation:\n  session: { ref: prod/api/session, key: SESSION_SECRET, rotator: generated, every: 30d, grace: 0s }\n`);
  git(['config', 'user.name', 'Admin']);
  git(['config', 'user.email', 'admin@example.com']);
  git(['config', 'commit.gpgSign', 'false']);
  git(['branch', '-M', 'main']);
  git(['remote', 'add', 'origin', origin]);
  await ok(kf(['recipients', 'sync']));
  await ok(kf(['set', 'prod/api/session', 'SESSION_SECRET', '--stdin'], OLD));
  const date = new Date(Date.now() - 60 * 86_400_000).toISOString();
  git(['add', '-A']);
  git(['commit', '-q', '-m', 'a 60-day-old session secret'], { GIT_AUTHOR_DATE: date, GIT_COMMITTER_DATE: date });
  git(['push', '-q', 'origin', 'HEAD:refs/heads/main']);
});

describe('keyfold-rotate.yml, run as the runner would', () => {
  it('rotates the due secret with the CI identity, pushes the rotation commit to main (names only), then syncs; a second run has nothing due', async () => {
    const before = originGit('rev-parse', 'refs/heads/main').trim();
    const job = rotateJob();
    expect(job.step(/rotation run/).outcome).toBe('success');
    expect(job.step(/Fail when a rotation failed/).outcome).toBe('skipped');
    const after = originGit('rev-parse', 'refs/heads/main').trim();
    expect(originGit('rev-list', '--count', `${before}..${after}`).trim()).toBe('1');
    const message = originGit('log', '-1', '--format=%B', after);
    expect(message).toContain('keyfold rotation: session rotated prod/api/session SESSION_SECRET');
    expect(originGit('show', '--name-only', '--format=', after).trim().split('\n').sort()).toEqual(['rotation/state.yaml', 'secrets/prod/api/session.yaml']);

    git(['pull', '-q', 'origin', 'main']);
    const value = (await ok(kf(['get', 'prod/api/session', 'SESSION_SECRET']))).stdout.trim();
    expect(value).not.toBe(OLD);
    expect(value).toMatch(/^[A-Za-z0-9]{48}$/);
    const printed = job.steps.map((s) => s.output).join('\n') + message;
    for (const v of [OLD, value]) expect(printed).not.toContain(v);

    const again = rotateJob();
    expect(again.step(/rotation run/).output).toMatch(/not-due\s+session/);
    expect(originGit('rev-parse', 'refs/heads/main').trim()).toBe(after);
  });
});
