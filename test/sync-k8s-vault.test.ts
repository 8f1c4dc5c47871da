/**
 * `keyfold sync` end to end (the built CLI in a temp git repo) to the whole-document
 * targets: `dotenv`, `k8s` as a manifest file, `k8s` by server-side apply to a local
 * API-server fake, and `vault-kv` to a local Vault fake. For each: the first sync
 * creates; a rerun writes nothing; a one-key change writes one document with the new
 * value; a data-key rotation writes nothing; `--prune` removes only managed names (a key
 * added by hand stays); `--full` reads back and rewrites nothing. For the HTTP targets:
 * an injected 429 is retried, a 500 storm exits 7 and a clean rerun converges. No
 * secret value appears in any output.
 */
import { randomUUID } from 'node:crypto';
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CliResult } from './helpers/cli.js';
import type { Fault, FakeRequest } from './helpers/fake-server.js';
import { startK8sFake, type K8sFake } from './helpers/k8s-fake.js';
import { makeRepo, type TestRepo } from './helpers/repo.js';
import { startVaultFake, type VaultFake } from './helpers/vault-fake.js';

const REF = 'dev/app/api';
const canaries: string[] = [];
const canary = (label: string): string => {
  const c = `CANARY-${label}-${randomUUID()}`;
  canaries.push(c);
  return c;
};

function expectNoValue(label: string, r: CliResult): void {
  for (const c of canaries) {
    expect(r.stdout.includes(c), `${label}: stdout shows a value`).toBe(false);
    expect(r.stderr.includes(c), `${label}: stderr shows a value`).toBe(false);
  }
}

/** What a test needs from one target: its keyfold.yaml entry, its contents and its write count. */
interface Harness {
  kind: string;
  target: string;
  entry: Record<string, unknown>;
  env: Record<string, string>;
  /** What the target holds (decoded), or undefined when nothing was written yet. */
  contents(): Record<string, unknown> | undefined;
  /** Documents written so far. */
  writes(): number;
  /** A key written at the target by someone else. */
  addByHand(key: string, value: string): void;
  /** For file targets: the file (absolute, once `attach` gave the repository). */
  file?: string;
  attach?(repo: TestRepo): void;
  fault?(fault: Fault, times?: number): void;
  heal?(): void;
  log?(): FakeRequest[];
}

/** Quick retries in tests. */
const HTTP_ENV = { KEYFOLD_HTTP_ATTEMPTS: '3', KEYFOLD_HTTP_BASE_DELAY_MS: '5', KEYFOLD_HTTP_MAX_DELAY_MS: '2000', KEYFOLD_HTTP_TIMEOUT_MS: '1500' };

async function setupRepo(h: Harness, values: Record<string, string>): Promise<TestRepo> {
  const repo = await makeRepo();
  for (const [k, v] of Object.entries(values)) expect((await repo.run(['set', REF, k, '--stdin'], { input: v })).code).toBe(0);
  const config = join(repo.dir, 'keyfold.yaml');
  const text = readFileSync(config, 'utf8')
    .replace(/^targets: \{\}$/m, `targets:\n  ${h.target}: ${JSON.stringify(h.entry)}`)
    .replace(/^services: \{\}$/m, `services:\n  app:\n    imports: ["app/**"]\n    targets: { dev: [${h.target}] }`);
  writeFileSync(config, text);
  commit(repo, 'setup');
  return repo;
}

function commit(repo: TestRepo, message: string): void {
  repo.git('add', '-A', 'secrets', 'keyfold.yaml', 'policies', '.sops.yaml');
  repo.git('commit', '-q', '-m', message);
}

interface SyncRun {
  r: CliResult;
  /** The outcome's writes for the target. */
  writes: number;
  mode?: string;
  json?: { targets: Array<{ mode: string; upsert: Array<{ name: string }>; delete: string[] }>; outcome: { targets: Array<{ ok: boolean; writes: number; error?: string }>; requests: number } };
}

async function sync(repo: TestRepo, h: Harness, args: string[] = []): Promise<SyncRun> {
  const r = await repo.run(['sync', '--json', ...args], { env: { ...HTTP_ENV, ...h.env } });
  expectNoValue(`sync ${args.join(' ')}`, r);
  let json: SyncRun['json'];
  try {
    json = JSON.parse(r.stdout) as SyncRun['json'];
  } catch {
    json = undefined;
  }
  return { r, json, writes: json?.outcome.targets[0]?.writes ?? -1, mode: json?.targets[0]?.mode };
}

