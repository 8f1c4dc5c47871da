/**
 * `sync` to the cloud targets — vercel, cloudflare-workers, gcp-secret-manager,
 * aws-secrets-manager — through the built CLI in temp git repos, against local fakes of
 * each provider's documented API (test/helpers/fake-*.ts; AWS through the real SDK's
 * SigV4 signing, verified by the fake). For each: the first sync creates, the second
 * writes nothing, a one-key change writes that key only, --prune removes only managed
 * (and, for GCP and AWS, marked) names, a rate limit is retried, a server-error storm
 * exits 7 and a rerun converges, and --full reads values back where the provider allows.
 * Then one service syncing to every registered target type. No run prints a value.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TARGET_TYPES } from '../src/targets/registry.js';
import type { CliResult } from './helpers/cli.js';
import { FakeAws } from './helpers/fake-aws.js';
import { FakeCloudflare } from './helpers/fake-cloudflare.js';
import { FakeGcp } from './helpers/fake-gcp.js';
import type { FakeCloudServer } from './helpers/fake-cloud-server.js';
import { FakeVercel } from './helpers/fake-vercel.js';
import { startGitHubServer } from './helpers/github-server.js';
import { startK8sFake } from './helpers/k8s-fake.js';
import { startVaultFake } from './helpers/vault-fake.js';
import { makeRepo, type TestRepo } from './helpers/repo.js';
import type { TargetOutcome } from '../src/ops/sync/apply.js';

/** Fast retries: the fakes' faults are retried without real waiting. */
const HTTP_ENV = { KEYFOLD_HTTP_ATTEMPTS: '3', KEYFOLD_HTTP_BASE_DELAY_MS: '1', KEYFOLD_HTTP_MAX_DELAY_MS: '20', KEYFOLD_HTTP_TIMEOUT_MS: '10000' };

/** Every value any test sets: no CLI output may contain one. */
const canaries = new Set<string>();
const canary = (tag: string) => {
  const v = `cnry-${tag}-${randomBytes(9).toString('base64url')}`;
  canaries.add(v);
  return v;
};
function noValues(r: CliResult): void {
  for (const v of canaries) {
    expect(r.stdout.includes(v) || r.stderr.includes(v), 'a secret value was printed').toBe(false);
  }
}

interface SyncJson {
  targets: Array<{ target: string; mode: string; reason: string; upsert: Array<{ name: string; action: string }>; delete: string[]; unchanged: number }>;
  outcome: { targets: TargetOutcome[]; requests: number; failed: number };
}

const repos: TestRepo[] = [];
afterAll(() => repos.forEach((r) => r.cleanup()));

async function ok(p: Promise<CliResult>): Promise<CliResult> {
  const r = await p;
  if (r.code !== 0) throw new Error(`exit ${r.code}: ${r.stderr}`);
  noValues(r);
  return r;
}

/** A repo whose service `api` imports `api/**` and syncs `prod` (and optionally `dev`) to the given targets. */
async function serviceRepo(targets: Record<string, Record<string, unknown>>, envs: { prod: string[]; dev?: string[] }, values: Record<string, Record<string, string>>): Promise<TestRepo> {
  const repo = await makeRepo();
  repos.push(repo);
  for (const [ref, kv] of Object.entries(values)) for (const [k, v] of Object.entries(kv)) await ok(repo.run(['set', ref, k, '--stdin'], { input: v }));
  const file = join(repo.dir, 'keyfold.yaml');
  const services = { api: { imports: ['api/**', 'providers/**'], targets: envs } };
  writeFileSync(file, readFileSync(file, 'utf8').replace(/^targets: \{\}$/m, `targets: ${JSON.stringify(targets)}`).replace(/^services: \{\}$/m, `services: ${JSON.stringify(services)}`));
  commit(repo, 'sync targets');
  return repo;
}

function commit(repo: TestRepo, message: string): void {
  repo.git('add', '-A');
  repo.git('commit', '-q', '-m', message);
}

async function setValue(repo: TestRepo, ref: string, key: string, value: string): Promise<void> {
  await ok(repo.run(['set', ref, key, '--stdin'], { input: value }));
}

/** A sync that fails as a whole (exit 7 before any plan is printed: a full compare could not read), checked for values. */
async function fails(repo: TestRepo, env: Record<string, string>, args: string[]): Promise<CliResult> {
  const r = await repo.run(['sync', ...args], { env: { ...HTTP_ENV, ...env } });
  noValues(r);
  expect(r.code).toBe(7);
  return r;
}

/** `sync --json` (exit 0 expected unless `code` says otherwise), checked for values. */
async function sync(repo: TestRepo, env: Record<string, string>, args: string[] = [], code = 0): Promise<SyncJson> {
  const r = await repo.run(['sync', '--json', ...args], { env: { ...HTTP_ENV, ...env } });
  noValues(r);
  if (r.code !== code) throw new Error(`sync exited ${r.code}, expected ${code}: ${r.stderr}\n${r.stdout}`);
  return JSON.parse(r.stdout) as SyncJson;
}

