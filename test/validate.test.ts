/**
 * `keyfold validate` end to end (docs/validation.md; S2–S5, S10): the built CLI in real
 * temp git repositories, with a hand-written policy, run with NO identity. Every bad
 * case must exit 3 with a `file:line: rule: message` line naming the file and the rule.
 */
import { execFileSync } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { cpSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadIdentities } from '../src/keys/identities.js';
import { parseKeyfoldConfig } from '../src/config/keyfold-config.js';
import { generateCodeowners } from '../src/core/codeowners.js';
import { recipientLayout } from '../src/core/policy.js';
import { openSopsFile, parseSopsFile } from '../src/sops/file.js';
import { Document } from 'yaml';
import { sealDocument, sealSopsFile, type Keying } from '../src/sops/seal.js';
import { generateSopsConfig } from '../src/core/sops-config.js';
import { generateWorkflows } from '../src/ops/init/workflow-templates.js';
import { generateIdentity } from '../src/crypto/age/index.js';
import { wrapDataKey } from '../src/crypto/data-key.js';
import { runCli, tempDir, type CliResult } from './helpers/cli.js';
import { makeIdentity, makeRepo, type TestIdentity, type TestRepo } from './helpers/repo.js';
import { checkAccessPolicy } from '../src/core/policy-check.js';

const tmp = tempDir('keyfold-validate-');
afterAll(() => tmp.cleanup());

/** Fake values, each unique, so a leak into any output is findable. */
const VALUES = {
  devDb: 'postgres://dev-db-CANARY-value-1111',
  prodDb: 'postgres://prod-db-CANARY-value-2222',
  prodOr1: 'sk-or-prod-CANARY-value-3333',
  prodOr2: 'sk-or-prod-CANARY-value-4444',
  devOr: 'sk-or-dev-CANARY-value-5555',
  posthog: 'posthog-CANARY-value-6666',
};
const CANARY = 'CANARY';

const CONFIG = `environments: [dev, prod]
targets:
  gh-api-prod: { type: github, repo: acme/api, environment: production }
services:
  api:
    imports: ["providers/**", "api/**"]
    targets: { prod: [gh-api-prod] }
agents:
  allowed_envs: [dev]
`;

const RULES = `required:
  "prod/api/**": [DATABASE_URL]
`;

function policyText(id: (name: string) => TestIdentity, extra = ''): string {
  return `members:
  admin: { recipient: ${id('admin').recipient}, github: Admin-GH }
  alice: { recipient: ${id('alice').recipient}, github: alice-gh }
  ci-prod: { recipient: ${id('ci-prod').recipient}, kind: machine }
  cron: { recipient: ${id('cron').recipient}, kind: agent, github: cron-bot }
  dave: { recipient: ${id('dave').recipient}, github: dave-gh }
  erin: { recipient: ${id('erin').recipient}, github: erin-gh }
${extra}roles:
  developer: [alice]
  admin: [admin]
  ci-prod: [ci-prod]
  agent-prod-readonly: [cron]
grants:
  - { role: developer, read: ["dev/**"], write: ["dev/**", "*/providers/**"] }
  - { role: admin, read: ["**"], write: ["**"] }
  - { role: ci-prod, read: ["prod/**"] }
  - { role: agent-prod-readonly, read: ["prod/analytics/**"] }
breakglass: { custodians: [dave, erin], threshold: 2, read: ["prod/**"] }
`;
}

interface Repo {
  dir: string;
  id(name: string): TestIdentity;
  git(...args: string[]): string;
  write(rel: string, text: string): void;
  read(rel: string): string;
  commit(message: string): string;
  /** `validate` with no identity at all. */
  validate(...args: string[]): Promise<CliResult>;
}

let base: TestRepo;
let extra: Map<string, TestIdentity>;
let seeded: Repo;
/** The base commit of every change test, and the first version of prod/providers/openrouter. */
let baseSha: string;
let oldOpenrouterSha: string;
let clones = 0;

function asRepo(dir: string): Repo {
  const id = (name: string) => (name === 'admin' ? base.admin : extra.get(name)!);
  const git = (...args: string[]) =>
    execFileSync('git', args, { cwd: dir, encoding: 'utf8', env: { ...process.env, GIT_CONFIG_NOSYSTEM: '1', GIT_AUTHOR_NAME: 'T', GIT_AUTHOR_EMAIL: 't@example.com', GIT_COMMITTER_NAME: 'T', GIT_COMMITTER_EMAIL: 't@example.com' } });
  const repo: Repo = {
    dir,
    id,
    git,
    write: (rel, text) => {
      mkdirSync(dirname(join(dir, rel)), { recursive: true });
      writeFileSync(join(dir, rel), text);
    },
    read: (rel) => readFileSync(join(dir, rel), 'utf8'),
    commit: (message) => {
      git('add', '-A');
      git('commit', '-q', '--allow-empty', '-m', message);
      return git('rev-parse', 'HEAD').trim();
    },
    validate: (...args) => runCli(['validate', ...args], { cwd: dir, env: { HOME: base.home } }),
  };
  return repo;
}

