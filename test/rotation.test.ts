/**
 * `rotation run` end to end: the built CLI in temp git repositories, against a local
 * OpenRouter stand-in (test/helpers/openrouter-server.ts) and a real PostgreSQL server
 * (Debian's `postgresql`; skipped with one warning line when it is not installed).
 * Delivery is seen through a dotenv target that `sync --allow-branch` writes.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { generateWorkflows, ROTATE_WORKFLOW_FILE, rotateWorkflowTemplate } from '../src/ops/init/workflow-templates.js';
import { parseRotationState } from '../src/config/rotation-state.js';
import { parseKeyfoldConfig } from '../src/config/keyfold-config.js';
import type { CliResult } from './helpers/cli.js';
import { spawnCli } from './helpers/e2e.js';
import { startOpenRouter, type FakeKey, type FakeOpenRouter } from './helpers/openrouter-server.js';
import { startPostgres, type TestPostgres } from './helpers/postgres.js';
import { makeRepo, type TestRepo } from './helpers/repo.js';

const HTTP_ENV = { KEYFOLD_HTTP_BASE_DELAY_MS: '5', KEYFOLD_HTTP_MAX_DELAY_MS: '50', KEYFOLD_HTTP_TIMEOUT_MS: '10000' };

/** Every CLI result of a test file, for the canary checks. */
const outputs: CliResult[] = [];
/** Every credential value a test saw. */
const values = new Set<string>();

async function ok(p: Promise<CliResult>): Promise<CliResult> {
  const r = await p;
  outputs.push(r);
  expect(r.code, `${r.stdout}\n${r.stderr}`).toBe(0);
  return r;
}

/** `get`: prints a value on purpose (not a canary output). */
async function reveal(p: Promise<CliResult>): Promise<string> {
  const r = await p;
  expect(r.code, r.stderr).toBe(0);
  return r.stdout.trim();
}

async function run(p: Promise<CliResult>): Promise<CliResult> {
  const r = await p;
  outputs.push(r);
  return r;
}

function commitAll(repo: TestRepo, message: string, env: Record<string, string> = {}): void {
  repo.git('add', '-A');
  execFileSync('git', ['commit', '-q', '-m', message], { cwd: repo.dir, env: { ...process.env, GIT_CONFIG_NOSYSTEM: '1', ...env } });
}

function keyfoldYaml(rotation: string, imports: string[]): string {
  return `environments: [dev, staging, prod]
targets:
  api-prod-env: { type: dotenv, path: ../run/api.prod.env }
services:
  api:
    imports: ${JSON.stringify(imports)}
    targets: { prod: [api-prod-env] }
agents:
  allowed_envs: [dev]
rotation:
${rotation}`;
}

const stateOf = (repo: TestRepo) => parseRotationState(readFileSync(join(repo.dir, 'rotation', 'state.yaml'), 'utf8'));
const delivered = (repo: TestRepo) => readFileSync(join(repo.dir, '..', 'run', 'api.prod.env'), 'utf8');
const lastMessage = (repo: TestRepo) => repo.git('log', '-1', '--format=%B');

/** Nothing printed, committed or recorded holds a credential value. */
function expectNoValues(repo: TestRepo): void {
  const history = repo.git('log', '-p', '--all', '--format=%H%n%B');
  const state = readFileSync(join(repo.dir, 'rotation', 'state.yaml'), 'utf8');
  for (const v of values) {
    expect(history.includes(v), 'a value in git history').toBe(false);
    expect(state.includes(v), 'a value in rotation/state.yaml').toBe(false);
    for (const r of outputs) {
      expect(r.stdout.includes(v), 'a value on stdout').toBe(false);
      expect(r.stderr.includes(v), 'a value on stderr').toBe(false);
    }
  }
}

