/**
 * The generated keyfold-rotate workflow's prod job, run as the runner would
 * (helpers/workflow-runner.ts) against a bare origin: the branch checked out with its
 * history, `rotation run --due` through the keyfold action with prod's CI identity, the
 * rotation commit pushed to main, then `sync` and the state push. A `generated` rotation
 * whose value is older than `every` is rotated once; the next run has nothing due.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from './helpers/cli.js';
import { expectOk, makeCiRepo, type CiRepo } from './helpers/ci-repo.js';
import type { JobResult } from './helpers/workflow-runner.js';

const tmp = tempDir('keyfold-rotate-wf-');
afterAll(() => tmp.cleanup());

const OLD = 'an-old-session-secret-canary-5d1e';

let repo: CiRepo;
const git = (args: string[], env: NodeJS.ProcessEnv = {}) => repo.git(args, env);
const originGit = (...args: string[]) => repo.originGit(...args);
const kf = (args: string[], input?: string) => repo.kf(args, input);
const ok = expectOk;
const rotateJob = (): JobResult => repo.job('keyfold-rotate.yml', 'rotate-prod').result;

beforeAll(async () => {
  repo = await makeCiRepo(tmp.path, (config) => `${config.replace(/^rotation:.*$/m, '')}\nrotation:\n  session: { ref: prod/api/session, key: SESSION_SECRET, rotator: generated, every: 30d, grace: 0s }\n`);
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