/** A throw-away copy of the seeded repository. */
function clone(): Repo {
  const dir = join(tmp.path, `clone-${++clones}`);
  cpSync(seeded.dir, dir, { recursive: true });
  return asRepo(dir);
}

/** Write .sops.yaml, CODEOWNERS and the workflows as the repo's policy and keyfold.yaml generate them. */
function writeGenerated(r: Repo): void {
  const policy = checkAccessPolicy(r.read('policies/access.yaml')).policy;
  const config = parseKeyfoldConfig(r.read('keyfold.yaml'));
  r.write('.sops.yaml', generateSopsConfig(policy, config));
  r.write('.github/CODEOWNERS', generateCodeowners(policy, config));
  for (const w of generateWorkflows(config)) r.write(w.file, w.text);
}

/** Re-seal a file (decrypting as admin) with other key groups: a recipient edit by hand. */
function reseal(r: Repo, ref: string, groups: (policyGroups: string[][]) => string[][]): void {
  const rel = `secrets/${ref}.yaml`;
  const parsed = parseSopsFile(r.read(rel), rel, { strict: true });
  const opened = openSopsFile(parsed, loadIdentities({ files: [base.admin.file] }), rel);
  const policy = checkAccessPolicy(r.read('policies/access.yaml')).policy;
  const layout = recipientLayout(policy, ref);
  const newGroups = groups(layout.groups);
  const text = sealSopsFile(
    opened.plain,
    { dataKey: opened.dataKey, groups: wrapDataKey(opened.dataKey, newGroups, layout.threshold), threshold: layout.threshold, cache: opened.cache, previous: opened.meta, indent: opened.indent },
    rel,
  );
  r.write(rel, text);
}

/** Asserts exit 3 and a violation line for `file` and `rule`; returns the output. */
function expectViolation(res: CliResult, file: string, rule: string, message?: RegExp): void {
  expect(res.code, res.stdout + res.stderr).toBe(3);
  const lines = res.stdout.split('\n').filter((l) => l.startsWith(`${file}:`) && l.includes(`: ${rule}: `));
  expect(lines, `no ${rule} line for ${file} in:\n${res.stdout}`).not.toHaveLength(0);
  expect(lines[0]).toMatch(new RegExp(`^${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:\\d+: ${rule}: \\S`));
  if (message) expect(lines.some((l) => message.test(l)), lines.join('\n')).toBe(true);
  expect(res.stdout + res.stderr).not.toContain(CANARY);
}

function expectClean(res: CliResult): void {
  expect(res.stdout + res.stderr, res.stdout + res.stderr).toMatch(/ok: no violations/);
  expect(res.code).toBe(0);
}

beforeAll(async () => {
  base = await makeRepo();
  extra = new Map(['alice', 'ci-prod', 'cron', 'dave', 'erin', 'bob'].map((n) => [n, makeIdentity(join(base.dir, '..', 'keys'), n)]));
  seeded = asRepo(base.dir);
  seeded.write('keyfold.yaml', CONFIG);
  seeded.write('policies/access.yaml', policyText(seeded.id));
  seeded.write('policies/rules.yaml', RULES);
  writeGenerated(seeded);
  for (const [ref, key, value] of [
    ['dev/api/db', 'DATABASE_URL', VALUES.devDb],
    ['prod/api/db', 'DATABASE_URL', VALUES.prodDb],
    ['prod/providers/openrouter', 'OPENROUTER_API_KEY', VALUES.prodOr1],
    ['dev/providers/openrouter', 'OPENROUTER_API_KEY', VALUES.devOr],
    ['prod/analytics/posthog', 'POSTHOG_API_KEY', VALUES.posthog],
  ] as const) {
    const res = await runCli(['set', ref, key, '--stdin', '--identity', base.admin.file], { cwd: base.dir, env: { HOME: base.home }, input: value });
    if (res.code !== 0) throw new Error(`seed set failed: ${res.stderr}`);
  }
  oldOpenrouterSha = seeded.commit('seed');
  const res = await runCli(['set', 'prod/providers/openrouter', 'OPENROUTER_API_KEY', '--stdin', '--identity', base.admin.file], {
    cwd: base.dir,
    env: { HOME: base.home },
    input: VALUES.prodOr2,
  });
  if (res.code !== 0) throw new Error(`seed set failed: ${res.stderr}`);
  baseSha = seeded.commit('rotate openrouter');
}, 120_000);

/**
 * A value written as another tool (or a modified keyfold) would write it, skipping the
 * checks keyfold's own writers make (write grant, key names): validate must catch what
 * such a file does. An existing file `as` can read keeps its keys; otherwise the file is
 * replaced, encrypted to the policy.
 */
