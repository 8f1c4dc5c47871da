/**
 * Access tiers end to end (docs/access-policy.md: tiers, break-glass as Shamir, policy and
 * write-only, S6 re-key after merge, S2 structure): the built CLI in real temp git
 * repositories, with a hand-written policy like docs/access-policy.md's.
 */
import { execFileSync } from 'node:child_process';
import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { runCli, tempDir, type CliOptions, type CliResult } from './helpers/cli.js';
import { makeIdentity, makeRepo, type TestIdentity, type TestRepo } from './helpers/repo.js';

/** Seeded refs and their plaintext (fake values, each unique so leaks are findable). */
const SEED: Record<string, Record<string, string>> = {
  'dev/api/db': { DATABASE_URL: 'postgres://dev-db-value-1111', DB_PASSWORD: 'dev-password-2222' },
  'dev/providers/openrouter': { OPENROUTER_API_KEY: 'sk-or-dev-value-3333' },
  'staging/api/db': { DATABASE_URL: 'postgres://staging-db-value-4444' },
  'prod/api/db': { DATABASE_URL: 'postgres://prod-db-value-5555', DB_PASSWORD: 'prod-password-6666' },
  'prod/analytics/warehouse': { WAREHOUSE_TOKEN: 'warehouse-token-value-7777' },
  'prod/providers/openrouter': { OPENROUTER_API_KEY: 'sk-or-prod-value-8888' },
  'prod/providers/multi': { A_API_KEY: 'multi-a-value-9999', B_API_KEY: 'multi-b-value-0000' },
};
const REFS = Object.keys(SEED).sort();
const DEV_REFS = REFS.filter((r) => r.startsWith('dev/'));
const STAGING_REFS = REFS.filter((r) => r.startsWith('staging/'));
const PROD_REFS = REFS.filter((r) => r.startsWith('prod/'));
const ALL_VALUES = Object.values(SEED).flatMap((m) => Object.values(m));
const CUSTODIANS = ['dave', 'erin', 'frank'] as const;

const fileOf = (ref: string) => `secrets/${ref}.yaml`;

interface Repo {
  dir: string;
  admin: TestIdentity;
  id(name: string): TestIdentity;
  /** As `as` (default admin; null: no identity at all); extra `--identity` flags go in args. */
  run(args: string[], options?: Partial<CliOptions> & { as?: TestIdentity | null }): Promise<CliResult>;
  git(...args: string[]): string;
  read(ref: string): string;
}

const tmp = tempDir('keyfold-access-');
afterAll(() => tmp.cleanup());

let base: TestRepo;
let extra: Map<string, TestIdentity>;
let seeded: Repo;
let clones = 0;

function policyText(id: (name: string) => TestIdentity): string {
  return `# Access policy for the access-tier tests (docs/access-policy.md).
# Readers of a file are exactly the members whose roles grant read.
members:
  admin: { recipient: ${id('admin').recipient}, github: admin-gh }
  alice: { recipient: ${id('alice').recipient}, github: alice-gh }   # a developer
  ci-prod: { recipient: ${id('ci-prod').recipient}, kind: machine }
  revenue-cron: { recipient: ${id('revenue-cron').recipient}, kind: agent }
  # break-glass custodians: members with no role
  dave: { recipient: ${id('dave').recipient}, github: dave-gh }
  erin: { recipient: ${id('erin').recipient}, github: erin-gh }
  frank: { recipient: ${id('frank').recipient}, github: frank-gh }
roles:
  developer: [alice]   # developers read dev and staging
  admin: [admin]
  ci-prod: [ci-prod]
  agent-prod-readonly: [revenue-cron]
grants:
  - { role: developer, read: ["dev/**", "staging/**"], write: ["dev/**", "*/providers/**"] }
  - { role: admin, read: ["**"], write: ["**"] }
  - { role: ci-prod, read: ["prod/**"] }
  - { role: agent-prod-readonly, read: ["prod/analytics/**"] }
breakglass: { custodians: [dave, erin, frank], threshold: 2, read: ["prod/**"] }  # two of three
`;
}

function bind(dir: string): Repo {
  const id = (name: string): TestIdentity => (name === 'admin' ? base.admin : (extra.get(name) ?? base.identity(name)));
  return {
    dir,
    admin: base.admin,
    id,
    run: (args, opts = {}) => {
      const as = opts.as === undefined ? base.admin : opts.as;
      return runCli([...args, ...(as ? ['--identity', as.file] : [])], { cwd: dir, env: { HOME: base.home, ...opts.env }, input: opts.input });
    },
    git: (...args) => execFileSync('git', args, { cwd: dir, encoding: 'utf8', env: { ...process.env, GIT_CONFIG_NOSYSTEM: '1' } }),
    read: (ref) => readFileSync(join(dir, fileOf(ref)), 'utf8'),
  };
}

/** A private copy of a repository (work tree and .git), for tests that change it. */
function clone(from: Repo = seeded): Repo {
  const dir = join(tmp.path, `clone-${clones++}`);
  cpSync(from.dir, dir, { recursive: true });
  return bind(dir);
}

async function ok(p: Promise<CliResult>): Promise<CliResult> {
  const r = await p;
  if (r.code !== 0) throw new Error(`expected exit 0, got ${r.code}: ${r.stderr}`);
  return r;
}

async function show(repo: Repo, ref: string, ...ids: TestIdentity[]): Promise<CliResult> {
  const [first, ...rest] = ids.length ? ids : [repo.admin];
  return repo.run(['show', ref, '--json', ...rest.flatMap((i) => ['--identity', i.file])], { as: first });
}

async function values(repo: Repo, ref: string, ...ids: TestIdentity[]): Promise<Record<string, string>> {
  const r = await ok(show(repo, ref, ...ids));
  return JSON.parse(r.stdout) as Record<string, string>;
}

interface SopsMeta {
  age?: Array<{ recipient: string; enc: string }>;
  key_groups?: Array<{ age: Array<{ recipient: string; enc: string }> }>;
  shamir_threshold?: number;
}

