/**
 * `keyfold init` writes the whole repository layout (README, Repository layout) — config, default policy with the
 * access tiers, rules, generated .sops.yaml and CODEOWNERS, .gitattributes and the two
 * workflows (README, CI; S3, S4, S11) — through the built CLI in temp directories.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml, parseDocument } from 'yaml';
import { exampleFiles, pendingText } from '../scripts/gen-example.js';
import { type AccessPolicy } from '../src/config/access-policy.js';
import { parseKeyfoldConfig, type KeyfoldConfig } from '../src/config/keyfold-config.js';
import { parseRules } from '../src/config/rules.js';
import { CONTROL_PLANE_PATHS, generateCodeowners } from '../src/core/codeowners.js';
import { memberCan, policyProblems, recipientLayout } from '../src/core/policy.js';
import { generateSopsConfig } from '../src/core/sops-config.js';
import { generateIdentity, identityToRecipient } from '../src/crypto/age/index.js';
import { runCli, tempDir } from './helpers/cli.js';
import { checkAccessPolicy } from '../src/core/policy-check.js';

const FILES = [
  'keyfold.yaml',
  'policies/access.yaml',
  'policies/rules.yaml',
  'secrets/.gitkeep',
  '.sops.yaml',
  '.gitattributes',
  '.github/CODEOWNERS',
  '.github/workflows/keyfold-validate.yml',
  '.github/workflows/keyfold-sync.yml',
  '.github/workflows/keyfold-rotate.yml',
];
const SHA_PIN_RE = /^[\w.-]+\/[\w./-]+@[0-9a-f]{40}$/;
const recipient = () => identityToRecipient(generateIdentity());

const VERSION = (JSON.parse(readFileSync(join(import.meta.dirname, '..', 'package.json'), 'utf8')) as { version: string }).version;
const tmp = tempDir('keyfold-init-');
afterAll(() => tmp.cleanup());
let n = 0;
function freshDir(): { dir: string; home: string } {
  const base = join(tmp.path, `t${n++}`);
  const dir = join(base, 'repo');
  const home = join(base, 'home');
  mkdirSync(dir, { recursive: true });
  mkdirSync(home, { recursive: true });
  return { dir, home };
}

const ADMIN = recipient();
let dir: string;
let stdout: string;
const read = (f: string) => readFileSync(join(dir, f), 'utf8');
let policy: AccessPolicy;
let config: KeyfoldConfig;

beforeAll(async () => {
  const d = freshDir();
  dir = d.dir;
  const r = await runCli(['init', '--admin', 'carol', '--github', 'carol', '--recipient', ADMIN], { cwd: dir, env: { HOME: d.home } });
  expect(r.code, r.stderr).toBe(0);
  stdout = r.stdout;
  policy = checkAccessPolicy(read('policies/access.yaml')).policy;
  config = parseKeyfoldConfig(read('keyfold.yaml'));
});

/** The init policy with people in its roles, as an admin would add them. */
function staffed(): AccessPolicy {
  const m = (github?: string, kind: 'human' | 'machine' | 'agent' = 'human') => ({ recipient: recipient(), kind, ...(github ? { github } : {}) });
  const p: AccessPolicy = structuredClone(policy);
  Object.assign(p.members, {
    alice: m('alice'),
    dave: m('dave'),
    erin: m('erin'),
    frank: m('frank'),
    'ci-dev': m(undefined, 'machine'),
    'ci-staging': m(undefined, 'machine'),
    'ci-prod': m(undefined, 'machine'),
    claude: m(undefined, 'agent'),
    cron: m(undefined, 'agent'),
  });
  p.roles = { ...p.roles, developer: ['alice'], 'ci-dev': ['ci-dev'], 'ci-staging': ['ci-staging'], 'ci-prod': ['ci-prod'], agent: ['claude'], 'agent-prod-readonly': ['cron'] };
  p.breakglass = { custodians: ['dave', 'erin', 'frank'], threshold: 2, read: ['prod/**'] };
  expect(policyProblems(p)).toEqual([]);
  return p;
}