function forceSet(r: Repo, as: TestIdentity, ref: string, key: string, value: string): void {
  const rel = `secrets/${ref}.yaml`;
  let plain: Document;
  let keying: Keying;
  try {
    const opened = openSopsFile(parseSopsFile(r.read(rel), rel, { strict: true }), loadIdentities({ files: [as.file] }), rel);
    plain = opened.plain;
    keying = { kind: 'keep', opened };
  } catch {
    plain = new Document({}, { intAsBigInt: true });
    keying = { kind: 'fresh', layout: recipientLayout(checkAccessPolicy(r.read('policies/access.yaml')).policy, ref) };
  }
  if (key.includes('.')) plain.setIn(key.split('.'), value);
  else plain.set(key, value);
  r.write(rel, sealDocument(plain, keying, rel));
}

/** `set` with the value on stdin. */
function setAs(r: Repo, as: TestIdentity, ref: string, key: string, value: string): Promise<CliResult> {
  return runCli(['set', ref, key, '--stdin', '--identity', as.file], { cwd: r.dir, env: { HOME: base.home }, input: value });
}

describe('validate: a clean repository', () => {
  it('passes with exit 0, needing no identity, and --format json has the documented shape', async () => {
    const r = clone();
    const text = await r.validate();
    expectClean(text);
    // No identity anywhere: identity sources that do not exist are never even looked at.
    const none = await runCli(['validate', '--format', 'json'], { cwd: r.dir, env: { HOME: base.home, SOPS_AGE_KEY_FILE: join(r.dir, 'missing.key') } });
    expect(none.code, none.stderr).toBe(0);
    const json = JSON.parse(none.stdout) as Record<string, unknown>;
    expect(Object.keys(json).sort()).toEqual(['changed', 'ok', 'violations']);
    expect(json).toEqual({ ok: true, violations: [], changed: [] });
    // --base on an unchanged tree: nothing changed, nothing to authorize.
    const withBase = await r.validate('--base', baseSha, '--author', 'alice-gh', '--format', 'json');
    expect(withBase.code, withBase.stderr).toBe(0);
    expect(JSON.parse(withBase.stdout)).toEqual({ ok: true, violations: [], changed: [] });
  });

  it('reports violations as JSON with file, line, rule and message', async () => {
    const r = clone();
    const text = r.read('secrets/dev/api/db.yaml').replace(/^sops:/m, 'lower_case: ENC[AES256_GCM,data:AA==,iv:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=,tag:AAAAAAAAAAAAAAAAAAAAAA==,type:str]\nsops:');
    r.write('secrets/dev/api/db.yaml', text);
    const res = await r.validate('--json');
    expect(res.code).toBe(3);
    const json = JSON.parse(res.stdout) as { ok: boolean; violations: Array<Record<string, unknown>>; changed: unknown[] };
    expect(json.ok).toBe(false);
    expect(json.violations).toContainEqual({ file: 'secrets/dev/api/db.yaml', line: 2, rule: 'key-name', message: expect.stringMatching(/^lower_case does not match key_pattern/) });
  });
});