const outcome = (s: SyncJson, target: string) => s.outcome.targets.find((t) => t.target === target)!;
const writes = (s: SyncJson) => s.outcome.targets.reduce((n, t) => n + t.writes, 0);

/** Fakes keep the writes they served; a test looks at those made since a mark. */
function since<T>(list: T[]): () => T[] {
  const start = list.length;
  return () => list.slice(start);
}

const fakes: FakeCloudServer[] = [];
const cleanups: Array<() => Promise<void>> = [];
afterAll(async () => {
  await Promise.all([...fakes.map((f) => f.stop()), ...cleanups.map((c) => c())]);
});
async function started<T extends FakeCloudServer>(f: T): Promise<T> {
  fakes.push(f);
  return f.start();
}

describe('vercel', () => {
  let fake: FakeVercel;
  let repo: TestRepo;
  let env: Record<string, string>;
  const prod = { A_KEY: canary('v-a'), B_KEY: canary('v-b'), C_KEY: canary('v-c') };
  const dev = { A_KEY: canary('v-da'), B_KEY: canary('v-db') };
  const byKey = (target: string[], key: string) => fake.envs.filter((e) => e.key === key && e.target.join() === target.join());

  beforeAll(async () => {
    fake = await started(new FakeVercel());
    env = { VERCEL_TOKEN: fake.token };
    repo = await serviceRepo(
      {
        'vercel-prod': { type: 'vercel', project: fake.project.name, team: fake.team.id, environments: ['production', 'preview'], api_url: fake.url },
        'vercel-dev': { type: 'vercel', project: fake.project.id, team: fake.team.slug, environments: ['development'], api_url: fake.url },
      },
      { prod: ['vercel-prod'], dev: ['vercel-dev'] },
      { 'prod/api/app': prod, 'dev/api/app': dev },
    );
    // Someone else's variable: never touched.
    fake.seed({ key: 'OTHER_VAR', value: canary('v-other'), type: 'encrypted', target: ['production', 'preview'] });
  });

  it('the first sync creates: sensitive for production+preview, encrypted for development; the second writes nothing', async () => {
    const first = await sync(repo, env);
    expect(outcome(first, 'vercel-prod')).toMatchObject({ ok: true, writes: 3, created: 3 });
    expect(outcome(first, 'vercel-dev')).toMatchObject({ ok: true, writes: 2, created: 2 });
    for (const [k, v] of Object.entries(prod)) expect(byKey(['preview', 'production'], k).map((e) => [e.type, e.value])).toEqual([['sensitive', v]]);
    for (const [k, v] of Object.entries(dev)) expect(byKey(['development'], k).map((e) => [e.type, e.value])).toEqual([['encrypted', v]]);
    // The list is paged (3 a page here): the driver followed pagination.next.
    expect(fake.envs.length).toBeGreaterThan(fake.pageSize);
    const mark = since(fake.writes);
    const second = await sync(repo, env);
    expect(writes(second)).toBe(0);
    expect(mark()).toEqual([]);
  });

  it('a one-key change writes exactly that key (PATCH by id)', async () => {
    prod.B_KEY = canary('v-b2');
    await setValue(repo, 'prod/api/app', 'B_KEY', prod.B_KEY);
    commit(repo, 'rotate B');
    const mark = since(fake.writes);
    const s = await sync(repo, env);
    expect(outcome(s, 'vercel-prod')).toMatchObject({ writes: 1, updated: 1 });
    expect(mark()).toEqual([{ op: 'update', key: 'B_KEY', target: ['preview', 'production'] }]);
    expect(byKey(['preview', 'production'], 'B_KEY')[0]!.value).toBe(prod.B_KEY);
  });

  it('--full reads non-sensitive values back (nothing rewritten, drift found); sensitive ones rely on the fingerprints', async () => {
    const mark = since(fake.writes);
    const full = await sync(repo, env, ['--full']);
    expect(full.targets.map((t) => t.mode)).toEqual(['full', 'full']);
    expect(writes(full)).toBe(0);
    expect(mark()).toEqual([]);
    // Changed by hand at Vercel: a full compare of the readable target finds it.
    byKey(['development'], 'A_KEY')[0]!.value = 'changed-by-hand';
    const drift = await sync(repo, env, ['--full']);
    expect(outcome(drift, 'vercel-dev')).toMatchObject({ writes: 1, updated: 1 });
    expect(byKey(['development'], 'A_KEY')[0]!.value).toBe(dev.A_KEY);
    expect(writes(await sync(repo, env, ['--full']))).toBe(0);
    // Without the state (no fingerprints), sensitive values are rewritten; readable ones are not.
    repo.git('update-ref', '-d', 'refs/keyfold/state/vercel-prod');
    repo.git('update-ref', '-d', 'refs/keyfold/state/vercel-dev');
    const fresh = await sync(repo, env);
    expect(outcome(fresh, 'vercel-prod')).toMatchObject({ writes: 3 });
    expect(outcome(fresh, 'vercel-dev')).toMatchObject({ writes: 0 });
  });

  it('--prune deletes only names keyfold manages', async () => {
    expect((await ok(repo.run(['unset', 'prod/api/app', 'C_KEY']))).code).toBe(0);
    commit(repo, 'drop C');
    const keep = await sync(repo, env);
    expect(writes(keep)).toBe(0);
    expect(byKey(['preview', 'production'], 'C_KEY')).toHaveLength(1);
    const mark = since(fake.writes);
    const pruned = await sync(repo, env, ['--prune']);
    expect(outcome(pruned, 'vercel-prod')).toMatchObject({ writes: 1, deleted: 1 });
    expect(mark()).toEqual([{ op: 'delete', key: 'C_KEY', target: ['preview', 'production'] }]);
    expect(fake.envs.map((e) => e.key)).toContain('OTHER_VAR');
  });

  it('a 429 is retried (Retry-After); a 500 storm exits 7, and the rerun writes only what is left', async () => {
    prod.A_KEY = canary('v-a2');
    await setValue(repo, 'prod/api/app', 'A_KEY', prod.A_KEY);
    commit(repo, 'rotate A');
    fake.rateLimit(1);
    const limited = await sync(repo, env);
    expect(outcome(limited, 'vercel-prod')).toMatchObject({ ok: true, writes: 1 });
    expect(fake.log.filter((r) => r.fault === 'rate-limit')).toHaveLength(1);

    prod.A_KEY = canary('v-a3');
    prod.B_KEY = canary('v-b3');
    await setValue(repo, 'prod/api/app', 'A_KEY', prod.A_KEY);
    await setValue(repo, 'prod/api/app', 'B_KEY', prod.B_KEY);
    commit(repo, 'rotate A and B');
    fake.storm({ afterWrites: 1 });
    const failed = await sync(repo, env, ['--target', 'vercel-prod'], 7);
    expect(outcome(failed, 'vercel-prod')).toMatchObject({ ok: false });
    expect(outcome(failed, 'vercel-prod').error).toMatch(/HTTP 500 \(internal_server_error\)/);
    fake.calm();
    const mark = since(fake.writes);
    const rerun = await sync(repo, env);
    expect(outcome(rerun, 'vercel-prod')).toMatchObject({ ok: true, writes: 1 });
    expect(mark().map((w) => w.key)).toEqual(['B_KEY']);
    expect(byKey(['preview', 'production'], 'A_KEY')[0]!.value).toBe(prod.A_KEY);
    expect(byKey(['preview', 'production'], 'B_KEY')[0]!.value).toBe(prod.B_KEY);
  });

  it('a reserved name is refused at plan time and by validate; a missing token fails the target, not the run', async () => {
    const r = await repo.run(['sync', '--plan'], { env: { ...HTTP_ENV, ...env } });
    expect(r.code).toBe(0);
    const noToken = await fails(repo, {}, ['--full']);
    expect(noToken.stderr).toMatch(/VERCEL_TOKEN is not set/);
    await setValue(repo, 'prod/api/app', 'TZ', canary('v-tz'));
    commit(repo, 'a reserved name');
    const refused = await repo.run(['sync'], { env: { ...HTTP_ENV, ...env } });
    noValues(refused);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/target vercel-prod \(vercel\) cannot hold TZ: Vercel reserves this name/);
    const v = await repo.run(['validate'], { as: null });
    expect(v.code).toBe(3);
    expect(v.stdout).toMatch(/keyfold\.yaml:\d+: config: service api in prod: target vercel-prod \(vercel\) cannot hold TZ/);
  });
});