describe('keyfold init: files', () => {
  it('writes every file of the layout and prints each one', () => {
    for (const f of FILES) {
      expect(existsSync(join(dir, f)), f).toBe(true);
      expect(stdout).toContain(`wrote ${f}\n`);
    }
    const status = execFileSync('git', ['status', '--porcelain', '--untracked-files=all'], { cwd: dir, encoding: 'utf8' });
    expect(status.split('\n').filter(Boolean).map((l) => l.slice(3)).sort()).toEqual([...FILES].sort());
    for (const f of FILES) expect(read(f)).not.toContain('AGE-SECRET-KEY');
  });

  it("starts a new git repository on main, the workflows' branch, even where git's own default is master", async () => {
    const d = freshDir();
    writeFileSync(join(d.home, '.gitconfig'), '[init]\n\tdefaultBranch = master\n');
    const r = await runCli(['init', '--recipient', ADMIN], { cwd: d.dir, env: { HOME: d.home } });
    expect(r.code, r.stderr).toBe(0);
    expect(execFileSync('git', ['symbolic-ref', 'HEAD'], { cwd: d.dir, encoding: 'utf8', env: { ...process.env, HOME: d.home } }).trim()).toBe('refs/heads/main');
    expect(readFileSync(join(d.dir, '.github', 'workflows', 'keyfold-sync.yml'), 'utf8')).toMatch(/branches: \[main\]/);
  });

  it('--json lists the files written', async () => {
    const d = freshDir();
    const r = await runCli(['init', '--recipient', ADMIN, '--json'], { cwd: d.dir, env: { HOME: d.home, USER: 'ops' } });
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout) as { files: string[]; kept: string[]; admin: string };
    expect(out.files).toEqual(FILES);
    expect(out.kept).toEqual([]);
    expect(out.admin).toBe('ops');
  });

  it('completes an existing .gitattributes and keeps an existing CODEOWNERS, saying so', async () => {
    const d = freshDir();
    mkdirSync(join(d.dir, '.github'), { recursive: true });
    writeFileSync(join(d.dir, '.gitattributes'), '*.png binary');
    writeFileSync(join(d.dir, '.github/CODEOWNERS'), '* @someone\n');
    const r = await runCli(['init', '--recipient', ADMIN, '--json'], { cwd: d.dir, env: { HOME: d.home } });
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout) as { files: string[]; kept: string[] };
    expect(out.kept).toEqual(['.github/CODEOWNERS']);
    expect(out.files).toContain('.gitattributes');
    const attrs = readFileSync(join(d.dir, '.gitattributes'), 'utf8');
    expect(attrs.startsWith('*.png binary\n')).toBe(true);
    expect(attrs).toMatch(/^secrets\/\*\* diff=keyfold merge=keyfold$/m);
    expect(readFileSync(join(d.dir, '.github/CODEOWNERS'), 'utf8')).toBe('* @someone\n');
  });

  it('refuses a --github value that is not a GitHub login (exit 2, nothing written)', async () => {
    const d = freshDir();
    const r = await runCli(['init', '--recipient', ADMIN, '--github', 'carol\n* @x'], { cwd: d.dir, env: { HOME: d.home } });
    expect(r.code).toBe(2);
    expect(existsSync(join(d.dir, 'keyfold.yaml'))).toBe(false);
  });

  it('points editors at the committed JSON Schemas', () => {
    for (const [file, schema] of [['keyfold.yaml', 'keyfold'], ['policies/access.yaml', 'access'], ['policies/rules.yaml', 'rules']] as const) {
      const first = read(file).split('\n')[0]!;
      expect(first).toBe(`# yaml-language-server: $schema=https://unpkg.com/keyfold@${VERSION}/schemas/${schema}.schema.json`);
      expect(existsSync(join(import.meta.dirname, '..', 'schemas', `${schema}.schema.json`))).toBe(true);
    }
  });

  it('rules.yaml parses with the rules schema: the key pattern, nothing else required', () => {
    const rules = parseRules(read('policies/rules.yaml'));
    expect(rules).toMatchObject({ key_pattern: '^[A-Z][A-Z0-9_]*$', required: {}, parity: [], max_age: {}, allow: [] });
  });

  it('.gitattributes routes secrets/** to the keyfold diff and merge drivers', () => {
    expect(read('.gitattributes')).toMatch(/^secrets\/\*\* diff=keyfold merge=keyfold$/m);
    const attr = execFileSync('git', ['check-attr', 'diff', 'merge', '--', 'secrets/dev/api/db.yaml'], { cwd: dir, encoding: 'utf8' });
    expect(attr).toBe('secrets/dev/api/db.yaml: diff: keyfold\nsecrets/dev/api/db.yaml: merge: keyfold\n');
  });
});