describe('rotation run: openrouter', () => {
  let server: FakeOpenRouter;
  const repos: TestRepo[] = [];
  beforeAll(async () => {
    server = await startOpenRouter();
  });
  afterAll(async () => {
    await server.close();
    for (const r of repos) r.cleanup();
  });

  const env = () => ({ ...HTTP_ENV, OPENROUTER_MANAGEMENT_KEY: server.managementKey });
  const rotationYaml = (name = 'keyfold {rotation} {date} {ref}') =>
    `  openrouter-prod:
    ref: prod/ai/openrouter
    key: OPENROUTER_API_KEY
    rotator: openrouter
    every: 30d
    grace: 0s
    with: { api_url: "${server.url}", management_key_env: OPENROUTER_MANAGEMENT_KEY, name: "${name}", limit: 25 }
`;

  /** Keys of the tests before (the same rotation name in another repository would count them as its orphans). */
  const clearKeys = () => {
    for (const k of server.keys.values()) if (!k.management) server.keys.delete(k.hash);
  };

  /** A repo whose secret holds a key made by hand at the server, committed and synced. */
  async function setup(options: { noise?: number } = {}): Promise<{ repo: TestRepo; first: FakeKey; noise: FakeKey[] }> {
    clearKeys();
    const repo = await makeRepo();
    repos.push(repo);
    writeFileSync(join(repo.dir, 'keyfold.yaml'), keyfoldYaml(rotationYaml(), ['ai/**']));
    const first = server.addKey('made by hand', { limit: 10 });
    values.add(first.secret);
    // Unrelated keys, newer: they push the hand-made one to a later page of GET /keys.
    const noise = Array.from({ length: options.noise ?? 0 }, (_, i) => server.addKey(`someone else's ${i}`));
    await ok(repo.run(['set', 'prod/ai/openrouter', 'OPENROUTER_API_KEY', '--stdin'], { input: first.secret }));
    commitAll(repo, 'openrouter key');
    await ok(repo.run(['sync', '--allow-branch']));
    expect(delivered(repo)).toContain(first.secret);
    return { repo, first, noise };
  }

  const ours = (repo: TestRepo, first: FakeKey) => server.liveKeys().filter((k) => k.hash === first.hash || k.name.startsWith('keyfold openrouter-prod '));
  const secretOf = async (repo: TestRepo) => await reveal(repo.run(['get', 'prod/ai/openrouter', 'OPENROUTER_API_KEY']));

  it('creates one key, commits it (no value in the message), and deletes the old one only after sync and the grace', async () => {
    const { repo, first, noise } = await setup({ noise: 120 });
    server.fault({ status: 429, times: 1, method: 'GET', path: '/keys', retryAfter: '0' });
    const before = server.liveKeys().length;

    const r = await ok(repo.run(['rotation', 'run', 'openrouter-prod'], { env: env() }));
    expect(r.stdout).toMatch(/rotated\s+openrouter-prod/);
    expect(server.liveKeys().length).toBe(before + 1);
    const created = server.liveKeys().filter((k) => k.name.startsWith('keyfold openrouter-prod '));
    expect(created).toHaveLength(1);
    const second = created[0]!;
    values.add(second.secret);
    expect(second.name).toMatch(/^keyfold openrouter-prod \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ prod\/ai\/openrouter$/);
    expect(second.limit).toBe(25);
    expect(await secretOf(repo)).toBe(second.secret);
    const message = lastMessage(repo);
    expect(message).toContain('openrouter-prod');
    expect(message).toContain('prod/ai/openrouter');
    expect(message).toContain('OPENROUTER_API_KEY');
    expect(repo.git('status', '--porcelain')).toBe('');
    // The hand-made key was identified (on page 2) and waits for revoke.
    const state = stateOf(repo).rotations['openrouter-prod']!;
    expect(state.current).toBe(second.hash);
    expect(state.pending.map((p) => p.id)).toEqual([first.hash]);

    // Before sync: the old key stays, and nothing is rotated on top of it.
    const early = await ok(repo.run(['rotation', 'run', '--due'], { env: env() }));
    expect(early.stdout).toContain('wait');
    expect(server.keys.has(first.hash)).toBe(true);
    const forced = await run(repo.run(['rotation', 'run', 'openrouter-prod'], { env: env() }));
    expect(forced.code).toBe(1);
    expect(forced.stdout).toContain('still waits for revoke');
    expect(server.keys.has(first.hash)).toBe(true);
    expect(ours(repo, first).map((k) => k.hash).sort()).toEqual([first.hash, second.hash].sort());

    await ok(repo.run(['sync', '--allow-branch']));
    expect(delivered(repo)).toContain(second.secret);
    const after = await ok(repo.run(['rotation', 'run', '--due'], { env: env() }));
    expect(after.stdout).toContain('revoked 1 old credential');
    expect(server.keys.has(first.hash)).toBe(false);
    expect(ours(repo, first).map((k) => k.hash)).toEqual([second.hash]);
    expect(stateOf(repo).rotations['openrouter-prod']!.pending).toEqual([]);
    expect(lastMessage(repo)).toContain('revoked 1');
    // Unrelated keys were never touched.
    for (const k of noise) expect(server.keys.has(k.hash)).toBe(true);
    for (const k of noise) server.keys.delete(k.hash);

    // rotation status lists it: last rotated, next due, nothing pending.
    const status = await ok(repo.run(['rotation', 'status', '--json']));
    const rotations = (JSON.parse(status.stdout) as { rotations: Array<{ rotation: string; lastRotated?: string; nextDue?: string; pending: unknown[] }> }).rotations;
    expect(rotations).toHaveLength(1);
    expect(rotations[0]).toMatchObject({ rotation: 'openrouter-prod', pending: [] });
    expect(Date.parse(rotations[0]!.nextDue!) - Date.parse(rotations[0]!.lastRotated!)).toBe(30 * 86_400_000);
    await ok(repo.run(['validate'], { as: null }));
    expectNoValues(repo);
  });

  it('a run killed after the create and before the commit leaves one live key: the orphan is revoked next run', async () => {
    const { repo, first } = await setup();
    const cli = spawnCli(['rotation', 'run', 'openrouter-prod', '--identity', repo.admin.file], { cwd: repo.dir, env: { HOME: repo.home, ...env() } });
    server.onCreate = async (key) => {
      values.add(key.secret);
      cli.child.kill('SIGKILL');
      await cli.done; // the answer is never read
    };
    const exit = await cli.done;
    server.onCreate = undefined;
    expect(exit.signal).toBe('SIGKILL');
    const orphan = ours(repo, first).find((k) => k.hash !== first.hash)!;
    expect(orphan).toBeDefined();
    expect(repo.git('status', '--porcelain')).toBe('');
    expect(await secretOf(repo)).toBe(first.secret);

    const r = await ok(repo.run(['rotation', 'run', '--due'], { env: env() }));
    expect(r.stdout).toContain('revoked 1 old credential');
    expect(ours(repo, first).map((k) => k.secret)).toEqual([first.secret]);
    expect(await secretOf(repo)).toBe(first.secret);
    expectNoValues(repo);
  });

  it('a key that reached the secret without being recorded is adopted; the one it replaced is revoked after sync', async () => {
    const { repo, first } = await setup();
    await ok(repo.run(['rotation', 'run', '--due'], { env: env() })); // records the hand-made key
    // As if a run had written a new key and died before recording it.
    const written = server.addKey('keyfold openrouter-prod 2026-01-01T00:00:00Z');
    values.add(written.secret);
    await ok(repo.run(['set', 'prod/ai/openrouter', 'OPENROUTER_API_KEY', '--stdin'], { input: written.secret }));
    commitAll(repo, 'a rotated key');
    await ok(repo.run(['rotation', 'run', '--due'], { env: env() }));
    const state = stateOf(repo).rotations['openrouter-prod']!;
    expect(state.current).toBe(written.hash);
    expect(state.pending.map((p) => p.id)).toEqual([first.hash]);
    expect(server.keys.has(written.hash)).toBe(true);
    await ok(repo.run(['sync', '--allow-branch']));
    await ok(repo.run(['rotation', 'run', '--due'], { env: env() }));
    expect(ours(repo, first).map((k) => k.hash)).toEqual([written.hash]);
    expectNoValues(repo);
  });

  it('a name template that hides the prefix keyfold finds orphans by is refused; a missing management key fails the rotation without creating anything', async () => {
    clearKeys();
    const repo = await makeRepo();
    repos.push(repo);
    writeFileSync(join(repo.dir, 'keyfold.yaml'), keyfoldYaml(rotationYaml('keyfold {ref} {date}'), ['ai/**']));
    await ok(repo.run(['set', 'prod/ai/openrouter', 'OPENROUTER_API_KEY', '--stdin'], { input: 'sk-or-v1-placeholder-value-0000' }));
    commitAll(repo, 'cfg');
    const count = server.keys.size;
    const bad = await run(repo.run(['rotation', 'run'], { env: env() }));
    expect(bad.code).toBe(1);
    expect(bad.stdout).toContain('with.name: must start with "keyfold {rotation} "');
    writeFileSync(join(repo.dir, 'keyfold.yaml'), keyfoldYaml(rotationYaml(), ['ai/**']));
    commitAll(repo, 'cfg');
    const missing = await run(repo.run(['rotation', 'run'], { env: HTTP_ENV }));
    expect(missing.code).toBe(1);
    expect(missing.stdout).toContain('OPENROUTER_MANAGEMENT_KEY is not set');
    server.fault({ status: 500, times: 10, method: 'POST', path: '/keys' });
    const failing = await run(repo.run(['rotation', 'run'], { env: { ...env(), KEYFOLD_HTTP_ATTEMPTS: '2' } }));
    expect(failing.code).toBe(1);
    expect(failing.stdout).toContain('POST /keys answered 500');
    server.fault({ status: 500, times: 0 });
    expect(server.keys.size).toBe(count);
  });
});