describe('cloudflare-workers', () => {
  let fake: FakeCloudflare;
  let repo: TestRepo;
  let env: Record<string, string>;
  const values = { A_KEY: canary('c-a'), B_KEY: canary('c-b'), C_KEY: canary('c-c') };
  const held = () => Object.fromEntries([...fake.scripts.get('api-worker')!].map(([k, v]) => [k, v.text]));

  beforeAll(async () => {
    fake = await started(new FakeCloudflare());
    fake.scripts.set('api-worker', new Map([['THEIR_SECRET', { text: canary('c-theirs'), type: 'secret_text' }]]));
    env = { CLOUDFLARE_API_TOKEN: fake.token };
    repo = await serviceRepo({ cf: { type: 'cloudflare-workers', account: fake.account, script: 'api-worker', api_url: fake.api } }, { prod: ['cf'] }, { 'prod/api/app': values });
  });

  it('the first sync creates (PUT per name); the second writes nothing', async () => {
    const first = await sync(repo, env);
    expect(outcome(first, 'cf')).toMatchObject({ ok: true, writes: 3, created: 3 });
    expect(held()).toMatchObject(values);
    const mark = since(fake.writes);
    expect(writes(await sync(repo, env))).toBe(0);
    expect(mark()).toEqual([]);
  });

  it('a one-key change writes exactly that key; --full needs no rewrite (fingerprints), and without state rewrites all', async () => {
    values.C_KEY = canary('c-c2');
    await setValue(repo, 'prod/api/app', 'C_KEY', values.C_KEY);
    commit(repo, 'rotate C');
    let mark = since(fake.writes);
    expect(outcome(await sync(repo, env), 'cf')).toMatchObject({ writes: 1, updated: 1 });
    expect(mark()).toEqual([{ op: 'put', script: 'api-worker', name: 'C_KEY' }]);
    expect(held()['C_KEY']).toBe(values.C_KEY);
    mark = since(fake.writes);
    const full = await sync(repo, env, ['--full']);
    expect(full.targets[0]).toMatchObject({ mode: 'full', unchanged: 3 });
    expect(mark()).toEqual([]);
    repo.git('update-ref', '-d', 'refs/keyfold/state/cf');
    expect(outcome(await sync(repo, env), 'cf')).toMatchObject({ writes: 3, updated: 3 });
  });

  it('--prune deletes only names keyfold manages', async () => {
    await ok(repo.run(['unset', 'prod/api/app', 'B_KEY']));
    commit(repo, 'drop B');
    expect(writes(await sync(repo, env))).toBe(0);
    const mark = since(fake.writes);
    expect(outcome(await sync(repo, env, ['--prune']), 'cf')).toMatchObject({ writes: 1, deleted: 1 });
    expect(mark()).toEqual([{ op: 'delete', script: 'api-worker', name: 'B_KEY' }]);
    expect(Object.keys(held()).sort()).toEqual(['A_KEY', 'C_KEY', 'THEIR_SECRET']);
  });

  it('a 429 is retried; a 500 storm exits 7, and the rerun writes only what is left', async () => {
    values.A_KEY = canary('c-a2');
    values.C_KEY = canary('c-c3');
    await setValue(repo, 'prod/api/app', 'A_KEY', values.A_KEY);
    await setValue(repo, 'prod/api/app', 'C_KEY', values.C_KEY);
    commit(repo, 'rotate A and C');
    fake.rateLimit(2);
    fake.storm({ afterWrites: 1 });
    const failed = await sync(repo, env, [], 7);
    expect(fake.log.filter((r) => r.fault === 'rate-limit')).toHaveLength(2);
    expect(outcome(failed, 'cf').error).toMatch(/cloudflare-workers api-worker: put secret C_KEY: HTTP 500 \(error 10013\)/);
    fake.calm();
    const mark = since(fake.writes);
    expect(outcome(await sync(repo, env), 'cf')).toMatchObject({ ok: true, writes: 1 });
    expect(mark().map((w) => w.name)).toEqual(['C_KEY']);
    expect(held()).toMatchObject({ A_KEY: values.A_KEY, C_KEY: values.C_KEY });
  });

  it('a script that does not exist is error 10007, reported as such', async () => {
    const r2 = await serviceRepo({ cf: { type: 'cloudflare-workers', account: fake.account, script: 'no-such-worker', api_url: fake.api } }, { prod: ['cf'] }, { 'prod/api/app': { A_KEY: canary('c-x') } });
    const s = await sync(r2, env, [], 7);
    expect(outcome(s, 'cf').error).toMatch(/HTTP 404 \(error 10007\): script not found/);
  });
});

