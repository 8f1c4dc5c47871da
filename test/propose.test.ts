/**
 * `keyfold propose set|unset|promote` end to end: the built CLI in a developer's clone
 * of a bare git remote (default branch main), opening pull requests on the local GitHub
 * imitation (test/helpers/github-server.ts, every request checked against GitHub's
 * schemas). The change is made on a new branch from origin's main — never in the
 * developer's working tree — with `set`'s write-only rules; the branch, the commit and
 * the pull request name keys, refs, services, targets and reviewers, and never a value.
 * Also: `validate --summary` on the pull request's branch lists the sync plan.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { checkAccessPolicy } from '../src/core/policy-check.js';
import { generateCodeowners } from '../src/core/codeowners.js';
import { generateSopsConfig } from '../src/core/sops-config.js';
import { parseKeyfoldConfig } from '../src/config/keyfold-config.js';
import { runCli, type CliResult } from './helpers/cli.js';
import { expectNoCanary, expectOneLineError } from './helpers/e2e.js';
import { startGitHubServer, type GitHubServer } from './helpers/github-server.js';
import { makeIdentity, makeRepo, type TestIdentity, type TestRepo } from './helpers/repo.js';

const CANARY = `kfpropose${randomBytes(5).toString('hex')}`;
const outputs: CliResult[] = [];
const SERVICES = ['api', 'web', 'worker'];

let gh: GitHubServer;
let admin: TestRepo;
let alice: TestIdentity;
let ciProd: TestIdentity;
let remote: string;
/** alice's own clone. */
let dev: string;

const git = (cwd: string, ...args: string[]) =>
  execFileSync('git', args, { cwd, encoding: 'utf8', env: { ...process.env, GIT_CONFIG_NOSYSTEM: '1', GIT_AUTHOR_NAME: 'T', GIT_AUTHOR_EMAIL: 't@example.com', GIT_COMMITTER_NAME: 'T', GIT_COMMITTER_EMAIL: 't@example.com' } });

function remoteBranches(): string[] {
  return git(remote, 'for-each-ref', '--format=%(refname:short)', 'refs/heads/')
    .split('\n')
    .filter(Boolean);
}

function env(extra: Record<string, string | undefined> = {}): Record<string, string | undefined> {
  return { HOME: admin.home, GIT_AUTHOR_NAME: 'Alice', GIT_AUTHOR_EMAIL: 'alice@example.com', GITHUB_TOKEN: gh.token, KEYFOLD_HTTP_ATTEMPTS: '2', KEYFOLD_HTTP_BASE_DELAY_MS: '5', KEYFOLD_HTTP_MAX_DELAY_MS: '20', ...extra };
}

/** Run the CLI as alice, in her clone, with the GitHub token. */
async function run(args: string[], options: { input?: string; env?: Record<string, string | undefined>; cwd?: string } = {}): Promise<CliResult> {
  const r = await runCli([...args, '--identity', alice.file], { cwd: options.cwd ?? dev, env: env(options.env), input: options.input });
  outputs.push(r);
  return r;
}

interface ProposeJson {
  branch: string;
  commit: string;
  base: string;
  pr: { number: number; url: string };
  changes: Array<{ ref: string; added: string[]; changed: string[]; removed: string[] }>;
  targets: Array<{ target: string; type: string; env: string }>;
}

function policyText(): string {
  return `members:
  admin: { recipient: ${admin.admin.recipient}, github: admin-gh }
  alice: { recipient: ${alice.recipient}, github: alice-gh }
  ci-prod: { recipient: ${ciProd.recipient}, kind: machine }
roles:
  developer: [alice]
  admin: [admin]
  ci-prod: [ci-prod]
grants:
  - { role: developer, read: ["dev/**", "staging/**"], write: ["dev/**", "*/providers/**"] }
  - { role: admin, read: ["**"], write: ["**"] }
  - { role: ci-prod, read: ["prod/**"] }
`;
}