/** The create / no-op / one change / rotation / prune / full checks every whole-document target passes. */
function documentScenario(make: () => Promise<Harness>, options: { http?: boolean } = {}): void {
  let h: Harness;
  let repo: TestRepo;
  const token1 = canary('token1');
  const token2 = canary('token2');
  const password = canary('password');
  const hand = canary('hand');

  beforeAll(async () => {
    h = await make();
    repo = await setupRepo(h, { API_TOKEN: token1, DB_PASSWORD: password });
    h.attach?.(repo);
  });
  afterAll(() => repo?.cleanup());

  it('the first sync creates the document with every name', async () => {
    const s = await sync(repo, h);
    expect(s.r.code, s.r.stderr).toBe(0);
    expect(h.contents(), s.r.stdout + s.r.stderr).toEqual({ API_TOKEN: token1, DB_PASSWORD: password });
    expect(h.writes()).toBe(1);
    expect(s.json!.targets[0]!.upsert.map((u) => u.name).sort()).toEqual(['API_TOKEN', 'DB_PASSWORD']);
    if (h.file) expect(statSync(h.file).mode & 0o777).toBe(0o600); // its folders were created
  });

  it('a second sync writes nothing', async () => {
    const s = await sync(repo, h);
    expect(s.r.code, s.r.stderr).toBe(0);
    expect(s.writes).toBe(0);
    expect(s.mode).toBe('incremental');
    expect(h.writes()).toBe(1);
  });

  it('a one-key change writes one document holding the new value', async () => {
    expect((await repo.run(['set', REF, 'API_TOKEN', '--stdin'], { input: token2 })).code).toBe(0);
    commit(repo, 'change API_TOKEN');
    const s = await sync(repo, h);
    expect(s.r.code, s.r.stderr).toBe(0);
    expect(s.json!.targets[0]!.upsert.map((u) => u.name)).toEqual(['API_TOKEN']);
    expect(s.writes).toBeGreaterThanOrEqual(1);
    expect(h.writes()).toBe(2);
    expect(h.contents()).toEqual({ API_TOKEN: token2, DB_PASSWORD: password });
  });

  it('a data-key rotation writes nothing', async () => {
    const rot = await repo.run(['rotate', 'dev/app']);
    expect(rot.code, rot.stderr).toBe(0);
    commit(repo, 'rotate');
    const s = await sync(repo, h);
    expect(s.r.code, s.r.stderr).toBe(0);
    expect(s.mode).toBe('incremental');
    expect(s.writes).toBe(0);
    expect(h.writes()).toBe(2);
  });

  it('--prune removes only managed names; a key added by hand stays', async () => {
    h.addByHand('HAND_ADDED', hand);
    expect((await repo.run(['unset', REF, 'DB_PASSWORD'])).code).toBe(0);
    commit(repo, 'drop DB_PASSWORD');
    // Without --prune the removed name stays at the target.
    let s = await sync(repo, h);
    expect(s.r.code, s.r.stderr).toBe(0);
    expect(s.writes).toBe(0);
    expect(h.contents()).toEqual({ API_TOKEN: token2, DB_PASSWORD: password, HAND_ADDED: hand });
    const before = h.writes();
    s = await sync(repo, h, ['--prune']);
    expect(s.r.code, s.r.stderr).toBe(0);
    expect(s.json!.targets[0]!.delete).toEqual(['DB_PASSWORD']);
    expect(h.writes()).toBe(before + 1);
    expect(h.contents()).toEqual({ API_TOKEN: token2, HAND_ADDED: hand });
    // Pruning again removes nothing more (the hand-added key was never keyfold's).
    s = await sync(repo, h, ['--prune']);
    expect(s.writes).toBe(0);
    expect(h.contents()).toEqual({ API_TOKEN: token2, HAND_ADDED: hand });
  });

  it('--full reads the values back: with no change it writes nothing', async () => {
    const s = await sync(repo, h, ['--full']);
    expect(s.r.code, s.r.stderr).toBe(0);
    expect(s.mode).toBe('full');
    expect(s.writes).toBe(0);
    expect(s.json!.targets[0]!.upsert).toEqual([]);
  });

  it('--full after a value was changed at the target by hand rewrites the document', async () => {
    h.addByHand('API_TOKEN', canary('tampered'));
    const before = h.writes();
    const s = await sync(repo, h, ['--full']);
    expect(s.r.code, s.r.stderr).toBe(0);
    expect(s.json!.targets[0]!.upsert.map((u) => u.name)).toEqual(['API_TOKEN']);
    expect(h.writes()).toBe(before + 1);
    expect(h.contents()).toEqual({ API_TOKEN: token2, HAND_ADDED: hand });
  });

  if (!options.http) return;
  it('an injected 429 is retried after its Retry-After; a 500 storm exits 7 and a clean rerun converges', async () => {
    // 429 with Retry-After: 1, once: keyfold waits the second and the change lands in this run.
    const token3 = canary('token3');
    expect((await repo.run(['set', REF, 'API_TOKEN', '--stdin'], { input: token3 })).code).toBe(0);
    commit(repo, 'token3');
    const from = h.log!().length;
    h.fault!({ status: 429, retryAfter: 1 }, 1);
    let s = await sync(repo, h);
    expect(s.r.code, s.r.stderr).toBe(0);
    const seen = h.log!().slice(from);
    expect(seen[0]!.status).toBe(429);
    expect(seen[1]!.at - seen[0]!.at).toBeGreaterThanOrEqual(900);
    expect(seen.slice(1).every((r) => r.status < 300)).toBe(true);
    expect(s.json!.outcome.requests).toBe(seen.length);
    expect(h.contents()).toMatchObject({ API_TOKEN: token3 });

    // A storm of 500s: exit 7, nothing printed but the failure; the state does not advance.
    const token4 = canary('token4');
    expect((await repo.run(['set', REF, 'API_TOKEN', '--stdin'], { input: token4 })).code).toBe(0);
    commit(repo, 'token4');
    h.fault!({ status: 500 }, Infinity);
    s = await sync(repo, h);
    expect(s.r.code).toBe(7);
    expect(s.json!.outcome.targets[0]!.ok).toBe(false);
    expect(s.json!.outcome.targets[0]!.error).toMatch(/500/);
    expect(h.contents()).toMatchObject({ API_TOKEN: token3 });
    h.heal!();
    s = await sync(repo, h);
    expect(s.r.code, s.r.stderr).toBe(0);
    expect(h.contents()).toEqual({ API_TOKEN: token4, HAND_ADDED: hand });
    s = await sync(repo, h);
    expect(s.writes).toBe(0);
  });
}