describe('gcp-secret-manager', () => {
  let fake: FakeGcp;
  let repo: TestRepo;
  let env: Record<string, string>;
  const values = { A_KEY: canary('g-a'), B_KEY: canary('g-b'), C_KEY: canary('g-c'), D_KEY: canary('g-d') };
  const id = (k: string) => `api_${k}`;

  beforeAll(async () => {
    fake = await started(new FakeGcp());
    // D_KEY's secret exists already, made by someone else (no label): keyfold writes to it, never deletes it.
    fake.seed(id('D_KEY'), 'theirs');
    // A labelled secret keyfold (another repository) made, not managed here: never deleted.
    fake.seed(id('ELSEWHERE'), 'elsewhere', { 'managed-by': 'keyfold' });
    repo = await serviceRepo(
      { gcp: { type: 'gcp-secret-manager', project: fake.projectId, prefix: 'api_', api_url: fake.url } },
      { prod: ['gcp'] },
      { 'prod/api/app': values },
    );
    // The service-account key lives outside the repository (credentials from the environment only).
    const keyFile = join(repo.home, 'gcp-sa.json');
    writeFileSync(keyFile, fake.keyFile(), { mode: 0o600 });
    env = { GOOGLE_APPLICATION_CREDENTIALS: keyFile };
  });

  it('the first sync creates labelled secrets (JWT bearer grant for the token) and adds a version to an existing one; the second writes nothing', async () => {
    const first = await sync(repo, env);
    expect(outcome(first, 'gcp')).toMatchObject({ ok: true, created: 3, updated: 1 });
    expect(fake.tokenRequests).toBe(1);
    for (const [k, v] of Object.entries(values)) expect(fake.value(id(k))).toBe(v);
    expect(fake.secrets.get(id('A_KEY'))!.labels).toEqual({ 'managed-by': 'keyfold' });
    expect(fake.secrets.get(id('D_KEY'))!.labels).toEqual({});
    // D's previous version was disabled when keyfold's replaced it.
    expect(fake.secrets.get(id('D_KEY'))!.versions.map((v) => v.state)).toEqual(['DISABLED', 'ENABLED']);
    const mark = since(fake.writes);
    expect(writes(await sync(repo, env))).toBe(0);
    expect(mark()).toEqual([]);
  });

  it('a one-key change compares, adds one version and disables the previous one, for that key only', async () => {
    values.B_KEY = canary('g-b2');
    await setValue(repo, 'prod/api/app', 'B_KEY', values.B_KEY);
    commit(repo, 'rotate B');
    const mark = since(fake.writes);
    expect(outcome(await sync(repo, env, [], 0), 'gcp')).toMatchObject({ ok: true, updated: 1, writes: 2 });
    expect(mark()).toEqual([
      { op: 'addVersion', id: id('B_KEY') },
      { op: 'disable', id: id('B_KEY') },
    ]);
    expect(fake.secrets.get(id('B_KEY'))!.versions.map((v) => v.state)).toEqual(['DISABLED', 'ENABLED']);
  });

  it('--full reads values back: nothing rewritten, a hand-made change found', async () => {
    let mark = since(fake.writes);
    const full = await sync(repo, env, ['--full']);
    expect(full.targets[0]).toMatchObject({ mode: 'full', unchanged: 4, upsert: [] });
    expect(mark()).toEqual([]);
    fake.secrets.get(id('C_KEY'))!.versions.push({ n: 9, state: 'ENABLED', data: Buffer.from('by hand') });
    mark = since(fake.writes);
    expect(outcome(await sync(repo, env, ['--full']), 'gcp')).toMatchObject({ updated: 1 });
    expect(mark().map((w) => w.id)).toEqual([id('C_KEY'), id('C_KEY')]);
    expect(fake.value(id('C_KEY'))).toBe(values.C_KEY);
    expect(writes(await sync(repo, env, ['--full']))).toBe(0);
  });

  it('--prune deletes a secret only when its name is managed AND it carries the label', async () => {
    await ok(repo.run(['unset', 'prod/api/app', 'C_KEY']));
    await ok(repo.run(['unset', 'prod/api/app', 'D_KEY']));
    commit(repo, 'drop C and D');
    const mark = since(fake.writes);
    const pruned = await sync(repo, env, ['--prune']);
    expect(pruned.targets[0]!.delete).toEqual(['C_KEY', 'D_KEY']);
    expect(mark()).toEqual([{ op: 'delete', id: id('C_KEY') }]);
    expect(fake.secrets.has(id('D_KEY'))).toBe(true); // not labelled: not keyfold's to delete
    expect(fake.secrets.has(id('ELSEWHERE'))).toBe(true); // labelled but not managed here
    // D left keyfold's care: a later prune does not consider it again.
    expect((await sync(repo, env, ['--prune'])).targets[0]!.delete).toEqual([]);
  });

  it('a 429 is retried; a 503 storm exits 7, and the rerun writes only what is left', async () => {
    values.A_KEY = canary('g-a2');
    values.B_KEY = canary('g-b3');
    await setValue(repo, 'prod/api/app', 'A_KEY', values.A_KEY);
    await setValue(repo, 'prod/api/app', 'B_KEY', values.B_KEY);
    commit(repo, 'rotate A and B');
    fake.rateLimit(1);
    fake.storm({ afterWrites: 2 });
    const failed = await sync(repo, env, [], 7);
    expect(outcome(failed, 'gcp').error).toMatch(/HTTP 503 UNAVAILABLE/);
    expect(fake.value(id('A_KEY'))).toBe(values.A_KEY);
    fake.calm();
    const mark = since(fake.writes);
    expect(outcome(await sync(repo, env), 'gcp')).toMatchObject({ ok: true, writes: 2 });
    expect(mark()).toEqual([
      { op: 'addVersion', id: id('B_KEY') },
      { op: 'disable', id: id('B_KEY') },
    ]);
    expect(fake.log.filter((r) => r.fault === 'rate-limit')).toHaveLength(1);
  });

  it('GOOGLE_OAUTH_ACCESS_TOKEN is used as is; a key file inside the repository is refused', async () => {
    const before = fake.tokenRequests;
    expect(writes(await sync(repo, { GOOGLE_OAUTH_ACCESS_TOKEN: fake.staticToken }, ['--full']))).toBe(0);
    expect(fake.tokenRequests).toBe(before);
    mkdirSync(join(repo.dir, 'tmp'), { recursive: true });
    writeFileSync(join(repo.dir, 'tmp', 'sa.json'), fake.keyFile());
    const r = await fails(repo, { GOOGLE_APPLICATION_CREDENTIALS: 'tmp/sa.json' }, ['--full']);
    expect(r.stderr).toMatch(/GOOGLE_APPLICATION_CREDENTIALS points inside the repository/);
    rmSync(join(repo.dir, 'tmp'), { recursive: true });
  });

  it('a name Secret Manager cannot carry is refused at plan time and by validate', async () => {
    const long = `X${'Y'.repeat(255)}`;
    const file = join(repo.dir, 'keyfold.yaml');
    const text = readFileSync(file, 'utf8');
    writeFileSync(file, text.replace('"imports":["api/**","providers/**"]', `"imports":["api/**","providers/**"],"env":{"${long}":"x"}`));
    commit(repo, 'a long name');
    const r = await repo.run(['sync'], { env: { ...HTTP_ENV, ...env } });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/target gcp \(gcp-secret-manager\) cannot hold XYYY+: Secret Manager ids allow only letters, digits, - and _ \(at most 255 characters\)/);
    const v = await repo.run(['validate'], { as: null });
    expect(v.code).toBe(3);
    expect(v.stdout).toMatch(/config: service api in prod: target gcp \(gcp-secret-manager\) cannot hold XYYY+/);
    // 253 characters fit an id, but not after the target's prefix (api_): refused before any write.
    const prefixed = `Z${'Y'.repeat(252)}`;
    writeFileSync(file, text.replace('"imports":["api/**","providers/**"]', `"imports":["api/**","providers/**"],"env":{"${prefixed}":"x"}`));
    commit(repo, 'a name too long with the prefix');
    const p = await repo.run(['sync'], { env: { ...HTTP_ENV, ...env } });
    expect(p.code).toBe(1);
    expect(p.stderr).toMatch(/target gcp \(gcp-secret-manager\) cannot hold ZYYY+: with the prefix its secret id would be 257 characters; Secret Manager allows 255/);
    const pv = await repo.run(['validate'], { as: null });
    expect(pv.code).toBe(3);
    expect(pv.stdout).toMatch(/cannot hold ZYYY+: with the prefix its secret id would be 257 characters/);
    writeFileSync(file, text);
    commit(repo, 'back');
  });
});