describe('keyfold init: the default policy', () => {
  it('loads with no policy problems; the first admin is the only member', () => {
    expect(checkAccessPolicy(read('policies/access.yaml')).problems).toEqual([]);
    expect(Object.keys(policy.members)).toEqual(['carol']);
    expect(policy.members['carol']).toMatchObject({ recipient: ADMIN, github: 'carol', kind: 'human' });
    expect(policy.roles).toEqual({
      developer: [],
      admin: ['carol'],
      agent: [],
      'agent-prod-readonly': [],
      'ci-dev': [],
      'ci-staging': [],
      'ci-prod': [],
    });
    expect(config.environments).toEqual(['dev', 'staging', 'prod']);
  });

  it('grants the tiers of docs/access-policy.md', () => {
    const p = staffed();
    const can = (m: string, a: 'read' | 'write', ref: string) => memberCan(p, m, a, ref);
    // Developers: read dev and staging, write dev and any providers/ (prod write-only).
    expect([can('alice', 'read', 'dev/api/db'), can('alice', 'read', 'staging/api/db'), can('alice', 'read', 'prod/api/db')]).toEqual([true, true, false]);
    expect([can('alice', 'write', 'dev/api/db'), can('alice', 'write', 'prod/providers/openrouter'), can('alice', 'write', 'prod/api/db')]).toEqual([true, true, false]);
    // Admins: everything.
    for (const ref of ['dev/x/y', 'staging/x/y', 'prod/x/y']) expect([can('carol', 'read', ref), can('carol', 'write', ref)]).toEqual([true, true]);
    // AI agents: dev only, never prod; agent workloads: prod/analytics only; nobody of these writes.
    expect([can('claude', 'read', 'dev/api/db'), can('claude', 'read', 'staging/api/db'), can('claude', 'read', 'prod/api/db')]).toEqual([true, false, false]);
    expect([can('cron', 'read', 'prod/analytics/posthog'), can('cron', 'read', 'prod/api/db'), can('cron', 'read', 'dev/api/db')]).toEqual([true, false, false]);
    // Each CI identity reads its own environment only.
    for (const env of ['dev', 'staging', 'prod']) {
      for (const other of ['dev', 'staging', 'prod']) expect(can(`ci-${env}`, 'read', `${other}/api/db`), `ci-${env} on ${other}`).toBe(env === other);
    }
    for (const m of ['claude', 'cron', 'ci-dev', 'ci-staging', 'ci-prod']) expect(can(m, 'write', 'dev/api/db')).toBe(false);
  });
});