function configText(): string {
  const targets: string[] = [];
  const services: string[] = [];
  for (const s of SERVICES) {
    targets.push(`  ${s}-prod-k8s: { type: k8s, namespace: prod, name: ${s}-secrets, out: ../run/k8s }`);
    targets.push(`  ${s}-staging-env: { type: dotenv, path: ../run/${s}.staging.env }`);
    services.push(`  ${s}:`, `    imports: ["providers/**"]`, `    targets: { prod: [${s}-prod-k8s], staging: [${s}-staging-env] }`);
  }
  return [
    'environments: [dev, staging, prod]',
    `github: { repo: acme/secrets, api_url: "${gh.url}" }`,
    'targets:',
    ...targets,
    '  api-prod-env: { type: dotenv, path: ../run/api.prod.env }',
    'services:',
    ...services,
    '  batch:',
    '    imports: ["jobs/**"]',
    '    targets: { prod: [api-prod-env] }',
    '',
  ].join('\n');
}

beforeAll(async () => {
  gh = await startGitHubServer({
    branchExists: (_repo, branch) => {
      try {
        git(remote, 'rev-parse', '--verify', '--quiet', `refs/heads/${branch}`);
        return true;
      } catch {
        return false;
      }
    },
  });
  gh.addRepo('acme/secrets');
  admin = await makeRepo();
  const keys = join(admin.dir, '..', 'keys');
  alice = makeIdentity(keys, 'alice');
  ciProd = makeIdentity(keys, 'ci-prod');
  writeFileSync(join(admin.dir, 'policies', 'access.yaml'), policyText());
  writeFileSync(join(admin.dir, 'keyfold.yaml'), configText());
  const policy = checkAccessPolicy(policyText()).policy;
  const config = parseKeyfoldConfig(configText());
  writeFileSync(join(admin.dir, '.sops.yaml'), generateSopsConfig(policy, config));
  writeFileSync(join(admin.dir, '.github', 'CODEOWNERS'), generateCodeowners(policy, config));
  const set = async (ref: string, key: string, value: string) => {
    const r = await admin.run(['set', ref, key, '--stdin'], { input: value });
    expect(r.code, r.stderr).toBe(0);
  };
  await set('dev/providers/openai', 'OPENAI_API_KEY', `sk-dev-${CANARY}-1`);
  await set('dev/providers/openai', 'OPENAI_ORG', `org-${CANARY}-2`);
  await set('dev/providers/anthropic', 'ANTHROPIC_API_KEY', `sk-ant-${CANARY}-3`);
  await set('prod/providers/anthropic', 'ANTHROPIC_API_KEY', `sk-ant-prod-${CANARY}-4`);
  await set('prod/jobs/cron', 'CRON_TOKEN', `cron-${CANARY}-5`);
  admin.git('add', '-A');
  admin.git('commit', '-q', '-m', 'seed');

  remote = join(admin.dir, '..', 'remote.git');
  execFileSync('git', ['init', '-q', '--bare', '-b', 'main', remote]);
  admin.git('remote', 'add', 'origin', remote);
  admin.git('push', '-q', 'origin', 'HEAD:refs/heads/main');
  dev = join(admin.dir, '..', 'alice');
  execFileSync('git', ['clone', '-q', remote, dev]);
  git(dev, 'config', 'user.name', 'Alice');
  git(dev, 'config', 'user.email', 'alice@example.com');
  git(dev, 'config', 'commit.gpgSign', 'false');
}, 60_000);

afterAll(async () => {
  await gh?.close();
  admin?.cleanup();
});