describe('sync to a dotenv file', () => {
  documentScenario(async () =>
    fileHarness({
      kind: 'dotenv',
      target: 'app-env',
      entry: { type: 'dotenv', path: 'out/nested/app.env' },
      rel: 'out/nested/app.env',
      parse: (text) =>
        Object.fromEntries(
          text
            .split('\n')
            .filter(Boolean)
            .map((l) => {
              const at = l.indexOf('=');
              return [l.slice(0, at), l.slice(at + 1).replace(/^'|'$/g, '')];
            }),
        ),
      add: (text, key, value) => [...text.split('\n').filter((l) => l && !l.startsWith(`${key}=`)), `${key}='${value}'`, ''].join('\n'),
    }),
  );
});

describe('sync to a k8s manifest file', () => {
  documentScenario(async () =>
    fileHarness({
      kind: 'k8s manifest',
      target: 'app-k8s-file',
      entry: { type: 'k8s', namespace: 'dev', name: 'app-secrets', out: 'deploy/k8s', labels: { team: 'payments' } },
      rel: 'deploy/k8s/app-secrets.yaml',
      parse: (text) => {
        expect(text).toMatch(/^apiVersion: v1\nkind: Secret\nmetadata:\n {2}name: app-secrets\n {2}namespace: dev\n {2}labels:\n {4}app\.kubernetes\.io\/managed-by: keyfold\n {4}team: payments\ntype: Opaque\ndata:\n/);
        const data = text.slice(text.lastIndexOf('\ndata:\n') + 7).split('\n').filter(Boolean);
        const keys = data.map((l) => l.trim().split(':')[0]!);
        expect(keys).toEqual([...keys].sort());
        return Object.fromEntries(data.map((l) => l.trim().split(': ')).map(([k, v]) => [k!, Buffer.from(v!, 'base64').toString('utf8')]));
      },
      add: (text, key, value) => [...text.split('\n').filter((l) => l && !l.startsWith(`  ${key}:`)), `  ${key}: ${Buffer.from(value).toString('base64')}`, ''].join('\n'),
    }),
  );
});