function metaOf(text: string): SopsMeta {
  return (parseYaml(text) as { sops: SopsMeta }).sops;
}

/** Key groups as lists of recipients, in file order. */
function groupsOf(text: string): Array<Array<{ recipient: string; enc: string }>> {
  const m = metaOf(text);
  return m.key_groups ? m.key_groups.map((g) => g.age) : [m.age ?? []];
}

/** Every data-key envelope (`enc`) of a file. */
const envelopes = (text: string) => groupsOf(text).flatMap((g) => g.map((e) => e.enc));

/** Every value's `ENC[…]` string (everything outside `sops`), by top-level key. */
function encValues(text: string): Record<string, string> {
  const doc = parseYaml(text) as Record<string, unknown>;
  return Object.fromEntries(Object.entries(doc).filter(([k]) => k !== 'sops')) as Record<string, string>;
}

/** The text before the `sops:` block: the values. */
const valuePart = (text: string) => text.slice(0, text.indexOf('\nsops:\n'));

function snapshot(repo: Repo): Map<string, string> {
  const refs = repo.git('ls-files', '--others', '--cached', '--exclude-standard', '--', 'secrets').split('\n').filter((p) => p.endsWith('.yaml'));
  return new Map(refs.map((p) => [p, readFileSync(join(repo.dir, p), 'utf8')]));
}

const expectNoValues = (text: string) => {
  for (const v of ALL_VALUES) expect(text, 'a value in output').not.toContain(v);
};

beforeAll(async () => {
  base = await makeRepo({ members: ['alice', 'ci-prod', 'revenue-cron', 'dave', 'erin', 'frank'] });
  extra = new Map([['bob', makeIdentity(join(tmp.path), 'bob')]]);
  seeded = bind(base.dir);
  writeFileSync(join(base.dir, 'policies', 'access.yaml'), policyText(seeded.id));
  for (const [ref, kv] of Object.entries(SEED)) {
    for (const [k, v] of Object.entries(kv)) await ok(seeded.run(['set', ref, k, '--stdin'], { input: v }));
  }
  seeded.git('add', '-A');
  seeded.git('commit', '-q', '-m', 'seed');
}, 60_000);

afterAll(() => base?.cleanup());

describe('read tiers', () => {
  it('a developer reads dev and staging, and gets exit 4 on prod; an admin reads everything', async () => {
    const alice = seeded.id('alice');
    expect(await values(seeded, 'dev/api/db', alice)).toEqual(SEED['dev/api/db']);
    expect(await values(seeded, 'staging/api/db', alice)).toEqual(SEED['staging/api/db']);
    for (const ref of PROD_REFS) {
      const r = await show(seeded, ref, alice);
      expect(r.code, ref).toBe(4);
      expect(r.stdout).toBe('');
      expectNoValues(r.stderr);
    }
    for (const ref of REFS) expect(await values(seeded, ref), ref).toEqual(SEED[ref]);
  });

  it('an agent-prod-readonly member reads only its prod folder', async () => {
    const cron = seeded.id('revenue-cron');
    expect(await values(seeded, 'prod/analytics/warehouse', cron)).toEqual(SEED['prod/analytics/warehouse']);
    for (const ref of REFS.filter((r) => r !== 'prod/analytics/warehouse')) expect((await show(seeded, ref, cron)).code, ref).toBe(4);
  });

  it('ci-prod reads prod alone, not dev', async () => {
    const ci = seeded.id('ci-prod');
    expect(await values(seeded, 'prod/api/db', ci)).toEqual(SEED['prod/api/db']);
    expect((await show(seeded, 'dev/api/db', ci)).code).toBe(4);
  });

  it('break-glass: two of three custodians decrypt prod together; one alone cannot; custodians get nothing outside break-glass', async () => {
    const [dave, erin, frank] = CUSTODIANS.map((c) => seeded.id(c));
    expect(await values(seeded, 'prod/api/db', dave!, erin!)).toEqual(SEED['prod/api/db']);
    expect(await values(seeded, 'prod/providers/openrouter', frank!, dave!)).toEqual(SEED['prod/providers/openrouter']);
    for (const c of [dave!, erin!, frank!]) {
      const r = await show(seeded, 'prod/api/db', c);
      expect(r.code, c.name).toBe(4);
      expect(r.stdout).toBe('');
    }
    // dev is not under break-glass: even all three together cannot read it.
    expect((await show(seeded, 'dev/api/db', dave!, erin!, frank!)).code).toBe(4);
  });

  it('prod files carry the break-glass key-group structure: 3 groups, threshold 2, readers in every group, custodian i only in group i', () => {
    const admin = seeded.admin.recipient;
    const ci = seeded.id('ci-prod').recipient;
    const cron = seeded.id('revenue-cron').recipient;
    const custodians = CUSTODIANS.map((c) => seeded.id(c).recipient);
    for (const ref of PROD_REFS) {
      const text = seeded.read(ref);
      const meta = metaOf(text);
      expect(meta.age, `${ref}: no top-level age list beside key groups`).toBeUndefined();
      expect(meta.shamir_threshold, ref).toBe(2);
      expect(meta.key_groups, ref).toHaveLength(3);
      meta.key_groups!.forEach((g, i) => {
        const rs = g.age.map((e) => e.recipient);
        expect(rs, `${ref} group ${i}`).toContain(admin);
        expect(rs, `${ref} group ${i}`).toContain(ci);
        custodians.forEach((c, j) => expect(rs.includes(c), `${ref}: custodian ${j} in group ${i}`).toBe(i === j));
        expect(rs.includes(cron), `${ref}: agent in group ${i}`).toBe(ref === 'prod/analytics/warehouse');
        expect(rs, `${ref}: the developer is never a prod recipient`).not.toContain(seeded.id('alice').recipient);
        expect(new Set(rs).size).toBe(rs.length);
        expect(rs.length).toBe(ref === 'prod/analytics/warehouse' ? 4 : 3);
      });
    }
    for (const ref of [...DEV_REFS, ...STAGING_REFS]) {
      const meta = metaOf(seeded.read(ref));
      expect(meta.key_groups, ref).toBeUndefined();
      expect(meta.age!.map((e) => e.recipient).sort()).toEqual([admin, seeded.id('alice').recipient].sort());
    }
  });
});