describe('rotation run: generated', () => {
  let repo: TestRepo;
  afterAll(() => repo?.cleanup());

  it('is due by the age of the value in git history; a due rotation leaves a one-line diff (plus lastmodified and mac)', async () => {
    repo = await makeRepo();
    writeFileSync(
      join(repo.dir, 'keyfold.yaml'),
      keyfoldYaml(
        `  session: { ref: prod/api/session, key: SESSION_SECRET, rotator: generated, every: 30d, grace: 0s, with: { length: 40 } }
  fresh: { ref: prod/api/fresh, key: FRESH_SECRET, rotator: generated, every: 30d }
`,
        ['api/**'],
      ),
    );
    commitAll(repo, 'config');
    const old = 'an-old-session-secret-0123456789';
    values.add(old);
    await ok(repo.run(['set', 'prod/api/session', 'SESSION_SECRET', '--stdin'], { input: old }));
    await ok(repo.run(['set', 'prod/api/session', 'OTHER', '--stdin'], { input: 'unrelated-value-kept' }));
    const date = new Date(Date.now() - 60 * 86_400_000).toISOString();
    commitAll(repo, 'an old value', { GIT_AUTHOR_DATE: date, GIT_COMMITTER_DATE: date });
    await ok(repo.run(['set', 'prod/api/fresh', 'FRESH_SECRET', '--stdin'], { input: 'a-fresh-value-0123456789' }));
    commitAll(repo, 'a fresh value');

    const plan = await ok(repo.run(['rotation', 'run', '--due', '--plan', '--json']));
    expect((JSON.parse(plan.stdout) as Array<{ rotation: string; action: string }>).map((o) => [o.rotation, o.action])).toEqual([
      ['session', 'would-rotate'],
      ['fresh', 'not-due'],
    ]);
    const r = await ok(repo.run(['rotation', 'run', '--due']));
    expect(r.stdout).toMatch(/rotated\s+session/);
    expect(r.stdout).toMatch(/not-due\s+fresh/);
    const value = await reveal(repo.run(['get', 'prod/api/session', 'SESSION_SECRET']));
    values.add(value);
    expect(value).toMatch(/^[A-Za-z0-9]{40}$/);
    expect(await reveal(repo.run(['get', 'prod/api/session', 'OTHER']))).toBe('unrelated-value-kept');
    const diff = repo.git('show', '--format=', '--unified=0', 'HEAD', '--', 'secrets/prod/api/session.yaml');
    const changed = diff.split('\n').filter((l) => /^[-+](?![-+]{2} )/.test(l));
    expect(changed.map((l) => l.slice(0, 1) + (/^[-+]\s*([\w.]+):/.exec(l)?.[1] ?? l))).toEqual(
      expect.arrayContaining(['-SESSION_SECRET', '+SESSION_SECRET', '-lastmodified', '+lastmodified', '-mac', '+mac']),
    );
    expect(changed).toHaveLength(6);
    expect(lastMessage(repo)).toContain('keyfold rotation: session rotated prod/api/session SESSION_SECRET');

    const other = await ok(repo.run(['rotation', 'run', '--due', '--env', 'dev']));
    expect(other.stdout.trim()).toBe('no rotations of dev in keyfold.yaml');
    const again = await ok(repo.run(['rotation', 'run', '--due', '--env', 'prod']));
    expect(again.stdout).not.toContain('rotated');
    expectNoValues(repo);
  });
});