describe('sync to a Kubernetes API server (server-side apply)', () => {
  let fake: K8sFake;
  beforeAll(async () => {
    fake = await startK8sFake({ namespaces: ['dev'] });
  });
  afterAll(() => fake.close());
  documentScenario(async () => ({
    kind: 'k8s api',
    target: 'app-k8s',
    entry: { type: 'k8s', namespace: 'dev', name: 'app-secrets', api_url: fake.url, labels: { team: 'payments' } },
    env: { KUBE_TOKEN: fake.token },
    contents: () => fake.values('dev', 'app-secrets'),
    writes: () => fake.applies(),
    addByHand: (key, value) => fake.setByHand('dev', 'app-secrets', key, value),
    fault: (f, n) => fake.fail(f, n),
    heal: () => fake.heal(),
    log: () => fake.log,
  }), { http: true });

  it('applies with fieldManager keyfold, force, apply-patch+yaml, data (never stringData), the labels', () => {
    const patch = fake.log.find((r) => r.method === 'PATCH')!;
    expect(patch.url).toBe('/api/v1/namespaces/dev/secrets/app-secrets?fieldManager=keyfold&force=true');
    expect(patch.headers['content-type']).toBe('application/apply-patch+yaml');
    const body = JSON.parse(patch.body) as Record<string, unknown>;
    expect(body).toMatchObject({ apiVersion: 'v1', kind: 'Secret', type: 'Opaque', metadata: { name: 'app-secrets', namespace: 'dev', labels: { 'app.kubernetes.io/managed-by': 'keyfold', team: 'payments' } } });
    expect(body['stringData']).toBeUndefined();
    expect(fake.secrets.get('dev/app-secrets')!.labels).toMatchObject({ 'app.kubernetes.io/managed-by': 'keyfold', team: 'payments' });
  });
});

describe('sync to Vault KV v2', () => {
  let fake: VaultFake;
  beforeAll(async () => {
    fake = await startVaultFake({ mounts: ['kv'] });
  });
  afterAll(() => fake.close());
  documentScenario(async () => ({
    kind: 'vault-kv',
    target: 'app-vault',
    entry: { type: 'vault-kv', address: fake.url, mount: 'kv', path: 'apps/app/dev', namespace: 'team-a' },
    env: { VAULT_TOKEN: fake.token },
    contents: () => fake.latest('kv', 'apps/app/dev', 'team-a'),
    writes: () => fake.dataWrites(),
    addByHand: (key, value) => fake.writeByHand('kv', 'apps/app/dev', { ...fake.latest('kv', 'apps/app/dev', 'team-a'), [key]: value }, 'team-a'),
    fault: (f, n) => fake.fail(f, n),
    heal: () => fake.heal(),
    log: () => fake.log,
  }), { http: true });

  it('wrote with check-and-set, in the namespace, and marked the path managed-by keyfold once', () => {
    const writes = fake.log.filter((r) => r.method === 'POST' && r.url.includes('/data/'));
    expect(writes.length).toBeGreaterThan(0);
    for (const w of writes) {
      expect(w.headers['x-vault-namespace']).toBe('team-a');
      expect(w.headers['x-vault-token']).toBe(fake.token);
      expect(typeof (JSON.parse(w.body) as { options: { cas: unknown } }).options.cas).toBe('number');
    }
    expect(fake.entry('kv', 'apps/app/dev', 'team-a')!.custom_metadata).toEqual({ 'managed-by': 'keyfold' });
    expect(fake.metadataWrites()).toBe(1);
  });
});

/**
 * A file target's harness. Writes are counted by the file's inode: an atomic write
 * replaces the file (its temp exists beside the old one, so the inode always differs),
 * a hand edit rewrites it in place.
 */