describe('aws-secrets-manager', () => {
  let fake: FakeAws;
  let repo: TestRepo;
  let env: Record<string, string>;
  const values = { A_KEY: canary('a-a'), B_KEY: canary('a-b'), C_KEY: canary('a-c') };
  const theirs = { THEIR_KEY: canary('a-theirs') };

  beforeAll(async () => {
    fake = await started(new FakeAws());
    // A secret that exists already, made by someone else (untagged): keyfold merges into it, never removes names from it.
    fake.seed('acme/api/shared', JSON.stringify(theirs));
    env = { AWS_ACCESS_KEY_ID: fake.accessKeyId, AWS_SECRET_ACCESS_KEY: fake.secretAccessKey, AWS_SESSION_TOKEN: fake.sessionToken, AWS_EC2_METADATA_DISABLED: 'true' };
    repo = await serviceRepo(
      {
        aws: { type: 'aws-secrets-manager', region: fake.region, name: 'acme/api/prod', endpoint: fake.url },
        'aws-shared': { type: 'aws-secrets-manager', region: fake.region, name: 'acme/api/shared', endpoint: fake.url },
      },
      { prod: ['aws', 'aws-shared'] },
      { 'prod/api/app': values },
    );
  });

  afterAll(() => {
    expect(fake.rejected).toEqual([]);
  });

  it('the first sync creates one tagged JSON secret (SigV4-signed, verified by the fake); the second writes nothing', async () => {
    const first = await sync(repo, env);
    expect(outcome(first, 'aws')).toMatchObject({ ok: true, writes: 1, created: 3 });
    expect(outcome(first, 'aws-shared')).toMatchObject({ ok: true, writes: 1 });
    expect(fake.json('acme/api/prod')).toEqual(values);
    expect(fake.json('acme/api/shared')).toEqual({ ...theirs, ...values });
    expect(fake.secrets.get('acme/api/prod')!.tags).toEqual([{ Key: 'managed-by', Value: 'keyfold' }]);
    expect(fake.writes).toHaveLength(2);
    expect(fake.writes).toEqual(
      expect.arrayContaining([
        { op: 'CreateSecret', name: 'acme/api/prod' },
        { op: 'PutSecretValue', name: 'acme/api/shared' },
      ]),
    );
    const mark = since(fake.writes);
    expect(writes(await sync(repo, env))).toBe(0);
    expect(mark()).toEqual([]);
  });

  it('a one-key change is one GetSecretValue and one PutSecretValue per secret', async () => {
    values.B_KEY = canary('a-b2');
    await setValue(repo, 'prod/api/app', 'B_KEY', values.B_KEY);
    commit(repo, 'rotate B');
    const mark = since(fake.writes);
    const ops = since(fake.ops);
    const s = await sync(repo, env, ['--target', 'aws']);
    expect(outcome(s, 'aws')).toMatchObject({ writes: 1, updated: 1 });
    expect(ops()).toEqual(['GetSecretValue', 'PutSecretValue']);
    expect(mark()).toEqual([{ op: 'PutSecretValue', name: 'acme/api/prod' }]);
    expect(fake.json('acme/api/prod')).toEqual(values);
    await sync(repo, env);
  });

  it('--full reads the JSON back: nothing rewritten, a hand-made change found', async () => {
    let mark = since(fake.writes);
    expect(writes(await sync(repo, env, ['--full']))).toBe(0);
    expect(mark()).toEqual([]);
    const s = fake.secrets.get('acme/api/prod')!;
    s.versions.forEach((v) => (v.stages = []));
    s.versions.push({ id: 'by-hand', value: JSON.stringify({ ...values, A_KEY: 'by hand' }), stages: ['AWSCURRENT'] });
    mark = since(fake.writes);
    const drift = await sync(repo, env, ['--full']);
    expect(outcome(drift, 'aws')).toMatchObject({ writes: 1, updated: 1 });
    expect(mark()).toEqual([{ op: 'PutSecretValue', name: 'acme/api/prod' }]);
    expect(fake.json('acme/api/prod')).toEqual(values);
    expect(writes(await sync(repo, env, ['--full']))).toBe(0);
  });

  it('--prune removes names only from the tagged secret, and only names keyfold manages', async () => {
    // Someone adds a name to keyfold's secret by hand: kept.
    const s = fake.secrets.get('acme/api/prod')!;
    const cur = s.versions.find((v) => v.stages.includes('AWSCURRENT'))!;
    cur.value = JSON.stringify({ ...JSON.parse(cur.value), HAND_ADDED: 'x' });
    await ok(repo.run(['unset', 'prod/api/app', 'C_KEY']));
    commit(repo, 'drop C');
    expect(writes(await sync(repo, env))).toBe(0); // without --prune, the JSON keeps C_KEY: nothing to write
    expect(fake.json('acme/api/prod')).toHaveProperty('C_KEY');
    const mark = since(fake.writes);
    const pruned = await sync(repo, env, ['--prune']);
    expect(outcome(pruned, 'aws')).toMatchObject({ writes: 1, deleted: 1 });
    expect(outcome(pruned, 'aws-shared')).toMatchObject({ writes: 0, deleted: 1 });
    expect(mark()).toEqual([{ op: 'PutSecretValue', name: 'acme/api/prod' }]);
    expect(fake.json('acme/api/prod')).toEqual({ A_KEY: values.A_KEY, B_KEY: values.B_KEY, HAND_ADDED: 'x' });
    expect(fake.json('acme/api/shared')).toHaveProperty('C_KEY'); // untagged: not keyfold's to prune
  });

  it('ThrottlingException (HTTP 400, no Retry-After) is retried once over, not twice; a 500 storm exits 7 and the rerun converges', async () => {
    values.A_KEY = canary('a-a2');
    await setValue(repo, 'prod/api/app', 'A_KEY', values.A_KEY);
    commit(repo, 'rotate A');
    fake.rateLimit(2);
    const limited = await sync(repo, env, ['--target', 'aws']);
    expect(outcome(limited, 'aws')).toMatchObject({ ok: true, writes: 1 });
    expect(fake.log.filter((r) => r.fault === 'rate-limit')).toHaveLength(2);
    // Three attempts per request (KEYFOLD_HTTP_ATTEMPTS): throttled twice, then served.
    fake.rateLimit(3);
    const exhausted = await sync(repo, env, ['--target', 'aws-shared'], 7);
    expect(outcome(exhausted, 'aws-shared').error).toMatch(/GetSecretValue: HTTP 400 ThrottlingException \(throttled\)/);
    expect(fake.log.filter((r) => r.fault === 'rate-limit')).toHaveLength(5);
    fake.storm();
    const failed = await sync(repo, env, [], 7);
    expect(outcome(failed, 'aws-shared').error).toMatch(/HTTP 500 InternalServiceError/);
    fake.calm();
    const mark = since(fake.writes);
    expect(outcome(await sync(repo, env), 'aws-shared')).toMatchObject({ ok: true, writes: 1 });
    expect(mark()).toEqual([{ op: 'PutSecretValue', name: 'acme/api/shared' }]);
    expect(fake.json('acme/api/shared')).toMatchObject({ A_KEY: values.A_KEY });
  });

  it('wrong credentials are an error naming the AWS error, not the run', async () => {
    const r = await fails(repo, { ...env, AWS_ACCESS_KEY_ID: 'AKIAWRONGWRONGWRONG0' }, ['--full']);
    expect(r.stderr).toMatch(/aws-secrets-manager acme\/api\/\w+: GetSecretValue: HTTP 400 UnrecognizedClientException \(the credentials were refused\)/);
    const none = await fails(repo, { AWS_EC2_METADATA_DISABLED: 'true' }, ['--full']);
    expect(none.stderr).toMatch(/no AWS credentials/);
  });
});