describe('rotation run: postgres (two roles)', () => {
  let server: TestPostgres | undefined;
  let repo: TestRepo;
  beforeAll(async () => {
    server = await startPostgres();
    if (!server) console.warn('skipping the postgres rotation test: PostgreSQL binaries not found (apt-get install -y postgresql)');
  }, 120_000);
  afterAll(() => {
    server?.stop();
    repo?.cleanup();
  });

  const canLogin = async (url: string): Promise<boolean> => {
    const c = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5000 });
    c.on('error', () => undefined);
    try {
      await c.connect();
      await c.query('SELECT 1');
      return true;
    } catch (e) {
      expect((e as { code?: string }).code).toBe('28P01');
      return false;
    } finally {
      await c.end().catch(() => undefined);
    }
  };

  it('sets a password on the spare role, verifies it, and revokes the old role after sync and the grace', async (t) => {
    if (!server) return t.skip();
    server.sql("CREATE ROLE api_a LOGIN PASSWORD 'initial-password-a1'; CREATE ROLE api_b LOGIN; GRANT pg_read_all_data TO api_a, api_b");
    values.add('initial-password-a1');
    repo = await makeRepo();
    writeFileSync(
      join(repo.dir, 'keyfold.yaml'),
      keyfoldYaml(`  db-prod: { ref: prod/db/main, key: DATABASE_URL, rotator: postgres, every: 30d, grace: 0s, with: { admin_url_env: PG_ADMIN_URL, roles: [api_a, api_b] } }\n`, ['db/**']),
    );
    const oldUrl = server.url('api_a', 'initial-password-a1');
    await ok(repo.run(['set', 'prod/db/main', 'DATABASE_URL', '--stdin'], { input: oldUrl }));
    commitAll(repo, 'database url');
    await ok(repo.run(['sync', '--allow-branch']));
    const env = { PG_ADMIN_URL: server.adminUrl };

    await ok(repo.run(['rotation', 'run', 'db-prod'], { env }));
    const newUrl = await reveal(repo.run(['get', 'prod/db/main', 'DATABASE_URL']));
    const parsed = new URL(newUrl);
    values.add(decodeURIComponent(parsed.password));
    expect(parsed.username).toBe('api_b');
    expect(`${parsed.host}${parsed.pathname}`).toBe(`127.0.0.1:${server.port}/postgres`);
    expect(await canLogin(newUrl)).toBe(true);
    expect(await canLogin(oldUrl)).toBe(true);
    expect(stateOf(repo).rotations['db-prod']).toMatchObject({ current: 'api_b', pending: [{ id: 'api_a' }] });
    // The password reached the server only as a SCRAM verifier, never in a statement.
    expect(server.log()).not.toContain(decodeURIComponent(parsed.password));
    expect(server.log()).toContain('SCRAM-SHA-256$4096:');

    await ok(repo.run(['rotation', 'run', '--due'], { env }));
    expect(await canLogin(oldUrl)).toBe(true);
    await ok(repo.run(['sync', '--allow-branch']));
    const r = await ok(repo.run(['rotation', 'run', '--due'], { env }));
    expect(r.stdout).toContain('revoked 1 old credential');
    expect(await canLogin(oldUrl)).toBe(false);
    expect(await canLogin(newUrl)).toBe(true);
    expect(stateOf(repo).rotations['db-prod']!.pending).toEqual([]);

    // The next rotation goes back to api_a, with a new password.
    await ok(repo.run(['rotation', 'run', 'db-prod'], { env }));
    const third = await reveal(repo.run(['get', 'prod/db/main', 'DATABASE_URL']));
    values.add(decodeURIComponent(new URL(third).password));
    expect(new URL(third).username).toBe('api_a');
    expect(await canLogin(third)).toBe(true);
    expect(await canLogin(newUrl)).toBe(true);
    expectNoValues(repo);
  });
});