function fileHarness(o: {
  kind: string;
  target: string;
  entry: Record<string, unknown>;
  rel: string;
  parse(text: string): Record<string, unknown>;
  add(text: string, key: string, value: string): string;
}): Harness {
  let file = '';
  let seen: { ino: number; count: number } | undefined;
  const writes = () => {
    if (!existsSync(file)) return 0;
    const ino = statSync(file).ino;
    if (!seen) seen = { ino, count: 1 };
    else if (seen.ino !== ino) seen = { ino, count: seen.count + 1 };
    return seen.count;
  };
  return {
    kind: o.kind,
    target: o.target,
    entry: o.entry,
    env: {},
    get file() {
      return file;
    },
    attach(repo) {
      file = join(repo.dir, o.rel);
    },
    contents: () => (existsSync(file) ? o.parse(readFileSync(file, 'utf8')) : undefined),
    writes,
    addByHand(key, value) {
      writes(); // note the inode before the edit
      writeFileSync(file, o.add(readFileSync(file, 'utf8'), key, value));
    },
  };
}

/** A repository whose service `app` syncs to every target given. */
async function repoWith(targets: Record<string, Record<string, unknown>>, values: Record<string, string>): Promise<TestRepo> {
  const repo = await makeRepo();
  for (const [k, v] of Object.entries(values)) expect((await repo.run(['set', REF, k, '--stdin'], { input: v })).code).toBe(0);
  const config = join(repo.dir, 'keyfold.yaml');
  const text = readFileSync(config, 'utf8')
    .replace(/^targets: \{\}$/m, `targets:\n${Object.entries(targets).map(([name, entry]) => `  ${name}: ${JSON.stringify(entry)}`).join('\n')}`)
    .replace(/^services: \{\}$/m, `services:\n  app:\n    imports: ["app/**"]\n    targets: { dev: [${Object.keys(targets).join(', ')}] }`);
  writeFileSync(config, text);
  commit(repo, 'setup');
  return repo;
}

interface Outcome {
  targets: Array<{ target: string; ok: boolean; writes: number; error?: string }>;
}

async function syncJson(repo: TestRepo, env: Record<string, string>, args: string[] = []): Promise<{ r: CliResult; outcome?: Outcome; error?: { message: string; hint?: string } }> {
  const r = await repo.run(['sync', '--json', ...args], { env: { ...HTTP_ENV, ...env } });
  expectNoValue('sync', r);
  const json = JSON.parse(r.stdout || r.stderr) as { outcome?: Outcome; error?: { message: string; hint?: string } };
  return { r, outcome: json.outcome, error: json.error };
}