describe('propose set: a developer proposes a prod provider key (write-only)', () => {
  let out: ProposeJson;
  let before: { head: string; branch: string; status: string; rules: string };

  beforeAll(async () => {
    // alice's working tree has work of her own in it: left exactly as it is.
    writeFileSync(join(dev, 'notes.txt'), 'my notes\n');
    writeFileSync(join(dev, 'policies', 'rules.yaml'), readFileSync(join(dev, 'policies', 'rules.yaml'), 'utf8') + '# a local edit\n');
    before = { head: git(dev, 'rev-parse', 'HEAD'), branch: git(dev, 'branch', '--show-current'), status: git(dev, 'status', '--porcelain'), rules: readFileSync(join(dev, 'policies', 'rules.yaml'), 'utf8') };
    const r = await run(['propose', 'set', 'prod/providers/openai', 'OPENAI_API_KEY', '--stdin', '--json'], { input: `sk-proj-${CANARY}-new\n` });
    expect(r.code, r.stderr).toBe(0);
    out = JSON.parse(r.stdout) as ProposeJson;
  }, 60_000);

  it('pushes a new branch from main whose one commit touches only that file', () => {
    expect(out.branch).toMatch(/^keyfold\/set-prod-providers-openai-openai-api-key-[0-9a-f]{6}$/);
    expect(out.base).toBe('main');
    expect(remoteBranches()).toContain(out.branch);
    expect(git(remote, 'rev-parse', `refs/heads/${out.branch}`).trim()).toBe(out.commit);
    expect(git(remote, 'rev-parse', `${out.commit}^`).trim()).toBe(git(remote, 'rev-parse', 'refs/heads/main').trim());
    expect(git(remote, 'diff', '--name-only', 'main', out.branch).trim().split('\n')).toEqual(['secrets/prod/providers/openai.yaml']);
    const message = git(remote, 'log', '-1', '--format=%B', out.commit);
    expect(message).toMatch(/^keyfold: set OPENAI_API_KEY in prod\/providers\/openai\n/);
    expect(message).toContain('prod/providers/openai: + OPENAI_API_KEY (write-only)');
    expect(git(remote, 'log', '-1', '--format=%an', out.commit).trim()).toBe('Alice');
    expect(out.changes).toEqual([{ ref: 'prod/providers/openai', file: 'secrets/prod/providers/openai.yaml', added: ['OPENAI_API_KEY'], changed: [], removed: [], writeOnly: true }]);
  });

  it("encrypts the file to prod's readers by the policy, not to alice", async () => {
    const text = git(remote, 'show', `${out.commit}:secrets/prod/providers/openai.yaml`);
    expect(text).toContain(admin.admin.recipient);
    expect(text).toContain(ciProd.recipient);
    expect(text).not.toContain(alice.recipient);
    expect(text).not.toContain(CANARY);
  });

  it('opens a pull request naming the key, the services, the targets and the reviewers, without the value', () => {
    expect(out.pr.number).toBe(1);
    const [pr] = gh.pulls('acme/secrets');
    expect(pr).toBeDefined();
    expect(out.pr.url).toBe(`${gh.url}/acme/secrets/pull/1`);
    expect(pr!.head).toBe(out.branch);
    expect(pr!.base).toBe('main');
    expect(pr!.title).toBe('keyfold: set OPENAI_API_KEY in prod/providers/openai');
    expect(pr!.body).toContain('`prod/providers/openai` | added `OPENAI_API_KEY`; **write-only**');
    for (const s of SERVICES) {
      expect(pr!.body).toContain(`| \`${s}\` | \`prod\` | \`prod/providers/openai\` | \`${s}-prod-k8s\` |`);
      expect(pr!.body).toContain(`| \`${s}-prod-k8s\` | \`k8s\` | \`prod\` | \`${s}\` |`);
    }
    expect(pr!.body).toContain('update 3 targets (3 `k8s`) of 3 services');
    // The batch service imports prod/jobs only: untouched.
    expect(pr!.body).not.toContain('api-prod-env');
    expect(pr!.body).toMatch(/### Required reviewers\n\n- @admin-gh: `secrets\/prod\/providers\/openai\.yaml`/);
    expect(out.targets.map((t) => t.target)).toEqual(['api-prod-k8s', 'web-prod-k8s', 'worker-prod-k8s']);
    expect(gh.violations).toEqual([]);
    for (const text of [pr!.title, pr!.body, pr!.head, git(remote, 'log', '--all', '--format=%B%n%D')]) expect(text).not.toContain(CANARY);
  });

  it("leaves alice's working tree, branch and uncommitted changes as they were", () => {
    expect(git(dev, 'rev-parse', 'HEAD')).toBe(before.head);
    expect(git(dev, 'branch', '--show-current')).toBe(before.branch);
    expect(git(dev, 'status', '--porcelain')).toBe(before.status);
    expect(readFileSync(join(dev, 'notes.txt'), 'utf8')).toBe('my notes\n');
    expect(readFileSync(join(dev, 'policies', 'rules.yaml'), 'utf8')).toBe(before.rules);
    expect(existsSync(join(dev, 'secrets', 'prod', 'providers', 'openai.yaml'))).toBe(false);
    // No temporary worktree is left registered.
    expect(git(dev, 'worktree', 'list', '--porcelain').match(/^worktree /gm)).toHaveLength(1);
  });

  it('validate --base on the branch passes, and its --summary lists the sync plan (names only)', async () => {
    const ci = join(admin.dir, '..', 'ci-1');
    execFileSync('git', ['clone', '-q', '--branch', out.branch, remote, ci]);
    const summary = join(ci, '..', 'summary-1.md');
    const r = await runCli(['validate', '--base', 'origin/main', '--author', 'alice-gh', '--summary', summary], { cwd: ci, env: { HOME: admin.home } });
    outputs.push(r);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    const md = readFileSync(summary, 'utf8');
    expect(md).toContain('#### Sync on merge');
    expect(md).toContain('update 3 targets (3 `k8s`) of 3 services');
    for (const s of SERVICES) expect(md).toContain(`| \`${s}-prod-k8s\` | \`k8s\` | \`prod\` | \`${s}\` |`);
    expect(md).not.toContain('api-prod-env');
    expect(md).not.toContain(CANARY);
  });
});

describe('propose unset and propose promote', () => {
  it('propose unset removes one key on its own branch and pull request', async () => {
    const r = await run(['propose', 'unset', 'dev/providers/openai', 'OPENAI_ORG', '--title', 'Drop the org id', '--body', 'The org id is no longer needed.', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout) as ProposeJson;
    expect(out.branch).toMatch(/^keyfold\/unset-dev-providers-openai-openai-org-[0-9a-f]{6}$/);
    expect(git(remote, 'diff', '--name-only', 'main', out.branch).trim().split('\n')).toEqual(['secrets/dev/providers/openai.yaml']);
    expect(git(remote, 'log', '-1', '--format=%s', out.commit).trim()).toBe('keyfold: remove OPENAI_ORG from dev/providers/openai');
    const pr = gh.pulls('acme/secrets').find((p) => p.number === out.pr.number)!;
    expect(pr.title).toBe('Drop the org id');
    expect(pr.body).toMatch(/^The org id is no longer needed\.\n/);
    expect(pr.body).toContain('removed `OPENAI_ORG`');
    // dev: no service syncs dev here.
    expect(pr.body).toContain('a merge syncs nothing');
    expect(pr.body).toMatch(/- @admin-gh @alice-gh: `secrets\/dev\/providers\/openai\.yaml`/);
    expect(pr.body).not.toContain(CANARY);
  });

  it('propose promote dev staging --path providers copies the values, encrypted for staging', async () => {
    const r = await run(['propose', 'promote', 'dev', 'staging', '--path', 'providers', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout) as ProposeJson;
    expect(out.branch).toMatch(/^keyfold\/promote-dev-staging-providers-[0-9a-f]{6}$/);
    expect(git(remote, 'diff', '--name-only', 'main', out.branch).trim().split('\n')).toEqual(['secrets/staging/providers/anthropic.yaml', 'secrets/staging/providers/openai.yaml']);
    expect(git(remote, 'log', '-1', '--format=%s', out.commit).trim()).toBe('keyfold: promote providers from dev to staging (2 refs)');
    const pr = gh.pulls('acme/secrets').find((p) => p.number === out.pr.number)!;
    expect(pr.body).toContain('`staging/providers/openai` | added `OPENAI_API_KEY`, `OPENAI_ORG`');
    expect(pr.body).toContain('`staging/providers/anthropic` | added `ANTHROPIC_API_KEY`');
    expect(pr.body).toContain('update 3 targets (3 `dotenv`) of 3 services');
    expect(pr.body).toMatch(/- @admin-gh @alice-gh: `secrets\/staging\/providers\/anthropic\.yaml`, `secrets\/staging\/providers\/openai\.yaml`/);
    expect(out.targets.map((t) => t.target)).toEqual(['api-staging-env', 'web-staging-env', 'worker-staging-env']);
    expect(pr.body).not.toContain(CANARY);
    // The values arrived: staging's readers (alice among them) open them on the branch.
    const ci = join(admin.dir, '..', 'ci-promote');
    execFileSync('git', ['clone', '-q', '--branch', out.branch, remote, ci]);
    const got = await runCli(['get', 'staging/providers/openai', 'OPENAI_API_KEY', '--identity', alice.file], { cwd: ci, env: { HOME: admin.home } });
    expect(got.stdout.trim()).toBe(`sk-dev-${CANARY}-1`);
    expect(gh.violations).toEqual([]);
  });
});

describe('propose: refusals leave no branch behind', () => {
  const localBranches = () => git(dev, 'branch', '--list', '--format=%(refname:short)');
  let before: { remote: string[]; local: string };
  beforeEach(() => {
    before = { remote: remoteBranches(), local: localBranches() };
  });
  const noNewBranch = () => {
    expect(remoteBranches()).toEqual(before.remote);
    expect(localBranches()).toBe(before.local);
    expect(git(dev, 'worktree', 'list', '--porcelain').match(/^worktree /gm)).toHaveLength(1);
  };

  it('without a token: a clear error, nothing changed or pushed', async () => {
    const r = await run(['propose', 'set', 'prod/providers/mistral', 'MISTRAL_API_KEY', '--stdin'], { input: `mistral-${CANARY}`, env: { GITHUB_TOKEN: undefined, GH_TOKEN: undefined } });
    const line = expectOneLineError(r, 1);
    expect(line).toMatch(/no GitHub token: GITHUB_TOKEN \(or GH_TOKEN\) is not set.*nothing was changed or pushed/);
    noNewBranch();
  });

  it('without a remote "origin": the repository, not the command, is wrong (exit 1), nothing changed', async () => {
    const url = git(dev, 'remote', 'get-url', 'origin').trim();
    git(dev, 'remote', 'remove', 'origin');
    try {
      const r = await run(['propose', 'set', 'prod/providers/mistral', 'MISTRAL_API_KEY', '--stdin'], { input: `mistral-${CANARY}` });
      expect(expectOneLineError(r, 1)).toMatch(/this repository has no remote "origin" to push the branch to/);
    } finally {
      git(dev, 'remote', 'add', 'origin', url);
    }
    noNewBranch();
  });

  it('with a token GitHub refuses: refused before anything is pushed', async () => {
    const r = await run(['propose', 'set', 'prod/providers/mistral', 'MISTRAL_API_KEY', '--stdin'], { input: `mistral-${CANARY}`, env: { GITHUB_TOKEN: 'ghp_wrong' } });
    const line = expectOneLineError(r, 1);
    expect(line).toMatch(/github repo acme\/secrets: read the repository: 401 bad credentials/);
    noNewBranch();
  });

  it('a write the policy refuses (alice may not write prod/jobs): nothing pushed', async () => {
    const r = await run(['propose', 'set', 'prod/jobs/cron', 'CRON_TOKEN', '--stdin'], { input: `cron-${CANARY}` });
    expect(expectOneLineError(r, 4)).toMatch(/alice may not write prod\/jobs\/cron/);
    noNewBranch();
  });

  it('nothing to change, or uncommitted changes to the ref: refused, nothing pushed', async () => {
    const same = await run(['propose', 'set', 'dev/providers/anthropic', 'ANTHROPIC_API_KEY', '--stdin'], { input: `sk-ant-${CANARY}-3` });
    expect(expectOneLineError(same, 2)).toMatch(/nothing to propose/);
    const file = join(dev, 'secrets', 'dev', 'providers', 'anthropic.yaml');
    const text = readFileSync(file, 'utf8');
    writeFileSync(file, text + '\n');
    const dirty = await run(['propose', 'set', 'dev/providers/anthropic', 'ANTHROPIC_API_KEY', '--stdin'], { input: 'x-new-value-1' });
    expect(expectOneLineError(dirty, 1)).toMatch(/secrets\/dev\/providers\/anthropic\.yaml has uncommitted changes/);
    writeFileSync(file, text);
    noNewBranch();
  });

  it('a pull request GitHub fails to open after the push: says the branch was pushed and how to open it', async () => {
    gh.fault('500', 5, /^POST \/repos\/acme\/secrets\/pulls$/);
    const r = await run(['propose', 'set', 'prod/providers/mistral', 'MISTRAL_API_KEY', '--stdin'], { input: `mistral-${CANARY}` });
    gh.clearFaults();
    const line = expectOneLineError(r, 1);
    const m = /branch (keyfold\/set-prod-providers-mistral-mistral-api-key-[0-9a-f]{6}) was pushed to origin, but the pull request was not opened: .*500/.exec(line);
    expect(m, line).not.toBeNull();
    expect(line).toContain(`open it at ${gh.url}/acme/secrets/compare/main...${m![1]}?expand=1`);
    expect(remoteBranches()).toContain(m![1]);
  });
});

describe('propose: no value in any output', () => {
  it('never prints a value', () => {
    expect(outputs.length).toBeGreaterThan(5);
    for (const r of outputs) expectNoCanary(r, [CANARY]);
  });

  it('keeps every request within GitHub’s schemas', () => {
    expect(gh.violations).toEqual([]);
  });
});