describe('validate: rotation/state.yaml', () => {
  let repo: TestRepo;
  afterAll(() => repo?.cleanup());

  it('refuses values, over-long ids and pending revokes of rotations keyfold.yaml no longer declares (rule rotation-state, never echoing the value)', async () => {
    repo = await makeRepo();
    writeFileSync(join(repo.dir, 'keyfold.yaml'), keyfoldYaml('  session: { ref: prod/api/session, key: SESSION_SECRET, rotator: generated, every: 30d }\n', ['api/**']));
    const { mkdirSync } = await import('node:fs');
    mkdirSync(join(repo.dir, 'rotation'));
    const write = (body: string) => writeFileSync(join(repo.dir, 'rotation', 'state.yaml'), `rotations:\n${body}`);
    const violations = async () => {
      commitAll(repo, 'state');
      const r = await run(repo.run(['validate', '--format', 'json'], { as: null }));
      const v = (JSON.parse(r.stdout) as { violations: Array<{ file: string; rule: string; message: string }> }).violations.filter((x) => x.file === 'rotation/state.yaml');
      return { code: r.code, v, text: r.stdout + r.stderr };
    };
    const hash = 'a'.repeat(64);
    write(`  session: { current: "${hash}", pending: [{ id: api_a, replaced: 2026-01-01T00:00:00Z }] }\n`);
    expect((await violations()).v).toEqual([]);

    const shaped = [
      `sk-or-v1-${'0123456789abcdef'.repeat(4)}`,
      'postgres://api_a:hunter2hunter2@db.internal:5432/app',
      'api_a:hunter2@db',
      'ghp_0123456789abcdefghijABCDEFGHIJ012345',
      'Zk3Qp9LmX2vB7nR4tY8wC1dF6gH0jK5sA',
      'x'.repeat(129),
    ];
    for (const id of shaped) {
      write(`  session: { current: ${JSON.stringify(id)}, pending: [] }\n`);
      const { code, v, text } = await violations();
      expect(code, id).toBe(3);
      expect(v.map((x) => x.rule), id).toContain('rotation-state');
      expect(text.includes(id), 'the value is never echoed').toBe(false);
    }

    write(`  gone: { pending: [{ id: "${hash}", replaced: 2026-01-01T00:00:00Z }] }\n`);
    const { v } = await violations();
    expect(v).toHaveLength(1);
    expect(v[0]!.message).toContain('keyfold.yaml has no rotation gone');
  });
});