describe('validate: files under secrets/ (no --base)', () => {
  it('a recipient added by hand to a prod file', async () => {
    const r = clone();
    reseal(r, 'prod/api/db', (groups) => groups.map((g) => [...g, r.id('alice').recipient]));
    const res = await r.validate();
    expectViolation(res, 'secrets/prod/api/db.yaml', 'recipients', /recipient not allowed by the policy: alice \(age1/);
  });

  it('a recipient missing', async () => {
    const r = clone();
    reseal(r, 'prod/api/db', (groups) => groups.map((g) => g.filter((x) => x !== r.id('ci-prod').recipient)));
    const res = await r.validate();
    expectViolation(res, 'secrets/prod/api/db.yaml', 'recipients', /missing recipient required by the policy: ci-prod/);
  });

  it('key groups that differ from break-glass (S2): one group holding everyone', async () => {
    const r = clone();
    reseal(r, 'prod/api/db', (groups) => [[...new Set(groups.flat())]]);
    const res = await r.validate();
    expectViolation(res, 'secrets/prod/api/db.yaml', 'key-groups', /has 1 key group; the policy demands 2 key groups with threshold 2/);
  });

  it('a plaintext value', async () => {
    const r = clone();
    r.write('secrets/dev/api/db.yaml', r.read('secrets/dev/api/db.yaml').replace(/^sops:/m, `LEAKED_TOKEN: plain-${CANARY}-text\nsops:`));
    const res = await r.validate();
    expectViolation(res, 'secrets/dev/api/db.yaml', 'plaintext-value', /^secrets\/dev\/api\/db\.yaml:2: plaintext-value: LEAKED_TOKEN is not encrypted/);
  });

  it('a key name breaking the pattern, and a name that changes how programs start', async () => {
    const r = clone();
    // keyfold's writers refuse both names (set and encrypt alike); a file written by other
    // tools can still carry them, and validate catches that.
    expect((await setAs(r, base.admin, 'dev/api/db', 'lowercase_key', 'x')).code).toBe(2);
    expect((await setAs(r, base.admin, 'dev/api/db', 'LD.PRELOAD', 'y')).code).toBe(2);
    r.write('secrets/dev/api/ld.yaml', 'LD:\n    PRELOAD: y\n');
    const enc = await runCli(['encrypt', 'secrets/dev/api/ld.yaml', '--in-place'], { cwd: r.dir, env: { HOME: base.home } });
    expect(enc.code, enc.stderr).toBe(2);
    forceSet(r, base.admin, 'dev/api/db', 'lowercase_key', 'x');
    forceSet(r, base.admin, 'dev/api/ld', 'LD.PRELOAD', 'y');
    const res = await r.validate();
    expectViolation(res, 'secrets/dev/api/db.yaml', 'key-name', /lowercase_key does not match key_pattern \^\[A-Z\]\[A-Z0-9_\]\*\$/);
    expectViolation(res, 'secrets/dev/api/ld.yaml', 'key-name', /refused name LD_PRELOAD: LD_\* variables change how programs start/);
  });

  it('a service reference that dangles, and two imports defining one name', async () => {
    const r = clone();
    expect((await setAs(r, base.admin, 'dev/legacy/db', 'DATABASE_URL', 'x')).code).toBe(0);
    const config = r.read('keyfold.yaml').replace(/services:.*\n(?:  .*\n)*/, '') +
      'services:\n  api:\n    imports: ["api/**", "legacy/**"]\n    env: { DB: "${api/db.NOPE}" }\n    targets: { dev: [] }\n';
    r.write('keyfold.yaml', config);
    const res = await r.validate();
    expectViolation(res, 'keyfold.yaml', 'service-reference', /\$\{api\/db\.NOPE\} is dangling: dev\/api\/db has no key NOPE/);
    expectViolation(res, 'keyfold.yaml', 'service-shadowing', /DATABASE_URL is defined by both dev\/api\/db and dev\/legacy\/db/);
  });

  it('a key required in prod missing', async () => {
    const r = clone();
    expect((await setAs(r, base.admin, 'prod/api/cache', 'CACHE_URL', 'redis://x')).code).toBe(0);
    const res = await r.validate();
    expectViolation(res, 'secrets/prod/api/cache.yaml', 'required-key', /required key DATABASE_URL is missing/);
  });

  it('a file that is not SOPS, a symlink, and a file outside any environment', async () => {
    const r = clone();
    r.write('secrets/dev/api/notes.env', 'TOKEN=abc\n');
    r.write('secrets/dev/api/broken.yaml', 'A: 1\n');
    r.write('secrets/qa/api/db.yaml', r.read('secrets/dev/api/db.yaml'));
    execFileSync('ln', ['-s', '../../prod/api/db.yaml', join(r.dir, 'secrets/dev/api/link.yaml')]);
    r.write('secrets/dev/api/db.yml', r.read('secrets/dev/api/db.yaml'));
    r.write('secrets/dev/api/.hidden.yaml', 'PLAIN: text\n');
    const res = await r.validate();
    expectViolation(res, 'secrets/dev/api/notes.env', 'sops-format', /not a SOPS YAML file/);
    expectViolation(res, 'secrets/dev/api/broken.yaml', 'sops-format', /not a SOPS-encrypted file/);
    expectViolation(res, 'secrets/dev/api/link.yaml', 'sops-format', /symlink/);
    expectViolation(res, 'secrets/qa/api/db.yaml', 'ref', /"qa" is not an environment/);
    expectViolation(res, 'secrets/dev/api/db.yml', 'ref', /ref dev\/api\/db has 2 files/);
    expectViolation(res, 'secrets/dev/api/.hidden.yaml', 'sops-format', /not a SOPS YAML file/);
  });

  it('metadata outside the allowlist is a sops-format violation (S1), not a crash', async () => {
    const r = clone();
    r.write('secrets/dev/api/db.yaml', r.read('secrets/dev/api/db.yaml').replace(/^(\s+)unencrypted_suffix: _unencrypted$/m, '$1unencrypted_regex: ^pub'));
    const res = await r.validate();
    expectViolation(res, 'secrets/dev/api/db.yaml', 'sops-format', /unencrypted_regex/);
  });

  it('parity: the same refs and key names in every environment', async () => {
    const r = clone();
    r.write('policies/rules.yaml', `${RULES}parity: ["providers/**"]\n`);
    expect((await setAs(r, base.admin, 'dev/providers/anthropic', 'ANTHROPIC_API_KEY', 'x')).code).toBe(0);
    expect((await setAs(r, base.admin, 'dev/providers/openrouter', 'OPENROUTER_BASE_URL', 'y')).code).toBe(0);
    const res = await r.validate();
    expectViolation(res, 'secrets/dev/providers/anthropic.yaml', 'parity', /providers\/anthropic exists in dev but not in prod/);
    expectViolation(res, 'secrets/prod/providers/openrouter.yaml', 'parity', /OPENROUTER_BASE_URL \(in dev\)/);
  });

  it('max_age: a value unchanged for longer than its maximum', async () => {
    const r = clone();
    r.write('policies/rules.yaml', `${RULES}max_age:\n  "prod/api/**": 1s\n  "prod/**": 3650d\n`);
    await new Promise((resolve) => setTimeout(resolve, 1500));
    const res = await r.validate();
    expectViolation(res, 'secrets/prod/api/db.yaml', 'max-age', /^secrets\/prod\/api\/db\.yaml:1: max-age: DATABASE_URL has not changed for \d+ seconds \(max_age 1s for prod\/api\/\*\*\); rotate it/);
    expect(res.stdout).not.toMatch(/providers.*max-age/);
  });
});

describe('validate: control files and the rest of the repository', () => {
  it('a committed private key outside the allow-list, while an allowed one passes', async () => {
    const r = clone();
    const age = generateIdentity();
    const pem = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
    const ghp = 'ghp_' + 'a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7R8';
    r.write('deploy/ci.key', `# ${CANARY}\n${age}\n`);
    r.write('deploy/tls.pem', pem);
    r.write('src/config.ts', `export const token = '${ghp}';\n`);
    r.write('examples/identities/demo.txt', `# public demo key\n${generateIdentity()}\n`);
    r.write('policies/rules.yaml', `${RULES}allow:\n  - { path: "examples/identities/*.txt", pattern: "^AGE-SECRET-KEY-1", reason: demo keys }\n`);
    r.git('add', '-A');
    const res = await r.validate();
    expectViolation(res, 'deploy/ci.key', 'secret-scan', /^deploy\/ci\.key:2: secret-scan: an age secret key/);
    expectViolation(res, 'deploy/tls.pem', 'secret-scan', /PEM private key/);
    expectViolation(res, 'src/config.ts', 'secret-scan', /GitHub token/);
    expect(res.stdout).not.toContain('examples/identities');
    expect(res.stdout + res.stderr).not.toContain(age.slice(20));
    expect(res.stdout + res.stderr).not.toContain(ghp.slice(4));
  });

  it('scans tracked files of any size block by block, and still skips binary ones', async () => {
    const r = clone();
    const groq = ['gsk', '_'].join('') + 'Q7ht2LmX9cVb4NzR'.repeat(3) + 'a1B2';
    const line = 'log line: nothing to see here, just filler text of a large tracked file\n';
    const lines = Math.ceil((3 * 1024 * 1024) / line.length); // past the 2 MiB that used to be skipped
    r.write('logs/big.log', `${line.repeat(lines)}token=${groq}\n`);
    r.write('assets/blob.bin', `\0binary\n${groq}\n`);
    r.git('add', '-A');
    const res = await r.validate();
    expectViolation(res, 'logs/big.log', 'secret-scan', new RegExp(`^logs/big\\.log:${lines + 1}: secret-scan: a Groq API key \\(gsk_…\\)`));
    expect(res.stdout).not.toContain('assets/blob.bin');
    expect(res.stdout + res.stderr).not.toContain(groq.slice(4));
  });

  it('schema errors in access.yaml, keyfold.yaml and rules.yaml are violations with their line', async () => {
    const r = clone();
    r.write('policies/rules.yaml', `required:\n  "prod/**": [DATABASE_URL]\nmax_age:\n  "prod/**": ninety-days\n`);
    r.write('keyfold.yaml', CONFIG.replace('agents:', 'bogus: 1\nagents:'));
    r.write('policies/access.yaml', policyText(r.id).replace('  developer: [alice]', '  developer: [alice, nobody]'));
    const res = await r.validate();
    expectViolation(res, 'policies/rules.yaml', 'config', /^policies\/rules\.yaml:4: config: max_age\.prod\/\*\*: expected a duration/);
    expectViolation(res, 'keyfold.yaml', 'config', /bogus/);
    expectViolation(res, 'policies/access.yaml', 'policy', /"nobody" is not a member/);
  });

  it('.sops.yaml and CODEOWNERS must equal what the policy generates', async () => {
    const r = clone();
    r.write('.sops.yaml', r.read('.sops.yaml').replace(/age1[0-9a-z]{58}/, r.id('bob').recipient));
    r.write('.github/CODEOWNERS', r.read('.github/CODEOWNERS') + '/secrets/prod/ @alice-gh\n');
    const res = await r.validate();
    expectViolation(res, '.sops.yaml', 'sops-config', /differs from what the policy generates/);
    expectViolation(res, '.github/CODEOWNERS', 'codeowners', /differs from what the policy generates/);
  });

  it('a plaintext output of a target inside the repository must be git-ignored', async () => {
    const r = clone();
    r.write('keyfold.yaml', CONFIG.replace('targets:\n', 'targets:\n  api-dev-env: { type: dotenv, path: run/api.dev.env }\n  api-k8s: { type: k8s, namespace: prod, name: api, out: run/k8s }\n'));
    writeGenerated(r);
    const res = await r.validate();
    expectViolation(res, 'keyfold.yaml', 'plaintext-output', /target api-dev-env writes plaintext to run\/api\.dev\.env/);
    // A k8s manifest (out:) holds the values too (base64 is not encryption).
    expectViolation(res, 'keyfold.yaml', 'plaintext-output', /target api-k8s writes plaintext to run\/k8s/);
    r.write('.gitignore', 'run/\n');
    expectClean(await r.validate());
  });
});

describe('validate --base: who may change what (S3, S4)', () => {
  it('a policy edit by a non-admin author', async () => {
    const r = clone();
    r.write('policies/access.yaml', policyText(r.id).replace('read: ["dev/**"]', 'read: ["dev/**", "prod/analytics/**"]'));
    r.commit('alice widens her own read access');
    const res = await r.validate('--base', baseSha, '--author', 'alice-gh');
    expectViolation(res, 'policies/access.yaml', 'control-plane', /only admins may change it \(author alice\)/);
  });

  it('a developer changing a prod ref outside their write grant', async () => {
    const r = clone();
    // Write-only replacement of a file whose only key alice sets: keyfold's set refuses it
    // locally now (no write grant); a hand-made replacement is caught by validate.
    const set = await setAs(r, r.id('alice'), 'prod/api/db', 'DATABASE_URL', 'postgres://attacker');
    expect(set.code, set.stderr).toBe(4);
    expect(set.stderr).toMatch(/alice may not write prod\/api\/db: no grant of role developer has write on it/);
    forceSet(r, r.id('alice'), 'prod/api/db', 'DATABASE_URL', 'postgres://attacker');
    r.commit('alice replaces the prod database URL');
    const res = await r.validate('--base', baseSha, '--author', 'alice-gh');
    expectViolation(res, 'secrets/prod/api/db.yaml', 'write-access', /alice may not write prod\/api\/db \(modified\)/);
  });

  it('an agent member authoring any change', async () => {
    const r = clone();
    expect((await setAs(r, base.admin, 'dev/api/db', 'REDIS_URL', 'redis://dev')).code).toBe(0);
    r.commit('cron-bot touches dev');
    const res = await r.validate('--base', baseSha, '--author', 'cron-bot');
    expectViolation(res, 'secrets/dev/api/db.yaml', 'author', /changed by cron, a member of kind agent; agents and machines never write/);
  });

  it('an unknown author', async () => {
    const r = clone();
    expect((await setAs(r, base.admin, 'dev/api/db', 'REDIS_URL', 'redis://dev')).code).toBe(0);
    r.commit('someone');
    const res = await r.validate('--base', baseSha, '--author', 'mallory');
    expectViolation(res, 'policies/access.yaml', 'author', /author "mallory" is not a member of the base policy/);
    // GITHUB_ACTOR is the default author; logins match case-insensitively.
    const asActor = await runCli(['validate', '--base', baseSha], { cwd: r.dir, env: { HOME: base.home, GITHUB_ACTOR: 'ALICE-GH' } });
    expectClean(asActor);
  });

  it('a change to keyfold.yaml or .github/ by a developer', async () => {
    const r = clone();
    r.write('keyfold.yaml', CONFIG.replace('imports: ["providers/**", "api/**"]', 'imports: ["providers/**", "api/**", "analytics/**"]'));
    r.write('.github/workflows/exfil.yml', 'on: push\n');
    r.commit('alice edits the control plane');
    const res = await r.validate('--base', baseSha, '--author', 'alice-gh');
    expectViolation(res, 'keyfold.yaml', 'control-plane', /only admins may change it/);
    expectViolation(res, '.github/workflows/exfil.yml', 'control-plane', /only admins may change it/);
  });

  it('a policy change on the head that would authorize its own change is judged by the base policy', async () => {
    const r = clone();
    const policy = policyText(r.id).replace('write: ["dev/**", "*/providers/**"]', 'write: ["dev/**", "*/providers/**", "prod/**"]');
    r.write('policies/access.yaml', policy);
    writeGenerated(r); // the generated files follow the head policy, as an honest PR would
    // keyfold's set follows the default branch's policy, not the unmerged one, and refuses.
    const set = await setAs(r, r.id('alice'), 'prod/api/db', 'DATABASE_URL', 'postgres://attacker');
    expect(set.code, set.stderr).toBe(4);
    expect(set.stderr).toMatch(/policies\/access\.yaml differs from \S+: recipients and write access follow/);
    forceSet(r, r.id('alice'), 'prod/api/db', 'DATABASE_URL', 'postgres://attacker');
    r.commit('alice grants herself prod and uses it');
    const res = await r.validate('--base', baseSha, '--author', 'alice-gh');
    expectViolation(res, 'secrets/prod/api/db.yaml', 'write-access', /alice may not write prod\/api\/db/);
    expectViolation(res, 'policies/access.yaml', 'control-plane');
    expectViolation(res, '.github/CODEOWNERS', 'codeowners', /base commit's policy/);
    // The same head is consistent with its own policy: only the base makes it fail.
    const alone = await r.validate();
    expect(alone.stdout).not.toMatch(/write-access|control-plane/);
  });

  it('a prod file reverted to an earlier version (rollback, S5)', async () => {
    const r = clone();
    r.git('checkout', oldOpenrouterSha, '--', 'secrets/prod/providers/openrouter.yaml');
    r.commit('revert openrouter');
    const res = await r.validate('--base', baseSha, '--author', 'admin-gh');
    expectViolation(res, 'secrets/prod/providers/openrouter.yaml', 'rollback', /MAC equals that of an earlier version \(commit [0-9a-f]{12}\)/);
    expectViolation(res, 'secrets/prod/providers/openrouter.yaml', 'rollback', /lastmodified went backwards/);
  });

  it("an admin's commit added on top of a developer's prod change: the least privileged decides (S4)", async () => {
    const r = clone();
    forceSet(r, r.id('alice'), 'prod/api/db', 'DATABASE_URL', 'postgres://attacker');
    r.commit('alice: prod change');
    r.write('README.md', 'update branch\n');
    r.commit('admin: update branch');
    const both = await r.validate('--base', baseSha, '--author', 'alice-gh', '--author', 'admin-gh');
    expectViolation(both, 'secrets/prod/api/db.yaml', 'write-access', /alice may not write prod\/api\/db/);
    // The admin alone would be allowed the very same change.
    expectClean(await r.validate('--base', baseSha, '--author', 'admin-gh'));
  });

  it('an admin may change the policy, with recipients and generated files following the new policy', async () => {
    const r = clone();
    r.write('policies/access.yaml', policyText(r.id).replace('read: ["dev/**"]', 'read: ["dev/**", "prod/analytics/**"]'));
    writeGenerated(r);
    reseal(r, 'prod/analytics/posthog', (groups) => groups);
    r.commit('admin: developers read analytics');
    expectClean(await r.validate('--base', baseSha, '--author', 'admin-gh'));
  });

  it('onboarding: a PR that only adds its author as a member with no role passes', async () => {
    const r = clone();
    const bob = `  bob: { recipient: ${r.id('bob').recipient}, github: bob-gh }\n`;
    r.write('policies/access.yaml', policyText(r.id, bob));
    r.commit('bob onboards himself');
    expectClean(await r.validate('--base', baseSha, '--author', 'bob-gh'));
    // …by bob only: another newcomer is unknown.
    expectViolation(await r.validate('--base', baseSha, '--author', 'carl-gh'), 'policies/access.yaml', 'author');
    // With a role, it is no longer onboarding.
    const r2 = clone();
    r2.write('policies/access.yaml', policyText(r2.id, bob).replace('developer: [alice]', 'developer: [alice, bob]'));
    r2.commit('bob onboards himself as a developer');
    expectViolation(await r2.validate('--base', baseSha, '--author', 'bob-gh'), 'policies/access.yaml', 'author');
  });

  it("a developer's write-only new file under prod/providers passes", async () => {
    const r = clone();
    const set = await setAs(r, r.id('alice'), 'prod/providers/newprov', 'NEWPROV_API_KEY', `sk-new-${CANARY}-value`);
    expect(set.code, set.stderr).toBe(0);
    expect(set.stdout).toMatch(/write-only/);
    r.commit('alice adds a prod provider key');
    const res = await r.validate('--base', baseSha, '--author', 'alice-gh', '--format', 'json');
    expect(res.code, res.stdout).toBe(0);
    expect(JSON.parse(res.stdout)).toEqual({
      ok: true,
      violations: [],
      changed: [{ file: 'secrets/prod/providers/newprov.yaml', status: 'added', ref: 'prod/providers/newprov', keys: { added: ['NEWPROV_API_KEY'], changed: [], removed: [] } }],
    });
  });
});

describe('validate: output formats', () => {
  it('--summary writes Markdown with key names, services and reviewers, never values', async () => {
    const r = clone();
    // The re-key state vouches for prod's files (S6), so the admin's writes keep the data key.
    const rekeyed = await runCli(['recipients', 'sync', '--env', 'prod', '--rekey-merged', '--since', 'HEAD', '--identity', base.admin.file], { cwd: r.dir, env: { HOME: base.home } });
    expect(rekeyed.code, rekeyed.stderr).toBe(0);
    expect((await setAs(r, base.admin, 'prod/providers/openrouter', 'OPENROUTER_API_KEY', `sk-${CANARY}-rotated-value`)).code).toBe(0);
    expect((await setAs(r, base.admin, 'prod/providers/openrouter', 'OPENROUTER_BASE_URL', `https://${CANARY}.example`)).code).toBe(0);
    r.commit('admin rotates openrouter');
    const summary = join(tmp.path, `summary-${clones}.md`);
    const res = await r.validate('--base', baseSha, '--author', 'admin-gh', '--summary', summary);
    expect(res.code, res.stdout).toBe(0);
    const md = readFileSync(summary, 'utf8');
    expect(md).toContain('no violations');
    expect(md).toContain('`prod/providers/openrouter`');
    expect(md).toMatch(/added `OPENROUTER_BASE_URL`; changed `OPENROUTER_API_KEY`/);
    expect(md).toMatch(/`api` → `gh-api-prod`/);
    // The sync plan: the targets a merge updates, names only.
    expect(md).toMatch(/#### Sync on merge\n\nA merge makes `keyfold sync` update 1 target \(1 `github`\) of 1 service/);
    expect(md).toContain('| `gh-api-prod` | `github` | `prod` | `api` |');
    expect(md).toMatch(/#### Required reviewers\n\n- @Admin-GH: `secrets\/prod\/providers\/openrouter\.yaml`/);
    expect(md).not.toContain(CANARY);
    expect(md).not.toContain('ENC[');
  });

  it('--format github prints workflow-command annotations', async () => {
    const r = clone();
    r.write('secrets/dev/api/db.yaml', r.read('secrets/dev/api/db.yaml').replace(/^sops:/m, 'LEAKED: a,b:c\nsops:'));
    const res = await r.validate('--format', 'github');
    expect(res.code).toBe(3);
    expect(res.stdout).toMatch(/^::error file=secrets\/dev\/api\/db\.yaml,line=2,title=plaintext-value::LEAKED is not encrypted; only values under keys ending in _unencrypted may be plaintext$/m);
    expect(res.stdout.trim().split('\n').at(-1)).toBe('1 violation');
  });

  it('usage: --base needs an author; an unknown base is a usage error', async () => {
    const r = clone();
    expect((await r.validate('--base', baseSha)).code).toBe(2);
    const bad = await r.validate('--base', 'no-such-rev', '--author', 'admin-gh');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/not a commit/);
  });

  it('reports the same on 1, 2 and 3 threads (KEYFOLD_THREADS), violations and changes alike', async () => {
    const r = clone();
    // Enough files for several batches of 32, and a violation of each per-file kind among them.
    const good = r.read('secrets/dev/api/db.yaml');
    for (let i = 0; i < 80; i++) r.write(`secrets/dev/bulk/f${String(i).padStart(2, '0')}.yaml`, good);
    r.write('secrets/dev/bulk/f05.yaml', good.replace(/^sops:/m, `LEAKED_TOKEN: plain-${CANARY}-text\nsops:`));
    r.write('secrets/dev/bulk/f40.yaml', good.replace(/^sops:/m, 'lower_case: ENC[AES256_GCM,data:AA==,iv:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=,tag:AAAAAAAAAAAAAAAAAAAAAA==,type:str]\nsops:'));
    r.write('secrets/dev/bulk/f41.yaml', 'A: 1\n');
    r.write('secrets/dev/bulk/f70.yaml', good.replace(/^(\s+)unencrypted_suffix: _unencrypted$/m, '$1unencrypted_regex: ^pub'));
    reseal(r, 'prod/api/db', (groups) => groups.map((g) => [...g, r.id('alice').recipient]));
    const run = (threads: number) => runCli(['validate', '--json', '--base', baseSha, '--author', 'Admin-GH'], { cwd: r.dir, env: { HOME: base.home, KEYFOLD_THREADS: String(threads) } });
    const one = await run(1);
    expect(one.code, one.stderr).toBe(3);
    const report = JSON.parse(one.stdout) as { violations: Array<{ file: string; rule: string }>; changed: unknown[] };
    for (const [file, rule] of [
      ['secrets/dev/bulk/f05.yaml', 'plaintext-value'],
      ['secrets/dev/bulk/f40.yaml', 'key-name'],
      ['secrets/dev/bulk/f41.yaml', 'sops-format'],
      ['secrets/dev/bulk/f70.yaml', 'sops-format'],
      ['secrets/prod/api/db.yaml', 'recipients'],
    ]) {
      expect(report.violations, `${file} ${rule}`).toContainEqual(expect.objectContaining({ file, rule }));
    }
    expect(report.changed.length).toBeGreaterThan(80);
    for (const threads of [2, 3]) {
      const res = await run(threads);
      expect({ code: res.code, stdout: res.stdout }, `${threads} threads`).toEqual({ code: one.code, stdout: one.stdout });
      expect(res.stderr).not.toContain(CANARY);
    }
  });
});