describe('write-only contributions (docs/access-policy.md)', () => {
  let repo: Repo;
  beforeAll(() => {
    repo = clone();
  });

  it('a developer creates a new prod provider file that the admin can read and they cannot', async () => {
    const alice = repo.id('alice');
    const value = 'sk-newco-secret-abcdef';
    const r = await repo.run(['set', 'prod/providers/newco', 'NEWCO_API_KEY', '--stdin'], { as: alice, input: value });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/created: prod\/providers\/newco NEWCO_API_KEY/);
    expect(r.stdout).toMatch(/write-only/);
    expect(r.stdout + r.stderr).not.toContain(value);
    expect(await values(repo, 'prod/providers/newco')).toEqual({ NEWCO_API_KEY: value });
    expect(await values(repo, 'prod/providers/newco', repo.id('ci-prod'))).toEqual({ NEWCO_API_KEY: value });
    expect((await show(repo, 'prod/providers/newco', alice)).code).toBe(4);
    const meta = metaOf(repo.read('prod/providers/newco'));
    expect(meta.key_groups).toHaveLength(3);
    expect(meta.shamir_threshold).toBe(2);
  });

  it('the same developer replaces a single-key prod provider file holding only the key they set', async () => {
    const alice = repo.id('alice');
    const before = repo.read('prod/providers/openrouter');
    const r = await repo.run(['set', 'prod/providers/openrouter', 'OPENROUTER_API_KEY', '--stdin', '--json'], { as: alice, input: 'sk-or-prod-rotated-by-alice' });
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ ref: 'prod/providers/openrouter', key: 'OPENROUTER_API_KEY', action: 'replaced', writeOnly: true });
    expect(await values(repo, 'prod/providers/openrouter')).toEqual({ OPENROUTER_API_KEY: 'sk-or-prod-rotated-by-alice' });
    expect((await show(repo, 'prod/providers/openrouter', alice)).code).toBe(4);
    // A replacement is a new file: a fresh data key, and still the policy's structure.
    const after = repo.read('prod/providers/openrouter');
    for (const enc of envelopes(after)) expect(envelopes(before)).not.toContain(enc);
    expect(metaOf(after).key_groups).toHaveLength(3);
  });

  it('setting a key in an existing multi-key prod file is refused (exit 4, write-only hint) and leaves it unchanged', async () => {
    const alice = repo.id('alice');
    const before = repo.read('prod/providers/multi');
    for (const key of ['A_API_KEY', 'C_API_KEY']) {
      const r = await repo.run(['set', 'prod/providers/multi', key, '--stdin'], { as: alice, input: 'attacker-value-xyz' });
      expect(r.code, key).toBe(4);
      expect(r.stderr).toMatch(/write-only/);
      expect(r.stdout).toBe('');
      expect(r.stderr).not.toContain('attacker-value-xyz');
      expectNoValues(r.stderr);
    }
    expect(repo.read('prod/providers/multi')).toBe(before);
    expect(await values(repo, 'prod/providers/multi')).toEqual(SEED['prod/providers/multi']);
  });

  it('adding a second key to a single-key file they cannot read is refused too', async () => {
    const before = repo.read('prod/providers/openrouter');
    const r = await repo.run(['set', 'prod/providers/openrouter', 'OTHER_API_KEY', '--stdin'], { as: repo.id('alice'), input: 'x-value-1' });
    expect(r.code).toBe(4);
    expect(r.stderr).toMatch(/write-only/);
    expect(repo.read('prod/providers/openrouter')).toBe(before);
  });
});

