/**
 * A secrets repository as CI sees it: a bare "origin", an admin's clone made by
 * `keyfold init` (pinned to a fake keyfold action), a policy with the admin and prod's
 * CI machine member, and the generated workflows' jobs run as the runner would
 * (workflow-runner.ts) with prod's CI identity.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'vitest';
import { runCli, type CliResult } from './cli.js';
import { makeIdentity, type TestIdentity } from './repo.js';
import { runJob, type JobContext, type JobResult } from './workflow-runner.js';

export const FAKE_ACTION = `keyfold/keyfold@${'ef'.repeat(20)}`;

export interface CiRepo {
  origin: string;
  work: string;
  home: string;
  admin: TestIdentity;
  ciProd: TestIdentity;
  git(args: string[], env?: NodeJS.ProcessEnv): string;
  originGit(...args: string[]): string;
  /** The CLI in the admin's clone, as the admin. */
  kf(args: string[], input?: string): Promise<CliResult>;
  /** A job of `workflow` as committed on origin's main, with prod's CI identity; expected to succeed. */
  job(workflow: string, id: string, extra?: Partial<JobContext>): { result: JobResult; dir: string };
}

/** The private key line of an identity file (what a workflow gets as KEYFOLD_AGE_KEY). */
export const secretOf = (id: TestIdentity) => readFileSync(id.file, 'utf8').split('\n').find((l) => l.startsWith('AGE-SECRET-KEY-'))!;

export async function expectOk(p: Promise<CliResult>): Promise<CliResult> {
  const r = await p;
  expect(r.code, `${r.stderr}${r.stdout}`).toBe(0);
  return r;
}

/** `editConfig` gets keyfold.yaml as init wrote it and returns the repository's. Nothing is committed yet. */
export async function makeCiRepo(dir: string, editConfig: (config: string) => string): Promise<CiRepo> {
  const home = join(dir, 'home');
  const keyDir = join(dir, 'keys');
  mkdirSync(home, { recursive: true });
  mkdirSync(keyDir, { recursive: true });
  const admin = makeIdentity(keyDir, 'admin');
  const ciProd = makeIdentity(keyDir, 'ci-prod');
  const origin = join(dir, 'origin.git');
  execFileSync('git', ['init', '-q', '--bare', '-b', 'main', origin]);
  const work = join(dir, 'work');
  await expectOk(runCli(['init', work, '--admin', 'admin', '--github', 'admin-gh', '--recipient', admin.recipient, '--action-ref', FAKE_ACTION], { cwd: dir, env: { HOME: home } }));
  writeFileSync(
    join(work, 'policies/access.yaml'),
    `members:
  admin: { recipient: ${admin.recipient}, github: admin-gh }
  ci-prod: { recipient: ${ciProd.recipient}, kind: machine }
roles:
  admin: [admin]
  ci-prod: [ci-prod]
grants:
  - { role: admin, read: ["**"], write: ["**"] }
  - { role: ci-prod, read: ["prod/**"] }
`,
  );
  writeFileSync(join(work, 'keyfold.yaml'), editConfig(readFileSync(join(work, 'keyfold.yaml'), 'utf8')));
  const git = (args: string[], env: NodeJS.ProcessEnv = {}) => execFileSync('git', args, { cwd: work, encoding: 'utf8', env: { ...process.env, GIT_CONFIG_NOSYSTEM: '1', HOME: home, ...env } });
  git(['config', 'user.name', 'Admin']);
  git(['config', 'user.email', 'admin@example.com']);
  git(['config', 'commit.gpgSign', 'false']);
  git(['branch', '-M', 'main']);
  git(['remote', 'add', 'origin', origin]);
  const originGit = (...args: string[]) => execFileSync('git', ['--git-dir', origin, ...args], { encoding: 'utf8' });
  const kf = (args: string[], input?: string) => runCli([...args, '--identity', admin.file], { cwd: work, env: { HOME: home }, input });
  await expectOk(kf(['recipients', 'sync']));
  let jobs = 0;
  const job = (workflow: string, id: string, extra: Partial<JobContext> = {}) => {
    const jobDir = join(dir, `job-${jobs++}`);
    mkdirSync(join(jobDir, 'home'), { recursive: true });
    const sha = extra.sha ?? originGit('rev-parse', 'refs/heads/main').trim();
    const text = originGit('show', `${sha}:.github/workflows/${workflow}`);
    const result = runJob(text, id, { origin, dir: jobDir, sha, before: '', home: join(jobDir, 'home'), secrets: { KEYFOLD_AGE_KEY: secretOf(ciProd) }, ...extra });
    expect(result.ok, result.steps.map((s) => `${s.name}: ${s.outcome}\n${s.output}`).join('\n')).toBe(true);
    return { result, dir: jobDir };
  };
  return { origin, work, home, admin, ciProd, git, originGit, kf, job };
}