describe('keyfold init: generated .sops.yaml and CODEOWNERS', () => {
  interface Rule {
    path_regex: string;
    age?: string;
    shamir_threshold?: number;
    key_groups?: Array<{ age: string[] }>;
  }
  const firstRule = (text: string, path: string) => (parseYaml(text) as { creation_rules: Rule[] }).creation_rules.find((r) => new RegExp(r.path_regex).test(path));

  /** CODEOWNERS as GitHub reads the patterns keyfold writes: last match wins. */
  function ownersOf(text: string, path: string): string[] | undefined {
    let owners: string[] | undefined;
    for (const line of text.split('\n')) {
      if (!line.trim() || line.startsWith('#')) continue;
      const [pattern, ...who] = line.trim().split(/\s+/);
      const p = pattern!.replace(/^\//, '');
      const re = p === '*' ? /.*/ : new RegExp(`^${p.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*\*/g, '\u0000').replace(/\*/g, '[^/]*').replace(/\u0000/g, '.*')}${p.endsWith('/') ? '' : '(/|$)'}`);
      if (re.test(path)) owners = who.map((o) => o.slice(1));
    }
    return owners;
  }

  it('are what the written policy generates', () => {
    expect(read('.sops.yaml')).toBe(generateSopsConfig(policy, config));
    expect(read('.github/CODEOWNERS')).toBe(generateCodeowners(policy, config));
    expect(read('.sops.yaml').split('\n')[0]).toMatch(/Generated by keyfold .*Do not edit by hand/);
  });

  it('.sops.yaml: a dev ref gets developer + admin + ci-dev; a prod ref break-glass key groups', () => {
    const p = staffed();
    const text = generateSopsConfig(p, config);
    const R = (m: string) => p.members[m]!.recipient;
    const dev = firstRule(text, 'secrets/dev/providers/openrouter.yaml')!;
    expect(dev.age!.split(',').sort()).toEqual([R('alice'), R('carol'), R('ci-dev'), R('claude')].sort());
    expect(dev.key_groups).toBeUndefined();
    const prod = firstRule(text, 'secrets/prod/providers/openrouter.yaml')!;
    expect(prod.shamir_threshold).toBe(2);
    expect(prod.key_groups!.map((g) => [...g.age].sort())).toEqual(['dave', 'erin', 'frank'].map((c) => [R('carol'), R('ci-prod'), R(c)].sort()));
    const analytics = firstRule(text, 'secrets/prod/analytics/posthog.yaml')!;
    expect(analytics.key_groups!.map((g) => [...g.age].sort())).toEqual(recipientLayout(p, 'prod/analytics/posthog').groups);
    expect(firstRule(text, 'secrets/staging/api/db.yaml')!.age!.split(',').sort()).toEqual([R('alice'), R('carol'), R('ci-staging')].sort());
    // The init repo itself: the admin alone, everywhere.
    for (const env of ['dev', 'staging', 'prod']) expect(firstRule(read('.sops.yaml'), `secrets/${env}/a/b.yaml`)!.age).toBe(ADMIN);
  });

  it('CODEOWNERS: admins only on prod and the control plane; developers and admins on dev', () => {
    const text = generateCodeowners(staffed(), config);
    for (const path of ['secrets/prod/api/db.yaml', 'secrets/prod/providers/openrouter.yaml', 'secrets/prod/analytics/x.yaml', 'secrets/staging/api/db.yaml']) {
      expect(ownersOf(text, path), path).toEqual(['carol']);
    }
    for (const path of ['policies/access.yaml', 'keyfold.yaml', '.sops.yaml', '.gitattributes', '.github/CODEOWNERS', '.github/workflows/keyfold-sync.yml', 'package.json', 'package-lock.json']) {
      expect(ownersOf(text, path), path).toEqual(['carol']);
    }
    expect(ownersOf(text, 'secrets/dev/api/db.yaml')).toEqual(['alice', 'carol']);
    expect(ownersOf(text, 'secrets/staging/providers/x.yaml')).toEqual(['alice', 'carol']);
    // As written by init (no developer yet): the admin everywhere.
    expect(ownersOf(read('.github/CODEOWNERS'), 'secrets/dev/api/db.yaml')).toEqual(['carol']);
    expect(CONTROL_PLANE_PATHS.every((p) => read('.github/CODEOWNERS').includes(`\n${p} @carol\n`))).toBe(true);
  });
});

describe('keyfold init: workflows', () => {
  type Step = { name?: string; id?: string; uses?: string; run?: string; with?: Record<string, unknown>; env?: Record<string, string>; 'working-directory'?: string; if?: string; 'continue-on-error'?: boolean };
  type Job = { permissions?: unknown; environment?: string; steps: Step[]; env?: unknown; concurrency?: unknown };
  type Workflow = { on: Record<string, unknown>; permissions?: unknown; env?: unknown; jobs: Record<string, Job> };
  const parse = (text: string) => {
    const doc = parseDocument(text);
    expect(doc.errors).toEqual([]);
    return doc.toJS() as Workflow;
  };
  const load = (f: string) => parse(read(f));
  const ACTION = 'keyfold/keyfold@0000000000000000000000000000000000000000';
  let npmDir: string;
  let pinnedDir: string;
  const PINNED = `acme/keyfold@${'c0ffee'.repeat(6)}c0ff`;

  beforeAll(async () => {
    for (const [args, set] of [
      [['--install', 'npm'], (d: string) => (npmDir = d)],
      [['--action-ref', PINNED], (d: string) => (pinnedDir = d)],
    ] as const) {
      const d = freshDir();
      const r = await runCli(['init', '--recipient', ADMIN, ...args], { cwd: d.dir, env: { HOME: d.home } });
      expect(r.code, r.stderr).toBe(0);
      set(d.dir);
    }
  });

  it('pin every action by a full commit SHA with its release as a comment (the keyfold action: the placeholder, said so)', () => {
    for (const f of ['.github/workflows/keyfold-validate.yml', '.github/workflows/keyfold-sync.yml']) {
      const text = read(f);
      const lines = text.split('\n').filter((l) => /^\s*(-\s+)?uses:/.test(l));
      expect(lines.length).toBeGreaterThan(0);
      for (const l of lines) expect(l, l).toMatch(/uses: [\w.-]+\/[\w./-]+@[0-9a-f]{40} # (v\d+\.\d+\.\d+|placeholder: the keyfold release you trust)$/);
      for (const job of Object.values(load(f).jobs)) for (const s of job.steps) if (s.uses) expect(s.uses).toMatch(SHA_PIN_RE);
      expect(text).toContain(`uses: ${ACTION} # placeholder`);
    }
    expect(read('keyfold.yaml')).toMatch(new RegExp(`^ci:\\n  action: ${ACTION}  # a placeholder: replace with the release you trust$`, 'm'));
  });

  it('--action-ref pins the workflows to that commit, recorded in keyfold.yaml; a ref that is not pinned by commit is refused', async () => {
    const text = readFileSync(join(pinnedDir, '.github/workflows/keyfold-sync.yml'), 'utf8');
    expect(text).toContain(`uses: ${PINNED}\n`);
    expect(text).not.toContain('placeholder');
    expect(readFileSync(join(pinnedDir, 'keyfold.yaml'), 'utf8')).toMatch(new RegExp(`^  action: ${PINNED}$`, 'm'));
    for (const bad of ['acme/keyfold@v1', 'acme/keyfold@main', './', `acme/keyfold@${'a'.repeat(39)}`, 'keyfold']) {
      const d = freshDir();
      const r = await runCli(['init', '--recipient', ADMIN, '--action-ref', bad], { cwd: d.dir, env: { HOME: d.home } });
      expect(r.code, bad).toBe(2);
      expect(existsSync(join(d.dir, 'keyfold.yaml'))).toBe(false);
    }
  });

  it("the hint says what CI needs (no npm package to install): the action's pin, KEYFOLD_AGE_KEY per environment", () => {
    expect(stdout).not.toMatch(/npm install/);
    expect(stdout).toMatch(/PLACEHOLDER commit/);
    expect(stdout).toMatch(/KEYFOLD_AGE_KEY/);
    expect(stdout).toMatch(/keyfold-validate \/ validate" a required status check/);
  });

  it('validate: pull_request_target, read-only but the comment, base checkout, the pinned action on the head as data', () => {
    const wf = load('.github/workflows/keyfold-validate.yml');
    expect(Object.keys(wf.on)).toEqual(['pull_request_target']);
    expect((wf.on['pull_request_target'] as { types: string[] }).types).toContain('edited');
    expect(wf.permissions).toEqual({});
    const job = wf.jobs['validate']!;
    expect(job.permissions).toEqual({ contents: 'read', 'pull-requests': 'write' });
    const text = read('.github/workflows/keyfold-validate.yml');
    expect(text).not.toMatch(/secrets\./);
    // Exactly one checkout: the base, without persisted credentials.
    const checkouts = job.steps.filter((s) => s.uses?.startsWith('actions/checkout@'));
    expect(checkouts).toHaveLength(1);
    expect(checkouts[0]!.with).toMatchObject({ ref: '${{ github.event.pull_request.base.sha }}', 'persist-credentials': false });
    const runs = job.steps.map((s) => s.run ?? '').join('\n');
    expect(runs).not.toMatch(/npm |npx /);
    expect(runs).toMatch(/fetch .*refs\/pull\/\$PR_NUMBER\/head:refs\/keyfold\/pr-head/);
    expect(runs).toMatch(/'\+refs\/keyfold\/rekeyed\/\*:refs\/keyfold\/rekeyed\/\*'/);
    expect(runs).not.toMatch(/git (checkout|switch)/);
    // keyfold runs from the pinned action in the base checkout, judging the head worktree against the base.
    const validate = job.steps.find((s) => s.id === 'validate')!;
    expect(validate.uses).toBe(ACTION);
    expect(validate['continue-on-error']).toBe(true);
    expect(validate.with).toMatchObject({ command: 'validate', 'working-directory': 'base' });
    expect(validate.with!['args']).toBe(
      ['--repo=${{ github.workspace }}/head', '--base=${{ github.event.pull_request.base.sha }}', '--format=github', '--summary=${{ runner.temp }}/summary.md', '${{ steps.authors.outputs.args }}', ''].join('\n'),
    );
    expect(runs).toMatch(/sed 's\/\^\/--author=\/'/);
    expect(runs).toMatch(/OPENER|pull_request\.user\.login/);
    expect(runs).toMatch(/gh api --paginate "repos\/\$REPO\/pulls\/\$PR_NUMBER\/commits"/);
    // No expression is expanded inside a script (injection): values come in through env.
    for (const s of job.steps) if (s.run) expect(s.run, s.name).not.toContain('${{');
    // The summary is posted as a PR comment; violations fail the check.
    const post = job.steps.find((s) => s.uses?.startsWith('actions/github-script@'))!;
    expect(String(post.with?.['script'])).toMatch(/createComment/);
    expect(job.steps.at(-1)!.if).toBe("steps.validate.outcome == 'failure'");
  });

  it('sync: on push to main, one job per environment in its GitHub environment: checkout of the pushed commit, state refs, re-key, push, sync', () => {
    const wf = load('.github/workflows/keyfold-sync.yml');
    expect(wf.on['push']).toEqual({ branches: ['main'] });
    expect(wf.permissions).toEqual({});
    expect(wf.env).toBeUndefined();
    expect(Object.keys(wf.jobs)).toEqual(['sync-dev', 'sync-staging', 'sync-prod']);
    expect(read('.github/workflows/keyfold-sync.yml')).toMatch(/environment: prod # .*required reviewers/);
    for (const env of ['dev', 'staging', 'prod']) {
      const job = wf.jobs[`sync-${env}`]!;
      expect(job.environment).toBe(env);
      expect(job.env).toBeUndefined();
      expect(job.concurrency).toEqual({ group: `keyfold-sync-${env}`, 'cancel-in-progress': false });
      const [checkout, state, rekey, push, sync, pushRefs, ...rest] = job.steps;
      expect(rest).toEqual([]);
      expect(checkout!.with).toEqual({ ref: '${{ github.sha }}', 'fetch-depth': 0 });
      expect(state!.run).toContain("git fetch --no-tags origin '+refs/keyfold/*:refs/keyfold/*'");
      expect(rekey!.uses).toBe(ACTION);
      expect(rekey!.with).toEqual({ command: 'recipients-sync', env, args: "--rekey-merged --commit ${{ github.event.before && format('--since={0}', github.event.before) || '' }}" });
      expect(push!.if).toBe("${{ !cancelled() && steps.rekey.outcome != 'skipped' }}");
      expect(push!.run).toMatch(/git push origin "HEAD:refs\/heads\/\$BRANCH"/);
      expect(push!.run).toMatch(/git rebase "origin\/\$BRANCH"/);
      // The sync runs only when everything before it succeeded (no `if:`).
      expect(sync!.uses).toBe(ACTION);
      expect(sync!.if).toBeUndefined();
      expect(sync!.with).toEqual({ command: 'sync', env, args: '--allow-branch' });
      expect(pushRefs!.if).toBe("${{ !cancelled() && steps.state.outcome == 'success' }}");
      expect(pushRefs!.run).toMatch(/git push --no-verify origin --force-with-lease="\$ref:\$old" "\$ref:\$ref"/);
      for (const s of job.steps) {
        const usesIdentity = JSON.stringify(s.env ?? {}).includes('secrets.KEYFOLD_AGE_KEY');
        expect(usesIdentity, s.name).toBe(s.uses === ACTION);
        if (s.run) expect(s.run, s.name).not.toContain('${{');
      }
    }
  });

  it('--install npm: the npm route (npm ci --ignore-scripts, npx keyfold), the same steps otherwise', () => {
    const v = parse(readFileSync(join(npmDir, '.github/workflows/keyfold-validate.yml'), 'utf8')).jobs['validate']!;
    const vruns = v.steps.map((s) => s.run ?? '').join('\n');
    expect(vruns).toMatch(/npm ci --ignore-scripts/);
    expect(vruns).not.toMatch(/npm (install|i) |npm ci(?! --ignore-scripts)/);
    expect(vruns).toMatch(/npx --no-install keyfold validate --repo "\$GITHUB_WORKSPACE\/head" --base "\$BASE_SHA" --format github --summary "\$RUNNER_TEMP\/summary\.md" "\$\{authors\[@\]\}"/);
    expect(v.steps.find((s) => s.id === 'validate')!['working-directory']).toBe('base');
    const wf = parse(readFileSync(join(npmDir, '.github/workflows/keyfold-sync.yml'), 'utf8'));
    for (const env of ['dev', 'staging', 'prod']) {
      const job = wf.jobs[`sync-${env}`]!;
      const runs = job.steps.map((s) => s.run ?? '');
      expect(runs.join('\n')).toMatch(/npm ci --ignore-scripts/);
      expect(runs.join('\n')).not.toMatch(/uses: keyfold/);
      const order = [`keyfold recipients sync --env ${env} --rekey-merged --commit \${BEFORE:+--since="$BEFORE"}`, 'git push origin "HEAD:', `keyfold sync --env ${env} --allow-branch`].map((needle) => runs.findIndex((r) => r.includes(needle)));
      expect(order.every((i) => i >= 0), JSON.stringify(order)).toBe(true);
      expect([...order].sort((a, b) => a - b)).toEqual(order);
      for (const s of job.steps) {
        const usesIdentity = JSON.stringify(s.env ?? {}).includes('secrets.KEYFOLD_AGE_KEY');
        expect(usesIdentity, s.name).toBe(/^npx --no-install keyfold /.test(s.run ?? ''));
      }
    }
    expect(readFileSync(join(npmDir, 'keyfold.yaml'), 'utf8')).toMatch(/^ci:\n  install: npm$/m);
  });
});

describe("keyfold's own example tree", () => {
  it('has the generated files up to date (npx tsx scripts/gen-example.ts)', () => {
    for (const f of exampleFiles()) expect(pendingText(f), f.path).toBeUndefined();
  });
});