describe('member remove, then recipients sync', () => {
  let repo: Repo;
  let before: Map<string, string>;
  beforeAll(() => {
    repo = clone();
    before = snapshot(repo);
  });

  it('member remove lists the refs and keys the member can read, never values', async () => {
    const policyBefore = readFileSync(join(repo.dir, 'policies/access.yaml'), 'utf8');
    const r = await repo.run(['member', 'remove', 'alice']);
    expect(r.code, r.stderr).toBe(0);
    expectNoValues(r.stdout + r.stderr);
    const lines = r.stdout.split('\n');
    for (const ref of [...DEV_REFS, ...STAGING_REFS]) {
      const line = lines.find((l) => l.trim().startsWith(`${ref}:`));
      expect(line, ref).toBeDefined();
      for (const key of Object.keys(SEED[ref]!)) expect(line).toContain(key);
      expect(line).not.toMatch(/\bsops\b/);
    }
    for (const ref of PROD_REFS) expect(r.stdout).not.toContain(`${ref}:`);
    const policy = readFileSync(join(repo.dir, 'policies/access.yaml'), 'utf8');
    expect(policy).not.toMatch(/^\s*alice:/m);
    expect(policy).not.toContain(repo.id('alice').recipient);
    expect(policy).toContain('# break-glass custodians: members with no role');
    expect(policy).not.toBe(policyBefore);
  });

  it('recipients sync --check (no identity) sees the drift: readers removed, fresh data key', async () => {
    const r = await repo.run(['recipients', 'sync', '--check', '--json'], { as: null });
    expect(r.code).toBe(3);
    const out = JSON.parse(r.stdout) as { ok: boolean; changes: Array<{ ref: string; action: string; removed: string[]; added: string[] }> };
    expect(out.ok).toBe(false);
    expect(out.changes.map((c) => c.ref).sort()).toEqual([...DEV_REFS, ...STAGING_REFS].sort());
    // alice is no longer a member; policies/rotations.yaml keeps her name.
    for (const c of out.changes) expect(c).toMatchObject({ action: 'rekey', removed: ['alice (removed)'], added: [] });
  });

  it('after sync, no file is decryptable by the removed identity, and the files they could read have fresh data keys and new ciphertext', async () => {
    const r = await repo.run(['recipients', 'sync']);
    expect(r.code, r.stderr).toBe(0);
    expectNoValues(r.stdout + r.stderr);
    const alice = repo.id('alice');
    for (const ref of REFS) expect((await show(repo, ref, alice)).code, ref).toBe(4);
    for (const ref of [...DEV_REFS, ...STAGING_REFS]) {
      const old = before.get(fileOf(ref))!;
      const now = repo.read(ref);
      expect(groupsOf(now).flat().map((e) => e.recipient)).toEqual([repo.admin.recipient]);
      // The admin's own envelope changed: a new data key, not a re-wrap.
      const oldAdmin = groupsOf(old).flat().find((e) => e.recipient === repo.admin.recipient)!.enc;
      expect(envelopes(now)).not.toContain(oldAdmin);
      const oldEnc = encValues(old);
      const newEnc = encValues(now);
      expect(Object.keys(newEnc)).toEqual(Object.keys(oldEnc));
      for (const k of Object.keys(oldEnc)) expect(newEnc[k], `${ref} ${k}`).not.toBe(oldEnc[k]);
      expect(await values(repo, ref)).toEqual(SEED[ref]);
    }
    // Files alice could not read are untouched.
    for (const ref of PROD_REFS) expect(repo.read(ref), ref).toBe(before.get(fileOf(ref)));
    expect((await repo.run(['recipients', 'sync', '--check'], { as: null })).code).toBe(0);
  });

  it('member remove --json of the agent: its one folder; after sync it reads nothing', async () => {
    const r = await repo.run(['member', 'remove', 'revenue-cron', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout) as { name: string; exposure: Array<{ ref: string; keys: string[]; deleted: boolean }> };
    expect(out.name).toBe('revenue-cron');
    expect(out.exposure).toEqual([{ ref: 'prod/analytics/warehouse', keys: ['WAREHOUSE_TOKEN'], deleted: false }]);
    const old = repo.read('prod/analytics/warehouse');
    await ok(repo.run(['recipients', 'sync']));
    const now = repo.read('prod/analytics/warehouse');
    expect(encValues(now)['WAREHOUSE_TOKEN']).not.toBe(encValues(old)['WAREHOUSE_TOKEN']);
    for (const enc of envelopes(now)) expect(envelopes(old)).not.toContain(enc);
    expect(metaOf(now).key_groups).toHaveLength(3);
    for (const ref of REFS) expect((await show(repo, ref, repo.id('revenue-cron'))).code, ref).toBe(4);
    expect(await values(repo, 'prod/analytics/warehouse')).toEqual(SEED['prod/analytics/warehouse']);
    expect(await values(repo, 'prod/analytics/warehouse', repo.id('erin'), repo.id('frank'))).toEqual(SEED['prod/analytics/warehouse']);
  });
});

describe('member add, then recipients sync', () => {
  let repo: Repo;
  beforeAll(() => {
    repo = clone();
  });

  it('adds the member under its role, keeping the policy file comments', async () => {
    const bob = repo.id('bob');
    const r = await repo.run(['member', 'add', 'bob', '--recipient', bob.recipient, '--role', 'developer', '--github', 'bob-gh']);
    expect(r.code, r.stderr).toBe(0);
    const text = readFileSync(join(repo.dir, 'policies/access.yaml'), 'utf8');
    for (const comment of ['# Access policy for the access-tier tests (docs/access-policy.md).', '# break-glass custodians: members with no role', '# developers read dev and staging', '# two of three', '# a developer']) {
      expect(text, comment).toContain(comment);
    }
    const policy = parseYaml(text) as { members: Record<string, { recipient: string; github?: string }>; roles: Record<string, string[]> };
    expect(policy.members['bob']).toEqual({ recipient: bob.recipient, github: 'bob-gh' });
    expect(policy.roles['developer']).toEqual(['alice', 'bob']);
    expect((await repo.run(['access', '--member', 'bob', '--json'])).stdout).toContain('dev/api/db');
  });

  it('sync changes only the sops metadata of the files bob may read; value lines and other files are untouched', async () => {
    const check = await repo.run(['recipients', 'sync', '--check', '--json'], { as: null });
    expect(check.code).toBe(3);
    const plan = JSON.parse(check.stdout) as { changes: Array<{ ref: string; action: string; added: string[]; removed: string[] }> };
    expect(plan.changes.map((c) => c.ref).sort()).toEqual([...DEV_REFS, ...STAGING_REFS].sort());
    for (const c of plan.changes) expect(c).toMatchObject({ action: 'add', added: ['bob'], removed: [] });

    const r = await repo.run(['recipients', 'sync']);
    expect(r.code, r.stderr).toBe(0);

    const changed = repo.git('diff', '--name-only', 'HEAD', '--', 'secrets').split('\n').filter(Boolean).sort();
    expect(changed).toEqual([...DEV_REFS, ...STAGING_REFS].map(fileOf).sort());
    for (const file of changed) {
      const old = repo.git('show', `HEAD:${file}`);
      const now = readFileSync(join(repo.dir, file), 'utf8');
      expect(valuePart(now), file).toBe(valuePart(old));
      // Every hunk of the diff starts below the `sops:` line, in both versions.
      const sopsOld = old.split('\n').indexOf('sops:') + 1;
      const sopsNew = now.split('\n').indexOf('sops:') + 1;
      const diff = repo.git('diff', '--no-ext-diff', '--no-textconv', '-U0', 'HEAD', '--', file);
      const hunks = [...diff.matchAll(/^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@/gm)];
      expect(hunks.length, file).toBeGreaterThan(0);
      for (const h of hunks) {
        expect(Number(h[1]), `${file}: old hunk inside sops`).toBeGreaterThan(sopsOld);
        expect(Number(h[3]), `${file}: new hunk inside sops`).toBeGreaterThan(sopsNew);
      }
      for (const line of diff.split('\n').filter((l) => /^[-+](?![-+])/.test(l))) expect(line).not.toMatch(/^[-+][A-Z_]+: ENC\[/);
      // Same data key: the existing envelopes are kept verbatim, bob's is added.
      const oldEnv = groupsOf(old).flat();
      const newEnv = groupsOf(now).flat();
      for (const e of oldEnv) expect(newEnv).toContainEqual(e);
      expect(newEnv.map((e) => e.recipient)).toContain(repo.id('bob').recipient);
    }
    for (const ref of PROD_REFS) expect(repo.git('diff', '--name-only', 'HEAD', '--', fileOf(ref)).trim(), ref).toBe('');

    const bob = repo.id('bob');
    for (const ref of [...DEV_REFS, ...STAGING_REFS]) expect(await values(repo, ref, bob), ref).toEqual(SEED[ref]);
    for (const ref of PROD_REFS) expect((await show(repo, ref, bob)).code, ref).toBe(4);
    expect((await repo.run(['recipients', 'sync', '--check'], { as: null })).code).toBe(0);
  });
});

describe('recipients sync --check / --json / --env', () => {
  it('a clean repository: exit 0 with no identity at all', async () => {
    const r = await seeded.run(['recipients', 'sync', '--check'], { as: null });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(new RegExp(`all ${REFS.length} files match the policy`));
    const j = await seeded.run(['recipients', 'sync', '--check', '--json'], { as: null });
    expect(j.code).toBe(0);
    expect(JSON.parse(j.stdout)).toEqual({ ok: true, changes: [], skipped: [] });
  });

  it('drift: exit 3 with no identity; --json lists each change; --env limits the plan and the sync to one environment', async () => {
    const repo = clone();
    // An admin-tier reader: every file drifts.
    const bob = repo.id('bob');
    await ok(repo.run(['member', 'add', 'bob', '--recipient', bob.recipient, '--role', 'admin']));
    const text = await repo.run(['recipients', 'sync', '--check'], { as: null });
    expect(text.code).toBe(3);
    expect(text.stdout).toMatch(new RegExp(`${REFS.length} of ${REFS.length} files change`));
    expect(text.stdout).toContain('+bob');
    expect(text.stderr).toMatch(/do not match the policy/);

    const all = await repo.run(['recipients', 'sync', '--check', '--json'], { as: null });
    expect(all.code).toBe(3);
    const plan = JSON.parse(all.stdout) as { ok: boolean; changes: Array<Record<string, unknown>> };
    expect(plan.ok).toBe(false);
    expect(plan.changes.map((c) => c['ref']).sort()).toEqual(REFS);
    for (const c of plan.changes) {
      expect(Object.keys(c).sort()).toEqual(['action', 'added', 'file', 'reason', 'ref', 'removed']);
      expect(c).toMatchObject({ action: 'add', added: ['bob'], removed: [], file: fileOf(c['ref'] as string) });
      expect(typeof c['reason']).toBe('string');
    }

    const dev = await repo.run(['recipients', 'sync', '--check', '--json', '--env', 'dev'], { as: null });
    expect(dev.code).toBe(3);
    expect((JSON.parse(dev.stdout) as { changes: Array<{ ref: string }> }).changes.map((c) => c.ref).sort()).toEqual(DEV_REFS);

    const bad = await repo.run(['recipients', 'sync', '--check', '--env', 'qa'], { as: null });
    expect(bad.code).toBe(2);

    // Syncing dev only leaves the others drifting.
    const before = snapshot(repo);
    await ok(repo.run(['recipients', 'sync', '--env', 'dev']));
    for (const [file, t] of before) {
      if (file.startsWith('secrets/dev/')) expect(readFileSync(join(repo.dir, file), 'utf8'), file).not.toBe(t);
      else expect(readFileSync(join(repo.dir, file), 'utf8'), file).toBe(t);
    }
    expect((await repo.run(['recipients', 'sync', '--check', '--env', 'dev'], { as: null })).code).toBe(0);
    const rest = await repo.run(['recipients', 'sync', '--check', '--json'], { as: null });
    expect(rest.code).toBe(3);
    expect((JSON.parse(rest.stdout) as { changes: Array<{ ref: string }> }).changes.map((c) => c.ref).sort()).toEqual([...PROD_REFS, ...STAGING_REFS].sort());
  });

  it('a sync that some files cannot be opened for reports them and exits 4, applying the rest', async () => {
    const repo = clone();
    const bob = repo.id('bob');
    await ok(repo.run(['member', 'add', 'bob', '--recipient', bob.recipient, '--role', 'admin']));
    // ci-prod reads prod only.
    const r = await repo.run(['recipients', 'sync', '--json'], { as: repo.id('ci-prod') });
    expect(r.code).toBe(4);
    const out = JSON.parse(r.stdout) as { applied: string[]; failed: Array<{ ref: string }> };
    expect(out.applied.sort()).toEqual(PROD_REFS);
    expect(out.failed.map((f) => f.ref).sort()).toEqual([...DEV_REFS, ...STAGING_REFS].sort());
    expect(await values(repo, 'prod/api/db', bob)).toEqual(SEED['prod/api/db']);
  });
});

describe('rotate', () => {
  it('rotate --dry-run changes nothing; rotate dev/ gives every dev file a fresh data key and new ciphertext, same values', async () => {
    const repo = clone();
    const before = snapshot(repo);
    const dry = await repo.run(['rotate', '--dry-run']);
    expect(dry.code, dry.stderr).toBe(0);
    for (const ref of REFS) expect(dry.stdout).toContain(ref);
    const dryDev = await repo.run(['rotate', 'dev/', '--dry-run', '--json']);
    expect(dryDev.code).toBe(0);
    expect((JSON.parse(dryDev.stdout) as { changes: Array<{ ref: string; action: string }> }).changes.map((c) => [c.ref, c.action])).toEqual(DEV_REFS.map((r) => [r, 'rekey']));
    for (const [file, t] of before) expect(readFileSync(join(repo.dir, file), 'utf8'), file).toBe(t);

    const r = await repo.run(['rotate', 'dev/', '--json']);
    expect(r.code, r.stderr).toBe(0);
    expect((JSON.parse(r.stdout) as { applied: string[] }).applied.sort()).toEqual(DEV_REFS);
    for (const ref of DEV_REFS) {
      const old = before.get(fileOf(ref))!;
      const now = repo.read(ref);
      for (const enc of envelopes(now)) expect(envelopes(old), ref).not.toContain(enc);
      expect(groupsOf(now).flat().map((e) => e.recipient).sort()).toEqual(groupsOf(old).flat().map((e) => e.recipient).sort());
      const o = encValues(old);
      const n = encValues(now);
      for (const k of Object.keys(o)) expect(n[k], `${ref} ${k}`).not.toBe(o[k]);
      expect(await values(repo, ref)).toEqual(SEED[ref]);
      expect(await values(repo, ref, repo.id('alice'))).toEqual(SEED[ref]);
    }
    for (const ref of [...STAGING_REFS, ...PROD_REFS]) expect(repo.read(ref), ref).toBe(before.get(fileOf(ref)));
  });
});

describe('access', () => {
  interface RefAccess {
    ref: string;
    exists: boolean;
    readers: string[];
    writers: string[];
    breakglass: string[];
  }

  it('access --json: readers, writers and custodians of every ref', async () => {
    const r = await seeded.run(['access', '--json'], { as: null });
    expect(r.code, r.stderr).toBe(0);
    const { refs: rows, skipped } = JSON.parse(r.stdout) as { refs: RefAccess[]; skipped: unknown[] };
    expect(skipped).toEqual([]);
    expect(rows.map((x) => x.ref)).toEqual(REFS);
    const by = new Map(rows.map((x) => [x.ref, x]));
    expect(by.get('dev/api/db')).toEqual({ ref: 'dev/api/db', exists: true, readers: ['admin', 'alice'], writers: ['admin', 'alice'], breakglass: [] });
    expect(by.get('staging/api/db')).toMatchObject({ readers: ['admin', 'alice'], writers: ['admin'], breakglass: [] });
    expect(by.get('prod/api/db')).toEqual({ ref: 'prod/api/db', exists: true, readers: ['admin', 'ci-prod'], writers: ['admin'], breakglass: ['dave', 'erin', 'frank'] });
    expect(by.get('prod/analytics/warehouse')).toMatchObject({ readers: ['admin', 'ci-prod', 'revenue-cron'], writers: ['admin'] });
    expect(by.get('prod/providers/openrouter')).toMatchObject({ readers: ['admin', 'ci-prod'], writers: ['admin', 'alice'] });
  });

  it('access REF (text), also for a ref with no file yet', async () => {
    const r = await seeded.run(['access', 'prod/providers/openrouter'], { as: null });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe('prod/providers/openrouter\n  read:  admin, ci-prod\n  write: admin, alice\n  break-glass: dave, erin, frank\n');
    const none = await seeded.run(['access', 'prod/providers/brandnew'], { as: null });
    expect(none.code).toBe(0);
    expect(none.stdout).toMatch(/^prod\/providers\/brandnew \(no file yet\)\n {2}read: {2}admin, ci-prod\n {2}write: admin, alice\n/);
    const dev = await seeded.run(['access', 'dev/api/db', '--json'], { as: null });
    expect(JSON.parse(dev.stdout)).toEqual({ refs: [{ ref: 'dev/api/db', exists: true, readers: ['admin', 'alice'], writers: ['admin', 'alice'], breakglass: [] }], skipped: [] });
  });

  it('access --member NAME: text and --json', async () => {
    const alice = await seeded.run(['access', '--member', 'alice', '--json'], { as: null });
    expect(alice.code, alice.stderr).toBe(0);
    expect(JSON.parse(alice.stdout)).toEqual({
      member: 'alice',
      kind: 'human',
      roles: ['developer'],
      read: [...DEV_REFS, ...STAGING_REFS].sort(),
      write: [...DEV_REFS, 'prod/providers/multi', 'prod/providers/openrouter'].sort(),
      breakglass: [],
      skipped: [],
    });
    const cron = await seeded.run(['access', '--member', 'revenue-cron'], { as: null });
    expect(cron.stdout).toBe('revenue-cron (agent, roles: agent-prod-readonly)\n  read:  prod/analytics/warehouse\n  write: (none)\n');
    const dave = await seeded.run(['access', '--member', 'dave'], { as: null });
    expect(dave.stdout).toBe(`dave (human, no role)\n  read:  (none)\n  write: (none)\n  break-glass (with other custodians): ${PROD_REFS.join(', ')}\n`);
    const daveJson = JSON.parse((await seeded.run(['access', '--member', 'dave', '--json'], { as: null })).stdout) as { breakglass: string[]; read: string[] };
    expect(daveJson.read).toEqual([]);
    expect(daveJson.breakglass).toEqual(PROD_REFS);
    const missing = await seeded.run(['access', '--member', 'nobody'], { as: null });
    expect(missing.code).toBe(6);
  });
});

describe('recipients sync --rekey-merged (S6)', () => {
  let repo: Repo;
  let newcoCommitted: string;
  const NEWCO = 'sk-newco-merged-value-42';
  const OTHER = 'sk-other-merged-value-43';
  const STATE = 'refs/keyfold/rekeyed/all';

  interface Plan {
    changes: Array<{ ref: string; action: string; reason: string }>;
  }
  /** The plan, comparing with HEAD^ when there is no verified state or re-key commit (as CI passes the push's before). */
  const checkPlan = async (as: TestIdentity): Promise<{ code: number; plan: Plan }> => {
    const r = await repo.run(['recipients', 'sync', '--check', '--rekey-merged', '--since', 'HEAD^', '--json'], { as });
    if (r.code !== 0 && r.code !== 3) throw new Error(`unexpected exit ${r.code}: ${r.stderr}`);
    return { code: r.code, plan: JSON.parse(r.stdout) as Plan };
  };
  const setState = (text: string) => {
    const oid = execFileSync('git', ['hash-object', '-w', '--stdin'], { cwd: repo.dir, input: text, encoding: 'utf8' }).trim();
    repo.git('update-ref', STATE, oid);
  };
  const stateText = () => repo.git('cat-file', 'blob', STATE);

  beforeAll(async () => {
    repo = clone();
    await ok(repo.run(['set', 'prod/providers/newco', 'NEWCO_API_KEY', '--stdin'], { as: repo.id('alice'), input: NEWCO }));
    repo.git('add', '-A');
    repo.git('commit', '-q', '-m', 'alice: add newco (write-only)');
    newcoCommitted = repo.read('prod/providers/newco');
  });

  it("the admin's --rekey-merged gives the merged write-only file a fresh data key; nothing else changes", async () => {
    const before = snapshot(repo);
    const r = await repo.run(['recipients', 'sync', '--rekey-merged', '--since', 'HEAD^', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout) as Plan & { applied: string[] };
    expect(out.applied).toEqual(['prod/providers/newco']);
    expect(out.changes[0]!.reason).toMatch(/changed since --since [0-9a-f]{12} \(no verified re-key state or re-key commit\)/);
    const now = repo.read('prod/providers/newco');
    for (const enc of envelopes(now)) expect(envelopes(newcoCommitted)).not.toContain(enc);
    expect(encValues(now)['NEWCO_API_KEY']).not.toBe(encValues(newcoCommitted)['NEWCO_API_KEY']);
    expect(metaOf(now).key_groups).toHaveLength(3);
    expect(await values(repo, 'prod/providers/newco')).toEqual({ NEWCO_API_KEY: NEWCO });
    for (const [file, t] of before) if (file !== fileOf('prod/providers/newco')) expect(readFileSync(join(repo.dir, file), 'utf8'), file).toBe(t);
    expect(repo.git('for-each-ref', '--format=%(objecttype)', STATE).trim()).toBe('blob');
  });

  it('right after, with the state recorded, it re-keys nothing', async () => {
    const before = snapshot(repo);
    const r = await repo.run(['recipients', 'sync', '--rekey-merged', '--json']);
    expect(r.code, r.stderr).toBe(0);
    expect((JSON.parse(r.stdout) as Plan).changes).toEqual([]);
    for (const [file, t] of before) expect(readFileSync(join(repo.dir, file), 'utf8'), file).toBe(t);
    repo.git('add', '-A');
    repo.git('commit', '-q', '-m', 'recipients sync --rekey-merged');
    // A further write-only file, merged: the recorded state does not know it.
    await ok(repo.run(['set', 'prod/providers/other', 'OTHER_API_KEY', '--stdin'], { as: repo.id('alice'), input: OTHER }));
    repo.git('add', '-A');
    repo.git('commit', '-q', '-m', 'alice: add other (write-only)');
    const { code, plan } = await checkPlan(repo.admin);
    expect(code).toBe(3);
    expect(plan.changes.map((c) => [c.ref, c.action])).toEqual([['prod/providers/other', 'rekey']]);
    expect(plan.changes[0]!.reason).toMatch(/not in the re-key state at [0-9a-f]{12}/);
  });

  it('forged state is not trusted: it falls back to the pushed range (--since)', async () => {
    const genuine = stateText();
    type Recorded = { commit: string; files: Record<string, string>; unopenable: string[] };
    const state = JSON.parse(genuine) as { version: number; recipient: string; files: Recorded; mac: string; readers: Record<string, string> };
    const withOther = (fp: string): Recorded => ({ ...state.files, files: { ...state.files.files, 'prod/providers/other': fp } });
    // The fingerprint `other` has now, as a genuine state would record it (from a copy
    // whose pushed range holds nothing new, so the admin's run re-keys nothing there).
    const copy = clone(repo);
    copy.git('update-ref', '-d', STATE);
    copy.git('commit', '-q', '--allow-empty', '-m', 'empty');
    const cr = await copy.run(['recipients', 'sync', '--rekey-merged', '--since', 'HEAD^', '--json']);
    expect((JSON.parse(cr.stdout) as Plan).changes).toEqual([]);
    const copied = JSON.parse(copy.git('cat-file', 'blob', STATE)) as typeof state;
    const otherFp = copied.files.files['prod/providers/other']!;
    expect(otherFp).toMatch(/^[0-9a-f]{64}$/);

    const forgeries: Record<string, string> = {
      garbage: 'garbage, not JSON\n',
      'JSON null': 'null\n',
      'files: null': JSON.stringify({ ...state, files: null }),
      'files: a string': JSON.stringify({ ...state, files: 'x' }),
      'multibyte mac of the right length': JSON.stringify({ ...state, mac: 'é'.repeat(state.mac.length) }),
      'other added, stale mac and reader tags': JSON.stringify({ ...state, files: withOther(otherFp) }),
      'other added, signed in another name': JSON.stringify({ ...state, recipient: repo.id('alice').recipient, files: withOther(otherFp) }),
      'other added in the old format (a bare map), stale mac': JSON.stringify({ ...state, files: withOther(otherFp).files }),
      'version 2': JSON.stringify({ ...state, version: 2 }),
    };
    for (const [name, text] of Object.entries(forgeries)) {
      setState(text);
      const { code, plan } = await checkPlan(repo.admin);
      expect(code, name).toBe(3);
      expect(plan.changes.map((c) => c.ref), name).toEqual(['prod/providers/other']);
      expect(plan.changes[0]!.reason, name).toMatch(/changed since --since/);
    }
    // The control: the genuine state with the same edit, re-MAC'd by the admin's own
    // run in the copy, is trusted.
    setState(JSON.stringify(copied));
    expect((await checkPlan(repo.admin)).code).toBe(0);

    // A state the developer records with their own identity vouches for no prod file:
    // alice reads none, so her word counts for dev only and every prod file is re-keyed.
    setState(genuine);
    const mine = await repo.run(['recipients', 'sync', '--rekey-merged'], { as: repo.id('alice') });
    expect(mine.code).toBe(4);
    const { plan } = await checkPlan(repo.admin);
    expect(plan.changes.map((c) => c.ref)).toEqual([...PROD_REFS, 'prod/providers/newco', 'prod/providers/other'].sort());
    expect(plan.changes.every((c) => /not in the re-key state/.test(c.reason))).toBe(true);

    // Applying under a forged state re-keys `other`.
    setState(forgeries['other added, stale mac and reader tags']!);
    const otherBefore = repo.read('prod/providers/other');
    await ok(repo.run(['recipients', 'sync', '--rekey-merged']));
    const otherNow = repo.read('prod/providers/other');
    for (const enc of envelopes(otherNow)) expect(envelopes(otherBefore)).not.toContain(enc);
    expect(await values(repo, 'prod/providers/other')).toEqual({ OTHER_API_KEY: OTHER });
  });

  it('a shallow CI checkout (HEAD\'s parent missing) with no trusted state does not skip the re-key', async () => {
    // actions/checkout fetches one commit by default: HEAD^ does not resolve there.
    const dir = join(tmp.path, `shallow-${clones++}`);
    const src = clone();
    await ok(src.run(['set', 'prod/providers/fourth', 'FOURTH_API_KEY', '--stdin'], { as: src.id('alice'), input: 'fourth-value-1' }));
    src.git('add', '-A');
    src.git('commit', '-q', '-m', 'alice: add fourth (write-only)');
    execFileSync('git', ['clone', '-q', '--depth', '1', `file://${src.dir}`, dir], { env: { ...process.env, GIT_CONFIG_NOSYSTEM: '1' } });
    const shallow = bind(dir);
    expect(shallow.git('rev-parse', '--is-shallow-repository').trim()).toBe('true');
    for (const state of [undefined, 'garbage\n']) {
      if (state) {
        const oid = execFileSync('git', ['hash-object', '-w', '--stdin'], { cwd: dir, input: state, encoding: 'utf8' }).trim();
        shallow.git('update-ref', STATE, oid);
      }
      const r = await shallow.run(['recipients', 'sync', '--check', '--rekey-merged', '--json']);
      expect(r.code, `state ${state ?? 'missing'}: ${r.stderr}`).toBe(3);
      expect((JSON.parse(r.stdout) as Plan).changes.map((c) => c.ref)).toContain('prod/providers/fourth');
    }
  });

  it('a file the syncing identity could not re-key is not recorded as done', async () => {
    const r2 = clone(repo);
    r2.git('add', '-A');
    r2.git('commit', '-q', '--allow-empty', '-m', 'synced');
    // A merged commit with a new dev file and a new prod file; ci-prod reads prod only.
    await ok(r2.run(['set', 'dev/providers/newdev', 'NEWDEV_API_KEY', '--stdin'], { as: r2.id('alice'), input: 'newdev-value-1' }));
    await ok(r2.run(['set', 'prod/providers/third', 'THIRD_API_KEY', '--stdin'], { as: r2.id('alice'), input: 'third-value-1' }));
    r2.git('add', '-A');
    r2.git('commit', '-q', '-m', 'alice: two new files');
    r2.git('update-ref', '-d', STATE);
    const ci = r2.id('ci-prod');
    const first = await r2.run(['recipients', 'sync', '--rekey-merged', '--since', 'HEAD^', '--json'], { as: ci });
    expect(first.code).toBe(4);
    const out = JSON.parse(first.stdout) as { applied: string[]; failed: Array<{ ref: string }> };
    expect(out.applied).toEqual(['prod/providers/third']);
    expect(out.failed.map((f) => f.ref)).toEqual(['dev/providers/newdev']);
    // The same identity's next run still knows dev/providers/newdev needs a fresh data key
    // (ci-prod's word counts for prod files only, so no other file is trusted on it), and
    // prod/providers/third is done.
    const again = await r2.run(['recipients', 'sync', '--check', '--rekey-merged', '--json'], { as: ci });
    expect(again.code).toBe(3);
    const refs = (JSON.parse(again.stdout) as Plan).changes.map((c) => c.ref);
    expect(refs).toContain('dev/providers/newdev');
    expect(refs.filter((r) => r.startsWith('prod/'))).toEqual([]);
  });
});

describe('member add / remove refusals', () => {
  const policyFile = () => readFileSync(join(seeded.dir, 'policies/access.yaml'), 'utf8');

  it('member add refuses an invalid recipient (exit 2), an existing name, an undefined role; the policy is unchanged', async () => {
    const before = policyFile();
    const bob = seeded.id('bob');
    const invalid = await seeded.run(['member', 'add', 'bob', '--recipient', 'age1notarecipient', '--role', 'developer']);
    expect(invalid.code).toBe(2);
    expect(invalid.stderr).toMatch(/not an age X25519 recipient/);
    const secretKey = await seeded.run(['member', 'add', 'bob', '--recipient', readFileSync(bob.file, 'utf8').split('\n')[1]!, '--role', 'developer']);
    expect(secretKey.code).toBe(2);
    expect(secretKey.stderr).not.toMatch(/AGE-SECRET-KEY/);
    const existing = await seeded.run(['member', 'add', 'alice', '--recipient', bob.recipient, '--role', 'developer']);
    expect(existing.code).toBe(2);
    expect(existing.stderr).toMatch(/already exists/);
    const role = await seeded.run(['member', 'add', 'bob', '--recipient', bob.recipient, '--role', 'auditor']);
    expect(role.code).toBe(2);
    expect(role.stderr).toMatch(/role auditor is not defined/);
    const dupRecipient = await seeded.run(['member', 'add', 'bob', '--recipient', seeded.id('alice').recipient]);
    expect(dupRecipient.code).not.toBe(0);
    expect(dupRecipient.stderr).toMatch(/same recipient as member alice/);
    expect(policyFile()).toBe(before);
  });

  it('member remove of a custodian is refused with a hint; of an unknown member, exit 6', async () => {
    const before = policyFile();
    const r = await seeded.run(['member', 'remove', 'erin']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/erin is a break-glass custodian/);
    expect(r.stderr).toMatch(/breakglass\.custodians/);
    expect(r.stdout).toBe('');
    const unknown = await seeded.run(['member', 'remove', 'nobody']);
    expect(unknown.code).toBe(6);
    expect(policyFile()).toBe(before);
  });
});