describe('one service syncing to every registered target type', () => {
  it('one provider-key change reaches every target with one sync run, as one write of that key each', async () => {
    const vercel = await started(new FakeVercel());
    const cf = await started(new FakeCloudflare());
    const gcp = await started(new FakeGcp());
    const aws = await started(new FakeAws());
    const k8s = await startK8sFake({ namespaces: ['prod'] });
    const vault = await startVaultFake({ mounts: ['kv'] });
    const gh = await startGitHubServer();
    gh.addRepo('acme/web');
    cleanups.push(() => k8s.close(), () => vault.close(), () => gh.close());
    cf.scripts.set('web', new Map());
    const fixtures: Record<string, Record<string, unknown>> = {
      dotenv: { type: 'dotenv', path: '../out/web.env' },
      github: { type: 'github', repo: 'acme/web', api_url: gh.url },
      k8s: { type: 'k8s', namespace: 'prod', name: 'web', api_url: k8s.url },
      'vault-kv': { type: 'vault-kv', address: vault.url, mount: 'kv', path: 'web/prod' },
      vercel: { type: 'vercel', project: vercel.project.id, team: vercel.team.id, environments: ['production'], api_url: vercel.url },
      'cloudflare-workers': { type: 'cloudflare-workers', account: cf.account, script: 'web', api_url: cf.api },
      'gcp-secret-manager': { type: 'gcp-secret-manager', project: gcp.projectId, api_url: gcp.url },
      'aws-secrets-manager': { type: 'aws-secrets-manager', region: aws.region, name: 'web/prod', endpoint: aws.url },
    };
    // A type registered without a fixture here fails: add one when a target lands.
    expect(Object.keys(TARGET_TYPES).filter((t) => !Object.hasOwn(fixtures, t))).toEqual([]);
    const env = {
      GITHUB_TOKEN: gh.token,
      KUBE_TOKEN: k8s.token,
      VAULT_TOKEN: vault.token,
      VERCEL_TOKEN: vercel.token,
      CLOUDFLARE_API_TOKEN: cf.token,
      GOOGLE_OAUTH_ACCESS_TOKEN: gcp.staticToken,
      AWS_ACCESS_KEY_ID: aws.accessKeyId,
      AWS_SECRET_ACCESS_KEY: aws.secretAccessKey,
      AWS_SESSION_TOKEN: aws.sessionToken,
      AWS_EC2_METADATA_DISABLED: 'true',
    };
    const names = Object.keys(TARGET_TYPES);
    const values = { STRIPE_KEY: canary('all-stripe'), APP_SECRET: canary('all-app') };
    const repo = await serviceRepo(
      Object.fromEntries(names.map((t) => [t, fixtures[t]!])),
      { prod: names },
      { 'prod/providers/stripe': { STRIPE_KEY: values.STRIPE_KEY }, 'prod/api/app': { APP_SECRET: values.APP_SECRET } },
    );
    const first = await sync(repo, env);
    expect(first.outcome.targets.map((t) => [t.target, t.ok, t.created])).toEqual(names.sort().map((t) => [t, true, 2]));

    values.STRIPE_KEY = canary('all-stripe2');
    await setValue(repo, 'prod/providers/stripe', 'STRIPE_KEY', values.STRIPE_KEY);
    commit(repo, 'rotate the Stripe key');
    const marks = { vercel: since(vercel.writes), cf: since(cf.writes), gcp: since(gcp.writes), aws: since(aws.writes) };
    const [k8sApplies, vaultWrites, ghWrites] = [k8s.applies(), vault.dataWrites(), gh.writesOf('acme/web', 'STRIPE_KEY')];
    const s = await sync(repo, env);
    expect(s.outcome.failed).toBe(0);
    for (const t of s.targets) expect(t.upsert, t.target).toEqual([{ name: 'STRIPE_KEY', action: 'update' }]);
    for (const t of s.outcome.targets) expect(t, t.target).toMatchObject({ ok: true, updated: 1, created: 0, deleted: 0 });
    expect(marks.vercel()).toEqual([{ op: 'update', key: 'STRIPE_KEY', target: ['production'] }]);
    expect(marks.cf()).toEqual([{ op: 'put', script: 'web', name: 'STRIPE_KEY' }]);
    expect(marks.gcp()).toEqual([
      { op: 'addVersion', id: 'STRIPE_KEY' },
      { op: 'disable', id: 'STRIPE_KEY' },
    ]);
    expect(marks.aws()).toEqual([{ op: 'PutSecretValue', name: 'web/prod' }]);
    expect(gh.writesOf('acme/web', 'STRIPE_KEY') - ghWrites).toBe(1);
    expect(gh.value('acme/web', 'STRIPE_KEY')).toBe(values.STRIPE_KEY);
    expect(gh.violations).toEqual([]);
    expect(k8s.applies() - k8sApplies).toBe(1);
    expect(vault.dataWrites() - vaultWrites).toBe(1);
    expect(readFileSync(join(repo.dir, '..', 'out', 'web.env'), 'utf8')).toContain(values.STRIPE_KEY);
    expect(k8s.values('prod', 'web')).toEqual(values);
    expect(vault.latest('kv', 'web/prod')).toEqual(values);
    expect(vercel.envs.find((e) => e.key === 'STRIPE_KEY')!.value).toBe(values.STRIPE_KEY);
    expect(cf.scripts.get('web')!.get('STRIPE_KEY')!.text).toBe(values.STRIPE_KEY);
    expect(gcp.value('STRIPE_KEY')).toBe(values.STRIPE_KEY);
    expect(aws.json('web/prod')).toEqual(values);
  });
});