describe('sync failures name the cause and never a value', () => {
  let k8s: K8sFake;
  let vault: VaultFake;
  let repo: TestRepo;
  const value = canary('failures');
  const env = () => ({ KUBE_TOKEN: k8s.token, VAULT_TOKEN: vault.token });
  beforeAll(async () => {
    k8s = await startK8sFake({ namespaces: ['dev'] });
    vault = await startVaultFake();
    repo = await repoWith(
      {
        'k8s-missing-ns': { type: 'k8s', namespace: 'missing', name: 'app', api_url: k8s.url },
        'k8s-ok': { type: 'k8s', namespace: 'dev', name: 'app', api_url: k8s.url },
        vault: { type: 'vault-kv', address: vault.url, mount: 'secret', path: 'app' },
      },
      { API_TOKEN: value },
    );
  });
  afterAll(async () => {
    repo?.cleanup();
    await k8s?.close();
    await vault?.close();
  });
  const byName = (o: Outcome | undefined, name: string) => o!.targets.find((t) => t.target === name)!;

  it("a missing namespace fails its target with the Status's code and reason (exit 7); the other targets still sync", async () => {
    const s = await syncJson(repo, env());
    expect(s.r.code).toBe(7);
    expect(byName(s.outcome, 'k8s-missing-ns')).toMatchObject({ ok: false, error: 'k8s secret missing/app: apply failed: 404 NotFound (namespaces "missing" not found)' });
    expect(byName(s.outcome, 'k8s-ok')).toMatchObject({ ok: true, writes: 1 });
    expect(byName(s.outcome, 'vault')).toMatchObject({ ok: true });
    expect(k8s.values('dev', 'app')).toEqual({ API_TOKEN: value });
    expect(vault.latest('secret', 'app')).toEqual({ API_TOKEN: value });
    // Human output too.
    const text = await repo.run(['sync', '--target', 'k8s-missing-ns'], { env: { ...HTTP_ENV, ...env() } });
    expect(text.code).toBe(7);
    expect(text.stderr + text.stdout).toContain('404 NotFound');
    expectNoValue('sync (text)', text);
  });

  it('a wrong or missing token: 401 Unauthorized / 403 permission denied / "KUBE_TOKEN is not set"', async () => {
    const changed = canary('failures2');
    expect((await repo.run(['set', REF, 'API_TOKEN', '--stdin'], { input: changed })).code).toBe(0);
    commit(repo, 'change');
    let s = await syncJson(repo, { KUBE_TOKEN: 'wrong', VAULT_TOKEN: 'wrong' }, ['--target', 'k8s-ok', '--target', 'vault']);
    expect(s.r.code).toBe(7);
    expect(byName(s.outcome, 'k8s-ok').error).toBe('k8s secret dev/app: read failed: 401 Unauthorized (Unauthorized)');
    expect(byName(s.outcome, 'vault').error).toBe('vault-kv secret/app: read failed: 403 (permission denied)');
    s = await syncJson(repo, {}, ['--target', 'k8s-ok', '--target', 'vault']);
    expect(byName(s.outcome, 'k8s-ok').error).toBe('k8s secret dev/app: KUBE_TOKEN is not set');
    expect(byName(s.outcome, 'vault').error).toBe('vault-kv secret/app: VAULT_TOKEN is not set');
    s = await syncJson(repo, env(), ['--target', 'k8s-ok', '--target', 'vault']);
    expect(s.r.code, s.r.stderr).toBe(0);
    expect(k8s.values('dev', 'app')).toEqual({ API_TOKEN: changed });
  });

  it('Vault: sealed (503, retried) exits 7; a concurrent write is detected by check-and-set, re-read once and kept', async () => {
    const v3 = canary('failures3');
    expect((await repo.run(['set', REF, 'API_TOKEN', '--stdin'], { input: v3 })).code).toBe(0);
    commit(repo, 'v3');
    vault.sealed = true;
    const from = vault.log.length;
    let s = await syncJson(repo, env(), ['--target', 'vault']);
    expect(s.r.code).toBe(7);
    expect(byName(s.outcome, 'vault').error).toBe('vault-kv secret/app: read failed: 503 (Vault is sealed)');
    expect(vault.log.length - from).toBe(3); // KEYFOLD_HTTP_ATTEMPTS
    vault.sealed = false;

    // Someone writes the path between keyfold's read and its write: the write fails
    // check-and-set, keyfold reads again (keeping their key) and writes once more.
    let raced = false;
    vault.beforeWrite = () => {
      if (raced) return;
      raced = true;
      vault.writeByHand('secret', 'app', { ...vault.latest('secret', 'app'), OTHER_WRITER: 'x' });
    };
    const writes = vault.dataWrites();
    s = await syncJson(repo, env(), ['--target', 'vault']);
    expect(s.r.code, s.r.stderr).toBe(0);
    expect(vault.latest('secret', 'app')).toEqual({ API_TOKEN: v3, OTHER_WRITER: 'x' });
    expect(vault.log.filter((r) => r.status === 400 && r.body.includes('"cas"')).length).toBe(1);
    expect(vault.dataWrites()).toBe(writes + 1);

    // A writer that always gets in first: keyfold gives up after one retry, writes nothing.
    const v4 = canary('failures4');
    expect((await repo.run(['set', REF, 'API_TOKEN', '--stdin'], { input: v4 })).code).toBe(0);
    commit(repo, 'v4');
    vault.beforeWrite = () => vault.writeByHand('secret', 'app', { ...vault.latest('secret', 'app') });
    s = await syncJson(repo, env(), ['--target', 'vault']);
    vault.beforeWrite = undefined;
    expect(s.r.code).toBe(7);
    expect(byName(s.outcome, 'vault').error).toBe('vault-kv secret/app: the path changed again while keyfold wrote it (check-and-set failed twice); nothing was written');
    expect(vault.latest('secret', 'app')!['API_TOKEN']).toBe(v3);
    s = await syncJson(repo, env(), ['--target', 'vault']);
    expect(s.r.code, s.r.stderr).toBe(0);
    expect(vault.latest('secret', 'app')).toEqual({ API_TOKEN: v4, OTHER_WRITER: 'x' });
  });

  it('a hung request times out and is retried; a server that is down exits 7, and the rerun after it converges', async () => {
    const v5 = canary('failures5');
    expect((await repo.run(['set', REF, 'API_TOKEN', '--stdin'], { input: v5 })).code).toBe(0);
    commit(repo, 'v5');
    vault.fail('hang', 1);
    let s = await syncJson(repo, env(), ['--target', 'vault']);
    expect(s.r.code, s.r.stderr).toBe(0);
    expect(vault.latest('secret', 'app')!['API_TOKEN']).toBe(v5);

    const v6 = canary('failures6');
    expect((await repo.run(['set', REF, 'API_TOKEN', '--stdin'], { input: v6 })).code).toBe(0);
    commit(repo, 'v6');
    await k8s.down();
    s = await syncJson(repo, env(), ['--target', 'k8s-ok']);
    expect(s.r.code).toBe(7);
    expect(byName(s.outcome, 'k8s-ok').error).toMatch(/^GET k8s secret dev\/app: could not connect \(ECONNREFUSED\)$/);
    await k8s.up();
    s = await syncJson(repo, env(), ['--target', 'k8s-ok']);
    expect(s.r.code, s.r.stderr).toBe(0);
    expect(k8s.values('dev', 'app')).toEqual({ API_TOKEN: v6 });
  });

  it('target entries are checked: exactly one of out / api_url, https unless loopback, no managed-by label, Vault paths', async () => {
    const bad = async (entry: Record<string, unknown>, message: RegExp) => {
      const r = await repoWith({ t: entry }, { API_TOKEN: value });
      try {
        const s = await r.run(['sync', '--plan'], { env: env() });
        expect(s.code).toBe(1);
        expect(s.stderr).toMatch(message);
      } finally {
        r.cleanup();
      }
    };
    await bad({ type: 'k8s', namespace: 'dev', name: 'app', out: 'x', api_url: k8s.url }, /targets\.t\.\(entry\): give exactly one of out/);
    await bad({ type: 'k8s', namespace: 'dev', name: 'app', api_url: 'http://k8s.example.com' }, /targets\.t\.api_url: an https:\/\/ URL/);
    await bad({ type: 'k8s', namespace: 'Dev', name: 'app', out: 'x' }, /targets\.t\.namespace: a namespace is a DNS label/);
    await bad({ type: 'k8s', namespace: 'dev', name: 'app', out: 'x', labels: { 'app.kubernetes.io/managed-by': 'me' } }, /keyfold sets app\.kubernetes\.io\/managed-by itself/);
    await bad({ type: 'vault-kv', address: 'http://vault.example.com:8200', mount: 'secret', path: 'app' }, /targets\.t\.address: an https:\/\/ URL/);
    await bad({ type: 'vault-kv', address: vault.url, mount: 'secret', path: '../app' }, /targets\.t\.path: the secret's path/);
  });
});

describe('sync refuses a repository state it cannot record', () => {
  it('no commit yet, a dirty secrets tree, HEAD off the default branch: exit 1 (the repository, not the command line), nothing written', async () => {
    const repo = await makeRepo();
    try {
      const out = join(repo.dir, 'out', 'app.env');
      expect((await repo.run(['set', REF, 'A', '--stdin'], { input: canary('refuse') })).code).toBe(0);
      const config = join(repo.dir, 'keyfold.yaml');
      writeFileSync(
        config,
        readFileSync(config, 'utf8')
          .replace(/^targets: \{\}$/m, 'targets:\n  app-env: { type: dotenv, path: out/app.env }')
          .replace(/^services: \{\}$/m, 'services:\n  app:\n    imports: ["app/**"]\n    targets: { dev: [app-env] }'),
      );
      const refused = async (pattern: RegExp) => {
        for (const args of [['sync'], ['sync', '--plan']]) {
          const r = await repo.run(args);
          expect(r.code, `${args.join(' ')}: ${r.stderr}`).toBe(1);
          expect(r.stderr).toMatch(pattern);
          expectNoValue(args.join(' '), r);
        }
        expect(existsSync(out)).toBe(false);
      };
      await refused(/sync needs a commit to record: this repository has none yet/);
      commit(repo, 'setup');
      const file = join(repo.dir, 'secrets', `${REF}.yaml`);
      const text = readFileSync(file, 'utf8');
      writeFileSync(file, text + '\n');
      await refused(/sync needs a clean tree: secrets\/.* has uncommitted changes/);
      writeFileSync(file, text);
      repo.git('commit', '-q', '--allow-empty', '-m', 'later');
      repo.git('checkout', '-q', '--detach', 'HEAD~1');
      await refused(/sync runs on the default branch's tip/);
    } finally {
      repo.cleanup();
    }
  });
});