describe('the keyfold-rotate workflow generated from keyfold.yaml', () => {
  type Step = { name?: string; uses?: string; run?: string; env?: Record<string, string>; with?: Record<string, unknown>; if?: string; id?: string };
  type Job = { permissions?: unknown; environment?: string; concurrency?: { group: string }; steps: Step[] };
  const rotationSecrets = { prod: ['OPENROUTER_MANAGEMENT_KEY', 'PG_ADMIN_URL'], staging: ['OR_STAGING_KEY'] };
  const text = rotateWorkflowTemplate(['dev', 'staging', 'prod'], { rotationSecrets, syncSecrets: { prod: ['VAULT_TOKEN'] } });
  const parse = (t: string) => parseYaml(t) as { on: Record<string, unknown>; permissions?: unknown; jobs: Record<string, Job> };

  for (const [install, wf] of [
    ['the keyfold action', parse(text)],
    ['npm', parse(rotateWorkflowTemplate(['dev', 'staging', 'prod'], { install: 'npm', rotationSecrets, syncSecrets: { prod: ['VAULT_TOKEN'] } }))],
  ] as const) {
    it(`runs daily, one job per environment in its GitHub environment, each environment's management credentials only on its rotate step; pinned actions (${install})`, () => {
      expect(wf.on['schedule']).toEqual([{ cron: expect.stringMatching(/^\d+ \d+ \* \* \*$/) as unknown }]);
      expect(Object.keys(wf.on).sort()).toEqual(['schedule', 'workflow_dispatch']);
      expect(wf.permissions).toEqual({});
      expect(Object.keys(wf.jobs)).toEqual(['rotate-dev', 'rotate-staging', 'rotate-prod']);
      for (const env of ['dev', 'staging', 'prod'] as const) {
        const job = wf.jobs[`rotate-${env}`]!;
        expect(job.environment).toBe(env);
        expect(job.permissions).toEqual({ contents: 'write' });
        // Never beside a sync of the same environment.
        expect(job.concurrency?.group).toBe(`keyfold-sync-${env}`);
        const rotate = job.steps.find((s) => s.id === 'rotate')!;
        if (install === 'npm') expect(rotate.run).toBe(`npx --no-install keyfold rotation run --env ${env} --due`);
        else expect(rotate.with).toEqual({ command: 'rotation-run', env, args: '--due' });
        const management = env === 'dev' ? [] : rotationSecrets[env];
        expect(Object.keys(rotate.env!).filter((k) => rotate.env![k]!.includes('secrets.')).sort()).toEqual(['KEYFOLD_AGE_KEY', ...management].sort());
        const sync = job.steps.find((s) => s.name === 'keyfold sync')!;
        if (install === 'npm') expect(sync.run).toBe(`npx --no-install keyfold sync --env ${env} --allow-branch`);
        else expect(sync.with).toEqual({ command: 'sync', env, args: '--allow-branch' });
        expect(Object.keys(sync.env!).sort()).toEqual(env === 'prod' ? ['KEYFOLD_AGE_KEY', 'VAULT_TOKEN'] : ['KEYFOLD_AGE_KEY']);
        for (const s of job.steps) {
          if (s.run) expect(s.run, s.name).not.toContain('${{');
          const secretStep = Object.values(s.env ?? {}).some((v) => v.includes('secrets.'));
          if (secretStep) expect(s === rotate || s === sync, s.name).toBe(true);
          if (s.uses && !s.uses.startsWith('keyfold/keyfold@')) expect(s.uses).toMatch(/^[\w.-]+\/[\w./-]+@[0-9a-f]{40}$/);
        }
        const checkout = job.steps.find((s) => s.uses?.startsWith('actions/checkout@'))!;
        expect(checkout.with).toMatchObject({ 'fetch-depth': 0, ref: 'main' });
        const runs = job.steps.map((s) => s.run ?? '').join('\n');
        expect(runs).toMatch(/git fetch .*'\+refs\/keyfold\/\*:refs\/keyfold\/\*'/);
        expect(runs).toMatch(/git push origin "HEAD:refs\/heads\/\$BRANCH"/);
        expect(runs).toMatch(/git push --no-verify origin --force-with-lease="\$ref:\$old"/);
        if (install === 'npm') expect(runs).toMatch(/npm ci --ignore-scripts/);
        else expect(runs).not.toMatch(/npm ci/);
      }
    });
  }

  it("a rotation's management credential comes from its environment and its rotator's setting", () => {
    const config = parseKeyfoldConfig(`environments: [dev, prod]
rotation:
  or: { ref: prod/providers/openrouter, key: K, rotator: openrouter, every: 30d, with: { management_key_env: OR_MGMT } }
  db: { ref: dev/api/db, key: DATABASE_URL, rotator: postgres, every: 30d }
  s: { ref: prod/api/session, key: S, rotator: generated, every: 90d }
`);
    const wf = parse(generateWorkflows(config).find((w) => w.file === ROTATE_WORKFLOW_FILE)!.text);
    const names = (env: string) => Object.keys(wf.jobs[`rotate-${env}`]!.steps.find((s) => s.id === 'rotate')!.env!).filter((k) => /^[A-Z_]+$/.test(k) && !k.startsWith('GIT_'));
    expect(names('prod').sort()).toEqual(['KEYFOLD_AGE_KEY', 'OR_MGMT']);
    expect(names('dev').sort()).toEqual(['KEYFOLD_AGE_KEY', 'PG_ADMIN_URL']);
  });

  it('is written by init', async () => {
    const repo = await makeRepo();
    try {
      const config = parseKeyfoldConfig(readFileSync(join(repo.dir, 'keyfold.yaml'), 'utf8'));
      const expected = generateWorkflows(config).find((w) => w.file === ROTATE_WORKFLOW_FILE)!.text;
      expect(readFileSync(join(repo.dir, ROTATE_WORKFLOW_FILE), 'utf8')).toBe(expected);
    } finally {
      repo.cleanup();
    }
  });
});
