/**
 * `keyfold sync` to GitHub Actions secrets, end to end: the built CLI in temp git repos
 * against the local GitHub imitation (test/helpers/github-server.ts), which checks every
 * request against GitHub's schemas and opens every sealed box it receives.
 *
 * a. 21 services × 70 provider keys: a first sync creates everything, a second writes
 *    nothing, one changed provider key writes once per target (21), a data-key rotation
 *    writes nothing; values opened from the sealed boxes equal the plaintext.
 * b. 429 / 403 rate limits, 500s, hung connections and a server that is down: retries;
 *    a target that keeps failing exits 7 while the others complete, its state stays
 *    behind, and a rerun writes each missing name exactly once.
 * c. --prune deletes removed keys keyfold manages and never a foreign secret; a state
 *    ref that does not verify means a full compare and no pruning.
 * d. Environment and organization secrets (visibility, selected repositories), names
 *    GitHub refuses (exit 1 at plan time), a missing token (exit 7), and no value in any
 *    output.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ROOT, type CliResult } from './helpers/cli.js';
import { startGitHubServer, type GitHubServer } from './helpers/github-server.js';
import { makeRepo, type TestRepo } from './helpers/repo.js';

const CANARY = `kfcanary${randomBytes(5).toString('hex')}`;
/** Every output of every command run here (checked for values at the end). */
const outputs: string[] = [];

interface PlanJson {
  targets: Array<{ target: string; mode: string; reason: string; upsert: Array<{ name: string; action: string }>; delete: string[]; pruneDisabled?: boolean }>;
}
interface SyncJson extends PlanJson {
  outcome: { targets: Array<{ target: string; ok: boolean; writes: number; error?: string }>; requests: number; failed: number };
}

function httpEnv(gh: GitHubServer, extra: Record<string, string | undefined> = {}): Record<string, string | undefined> {
  return { GITHUB_TOKEN: gh.token, KEYFOLD_HTTP_BASE_DELAY_MS: '5', KEYFOLD_HTTP_MAX_DELAY_MS: '30', KEYFOLD_HTTP_TIMEOUT_MS: '10000', KEYFOLD_HTTP_ATTEMPTS: '4', ...extra };
}

async function run(repo: TestRepo, args: string[], env: Record<string, string | undefined> = {}, input?: string): Promise<CliResult> {
  const r = await repo.run(args, { env, input });
  outputs.push(r.stdout, r.stderr);
  return r;
}

async function sync(repo: TestRepo, gh: GitHubServer, args: string[] = [], extra: Record<string, string | undefined> = {}): Promise<CliResult> {
  return run(repo, ['sync', ...args], httpEnv(gh, extra));
}

async function syncJson(repo: TestRepo, gh: GitHubServer, args: string[] = [], extra: Record<string, string | undefined> = {}): Promise<{ r: CliResult; out: SyncJson }> {
  const r = await sync(repo, gh, [...args, '--json'], extra);
  let out: SyncJson;
  try {
    out = JSON.parse(r.stdout) as SyncJson;
  } catch {
    throw new Error(`sync ${args.join(' ')} printed no JSON (exit ${r.code}): ${r.stderr}`);
  }
  return { r, out };
}

async function set(repo: TestRepo, ref: string, key: string, value: string): Promise<void> {
  const r = await run(repo, ['set', ref, key, '--stdin'], {}, value);
  expect(r.code, r.stderr).toBe(0);
}

function commit(repo: TestRepo, message: string): string {
  repo.git('add', '-A');
  repo.git('commit', '-q', '-m', message);
  return repo.git('rev-parse', 'HEAD').trim();
}

/** Provider files: `files` refs under prod/providers with `keys` keys each, imported through the CLI. */
async function providers(repo: TestRepo, files: number, keys: number, tag = 'v1'): Promise<Map<string, string>> {
  const values = new Map<string, string>();
  for (let f = 0; f < files; f++) {
    const lines: string[] = [];
    for (let k = 0; k < keys; k++) {
      const name = `P${f}_KEY_${k}`;
      const value = `${CANARY}-p${f}-k${k}-${tag}-${randomBytes(6).toString('hex')}`;
      values.set(name, value);
      lines.push(`${name}=${value}`);
    }
    const file = join(repo.dir, '..', `p${f}.env`);
    writeFileSync(file, lines.join('\n') + '\n');
    const r = await run(repo, ['import', file, '--ref', `prod/providers/p${f}`]);
    expect(r.code, r.stderr).toBe(0);
  }
  return values;
}

function writeConfig(repo: TestRepo, targets: Record<string, string>, services: Record<string, string>): void {
  const t = Object.entries(targets).map(([name, spec]) => `  ${name}: ${spec}`);
  const s = Object.entries(services).map(([name, spec]) => `  ${name}: ${spec}`);
  writeFileSync(join(repo.dir, 'keyfold.yaml'), ['environments: [dev, staging, prod]', 'targets:', ...t, 'services:', ...s, ''].join('\n'));
}

describe('the bundle', () => {
  it('keeps octokit and libsodium out of the CLI bundle (only sync to GitHub loads dist/keyfold-github.js)', () => {
    const cli = readFileSync(join(ROOT, 'dist', 'keyfold-cli.js'), 'utf8');
    const vendor = readFileSync(join(ROOT, 'dist', 'keyfold-github.js'), 'utf8');
    const markers = [/octokit-core\.js/, /libsodium was not correctly initialized/];
    for (const m of markers) {
      expect(cli).not.toMatch(m);
      expect(vendor).toMatch(m);
    }
  });
});

describe('sync to GitHub: 21 services × 70 provider keys', () => {
  const SERVICES = Array.from({ length: 21 }, (_, i) => `svc-${String(i + 1).padStart(2, '0')}`);
  let gh: GitHubServer;
  let repo: TestRepo;
  let values: Map<string, string>;
  beforeAll(async () => {
    gh = await startGitHubServer();
    for (const s of SERVICES) gh.addRepo(`acme/${s}`);
    repo = await makeRepo();
    values = await providers(repo, 7, 10);
    writeConfig(
      repo,
      Object.fromEntries(SERVICES.map((s) => [s, `{ type: github, repo: acme/${s}, api_url: "${gh.url}" }`])),
      Object.fromEntries(SERVICES.map((s) => [s.replace('-', ''), `{ imports: ["providers/**"], env: { SERVICE_NAME: ${s} }, targets: { prod: [${s}] } }`])),
    );
    commit(repo, 'providers and services');
  });
  afterAll(async () => {
    await gh?.close();
    repo?.cleanup();
  });

  it('a first sync creates every secret; a second writes nothing; the values GitHub opens equal the plaintext', async () => {
    const first = await syncJson(repo, gh);
    expect(first.r.code, first.r.stderr).toBe(0);
    expect(first.out.outcome.failed).toBe(0);
    expect(first.out.targets.every((t) => t.mode === 'full' && t.upsert.length === 71)).toBe(true);
    expect(gh.writes).toBe(21 * 71);
    for (const s of SERVICES) {
      expect(gh.names(`acme/${s}`)).toEqual([...values.keys(), 'SERVICE_NAME'].sort());
      for (const [name, value] of values) expect(gh.value(`acme/${s}`, name)).toBe(value);
      expect(gh.value(`acme/${s}`, 'SERVICE_NAME')).toBe(s);
    }
    gh.resetCounts();
    const second = await syncJson(repo, gh);
    expect(second.r.code).toBe(0);
    expect(second.out.targets.every((t) => t.mode === 'incremental' && t.upsert.length === 0)).toBe(true);
    expect(gh.writes).toBe(0);
    expect(gh.requests).toBe(0);
    expect(gh.violations).toEqual([]);
  }, 180_000); // 1,491 writes: slow on a loaded machine

  it('one changed provider key: exactly one write per target that uses it (21); the plan calls no API', async () => {
    const value = `${CANARY}-p3-k5-v2`;
    await set(repo, 'prod/providers/p3', 'P3_KEY_5', value);
    commit(repo, 'change P3_KEY_5');
    gh.resetCounts();
    const plan = await sync(repo, gh, ['--plan', '--json']);
    expect(plan.code).toBe(0);
    const view = JSON.parse(plan.stdout) as PlanJson;
    expect(view.targets.map((t) => t.upsert)).toEqual(SERVICES.map(() => [{ name: 'P3_KEY_5', action: 'update' }]));
    expect(gh.requests).toBe(0);
    const r = await sync(repo, gh);
    expect(r.code, r.stderr).toBe(0);
    expect(gh.writes).toBe(21);
    expect(gh.requests).toBe(42); // per target: the public key and one PUT
    for (const s of SERVICES) {
      expect(gh.writesOf(`acme/${s}`, 'P3_KEY_5')).toBe(1);
      expect(gh.value(`acme/${s}`, 'P3_KEY_5')).toBe(value);
    }
    expect(gh.violations).toEqual([]);
  });

  it('a data-key rotation changes no value, so it writes nothing', async () => {
    const before = readFileSync(join(repo.dir, 'secrets/prod/providers/p0.yaml'), 'utf8');
    const r = await run(repo, ['rotate', 'prod']);
    expect(r.code, r.stderr).toBe(0);
    expect(readFileSync(join(repo.dir, 'secrets/prod/providers/p0.yaml'), 'utf8')).not.toBe(before);
    commit(repo, 'rotate prod');
    gh.resetCounts();
    const { r: s, out } = await syncJson(repo, gh);
    expect(s.code).toBe(0);
    expect(out.targets.every((t) => t.mode === 'incremental' && t.upsert.length === 0)).toBe(true);
    expect(gh.writes).toBe(0);
    expect(gh.requests).toBe(0);
  });
});

describe('sync to GitHub under faults', () => {
  const TARGETS = ['svc-a', 'svc-b', 'svc-c'];
  let gh: GitHubServer;
  let repo: TestRepo;
  beforeAll(async () => {
    gh = await startGitHubServer();
    for (const t of TARGETS) gh.addRepo(`acme/${t}`);
    repo = await makeRepo();
    await providers(repo, 1, 5);
    writeConfig(
      repo,
      Object.fromEntries(TARGETS.map((t) => [t, `{ type: github, repo: acme/${t}, api_url: "${gh.url}" }`])),
      Object.fromEntries(TARGETS.map((t) => [t.replace('-', ''), `{ imports: ["providers/**"], targets: { prod: [${t}] } }`])),
    );
    commit(repo, 'init');
    const r = await sync(repo, gh);
    expect(r.code, r.stderr).toBe(0);
  });
  afterEach(() => gh.clearFaults());
  afterAll(async () => {
    await gh?.close();
    repo?.cleanup();
  });

  const change = async (...keys: string[]) => {
    for (const k of keys) await set(repo, 'prod/providers/p0', k, `${CANARY}-${k}-${randomBytes(4).toString('hex')}`);
    const head = commit(repo, `change ${keys.join(' ')}`);
    gh.resetCounts();
    return head;
  };

  it('429 (Retry-After) and 403 rate limits are retried through keyfold’s client; nothing is written twice', async () => {
    await change('P0_KEY_1');
    gh.fault('429', 2, /^PUT \/repos\/acme\/svc-a\//);
    gh.fault('403-rate-limit', 1, /^PUT \/repos\/acme\/svc-b\//);
    gh.fault('500', 1, /^GET \/repos\/acme\/svc-c\/actions\/secrets\/public-key$/);
    const r = await sync(repo, gh);
    expect(r.code, r.stderr).toBe(0);
    expect(gh.log.filter((l) => l.status === 429)).toHaveLength(2);
    expect(gh.log.filter((l) => l.status === 403)).toHaveLength(1);
    expect(gh.log.filter((l) => l.status === 500)).toHaveLength(1);
    for (const t of TARGETS) expect(gh.writesOf(`acme/${t}`, 'P0_KEY_1')).toBe(1);
    expect(gh.violations).toEqual([]);
  });

  it('a target that keeps failing (500) exits 7 while the others complete; its state stays behind; a rerun writes only what is missing', async () => {
    const before = repo.git('rev-parse', 'HEAD').trim();
    const head = await change('P0_KEY_2', 'P0_KEY_3', 'P0_KEY_4');
    // svc-b writes P0_KEY_2, then every attempt at P0_KEY_3 fails.
    gh.fault('500', 1000, /^PUT \/repos\/acme\/svc-b\/actions\/secrets\/P0_KEY_3$/);
    const { r, out } = await syncJson(repo, gh);
    expect(r.code).toBe(7);
    const byTarget = Object.fromEntries(out.outcome.targets.map((t) => [t.target, t]));
    expect(byTarget['svc-a']).toMatchObject({ ok: true, writes: 3 });
    expect(byTarget['svc-c']).toMatchObject({ ok: true, writes: 3 });
    expect(byTarget['svc-b']).toMatchObject({ ok: false });
    expect(byTarget['svc-b']!.error).toMatch(/^github repo acme\/svc-b at [^:]+:\d+: write P0_KEY_3: 500 GitHub failed/);
    expect(gh.log.filter((l) => l.status === 500)).toHaveLength(4); // KEYFOLD_HTTP_ATTEMPTS
    // The failed target's synced commit did not advance; what it wrote is recorded.
    const plan = JSON.parse((await sync(repo, gh, ['--plan', '--json'])).stdout) as PlanJson;
    const planOf = (t: string) => plan.targets.find((x) => x.target === t)!;
    expect(planOf('svc-b').reason).toBe(`since ${before.slice(0, 12)}`);
    expect(planOf('svc-b').upsert.map((u) => u.name)).toEqual(['P0_KEY_3', 'P0_KEY_4']);
    expect(planOf('svc-a')).toMatchObject({ reason: `since ${head.slice(0, 12)}`, upsert: [] });

    gh.clearFaults();
    const again = await syncJson(repo, gh);
    expect(again.r.code, again.r.stderr).toBe(0);
    for (const t of TARGETS) for (const k of ['P0_KEY_2', 'P0_KEY_3', 'P0_KEY_4']) expect(gh.writesOf(`acme/${t}`, k), `${t} ${k}`).toBe(1);
    expect(gh.writes).toBe(9);
    expect(gh.violations).toEqual([]);
  });

  it('a hung connection times out and is retried; one that never answers fails its target only', async () => {
    await change('P0_KEY_0');
    gh.fault('hang', 1, /^PUT \/repos\/acme\/svc-c\//);
    gh.fault('hang', 1000, /^GET \/repos\/acme\/svc-a\/actions\/secrets\/public-key$/);
    const { r, out } = await syncJson(repo, gh, [], { KEYFOLD_HTTP_TIMEOUT_MS: '400', KEYFOLD_HTTP_ATTEMPTS: '2' });
    expect(r.code).toBe(7);
    const byTarget = Object.fromEntries(out.outcome.targets.map((t) => [t.target, t]));
    expect(byTarget['svc-a']!.ok).toBe(false);
    expect(byTarget['svc-a']!.error).toMatch(/timed out after 400 ms/);
    expect(byTarget['svc-b']!.ok && byTarget['svc-c']!.ok).toBe(true);
    const hung = gh.log.filter((l) => l.status === -1).map((l) => `${l.method} ${l.path}`);
    // svc-c's PUT hung once and was retried; svc-a's public key hung on both attempts.
    expect(hung.sort()).toEqual(['GET /repos/acme/svc-a/actions/secrets/public-key', 'GET /repos/acme/svc-a/actions/secrets/public-key', 'PUT /repos/acme/svc-c/actions/secrets/P0_KEY_0']);
    gh.clearFaults();
    const again = await sync(repo, gh);
    expect(again.code, again.stderr).toBe(0);
    for (const t of TARGETS) expect(gh.writesOf(`acme/${t}`, 'P0_KEY_0')).toBe(1);
  });

  it('GitHub down: every target fails (exit 7, "could not connect"); back up, a rerun completes', async () => {
    await change('P0_KEY_1');
    await gh.down();
    const down = await sync(repo, gh);
    expect(down.code).toBe(7);
    expect(down.stderr + down.stdout).toMatch(/could not connect/);
    expect(down.stdout).toMatch(/synced 0 of 3 targets/);
    await gh.up();
    const again = await sync(repo, gh);
    expect(again.code, again.stderr).toBe(0);
    for (const t of TARGETS) expect(gh.writesOf(`acme/${t}`, 'P0_KEY_1')).toBe(1);
    expect(gh.violations).toEqual([]);
  });
});

describe('sync to GitHub: --prune and untrusted state', () => {
  let gh: GitHubServer;
  let repo: TestRepo;
  beforeAll(async () => {
    gh = await startGitHubServer();
    gh.addRepo('acme/x');
    gh.addRepo('acme/y');
    // Created by someone else before keyfold's first sync.
    gh.putSecret('acme/x', 'FOREIGN_TOKEN', 'not keyfold’s');
    repo = await makeRepo();
    await providers(repo, 1, 4);
    writeConfig(
      repo,
      { x: `{ type: github, repo: acme/x, api_url: "${gh.url}" }`, y: `{ type: github, repo: acme/y, api_url: "${gh.url}" }` },
      { sx: '{ imports: ["providers/**"], targets: { prod: [x] } }', sy: '{ imports: ["providers/**"], targets: { prod: [y] } }' },
    );
    commit(repo, 'init');
    const r = await sync(repo, gh, ['--prune']);
    expect(r.code, r.stderr).toBe(0);
  });
  afterAll(async () => {
    await gh?.close();
    repo?.cleanup();
  });

  it('deletes a removed key where keyfold manages it (only with --prune), never a foreign secret', async () => {
    expect((await run(repo, ['unset', 'prod/providers/p0', 'P0_KEY_2'])).code).toBe(0);
    commit(repo, 'remove P0_KEY_2');
    gh.resetCounts();
    expect((await sync(repo, gh)).code).toBe(0);
    expect(gh.names('acme/x')).toContain('P0_KEY_2');
    const plan = JSON.parse((await sync(repo, gh, ['--prune', '--plan', '--json'])).stdout) as PlanJson;
    expect(plan.targets.map((t) => t.delete)).toEqual([['P0_KEY_2'], ['P0_KEY_2']]);
    const r = await sync(repo, gh, ['--prune']);
    expect(r.code, r.stderr).toBe(0);
    expect(gh.names('acme/x')).toEqual(['FOREIGN_TOKEN', 'P0_KEY_0', 'P0_KEY_1', 'P0_KEY_3']);
    expect(gh.names('acme/y')).toEqual(['P0_KEY_0', 'P0_KEY_1', 'P0_KEY_3']);
    expect(gh.writes).toBe(2);
    expect(gh.violations).toEqual([]);
  });

  it('a state ref rewritten by hand (bad MAC): the next sync compares everything and prunes nothing there', async () => {
    expect((await run(repo, ['unset', 'prod/providers/p0', 'P0_KEY_3'])).code).toBe(0);
    commit(repo, 'remove P0_KEY_3');
    const blob = repo.git('cat-file', '-p', 'refs/keyfold/state/x');
    const forged = blob.replace(/"mac":"([0-9a-f]{63})([0-9a-f])"/, (_m, a: string, b: string) => `"mac":"${a}${b === '0' ? '1' : '0'}"`);
    expect(forged).not.toBe(blob);
    const path = join(repo.dir, '..', 'forged-state');
    writeFileSync(path, forged);
    repo.git('update-ref', 'refs/keyfold/state/x', repo.git('hash-object', '-w', path).trim());

    gh.resetCounts();
    const { r, out } = await syncJson(repo, gh, ['--prune']);
    expect(r.code, r.stderr).toBe(0);
    const x = out.targets.find((t) => t.target === 'x')!;
    const y = out.targets.find((t) => t.target === 'y')!;
    expect(x).toMatchObject({ mode: 'full', reason: 'sync state does not verify', delete: [], pruneDisabled: true });
    // GitHub returns no values: without a verified fingerprint everything is written again.
    expect(x.upsert.map((u) => u.name).sort()).toEqual(['P0_KEY_0', 'P0_KEY_1']);
    expect(y).toMatchObject({ mode: 'incremental', delete: ['P0_KEY_3'] });
    expect(gh.names('acme/x')).toEqual(['FOREIGN_TOKEN', 'P0_KEY_0', 'P0_KEY_1', 'P0_KEY_3']);
    expect(gh.names('acme/y')).toEqual(['P0_KEY_0', 'P0_KEY_1']);
    expect(gh.violations).toEqual([]);
  });
});

describe('sync to GitHub: environments, organizations, names, credentials', () => {
  let gh: GitHubServer;
  let repo: TestRepo;
  const config = (org: string) =>
    writeConfig(
      repo,
      {
        'web-prod': `{ type: github, repo: acme/web, environment: production, api_url: "${gh.url}" }`,
        'org-shared': `{ type: github, org: acme, ${org}, api_url: "${gh.url}" }`,
      },
      {
        web: '{ imports: ["providers/**"], targets: { prod: [web-prod] } }',
        shared: '{ imports: ["shared/**"], targets: { prod: [org-shared] } }',
      },
    );
  beforeAll(async () => {
    gh = await startGitHubServer();
    gh.addRepo('acme/web', { environments: ['production'] });
    gh.addOrg('acme', ['web', 'api']);
    repo = await makeRepo();
    await providers(repo, 1, 3);
    await set(repo, 'prod/shared/registry', 'REGISTRY_TOKEN', `${CANARY}-registry`);
    await set(repo, 'prod/shared/registry', 'REGISTRY_USER', `${CANARY}-user`);
    config('visibility: selected, selected_repositories: [web]');
    commit(repo, 'init');
  });
  afterAll(async () => {
    await gh?.close();
    repo?.cleanup();
  });

  it('environment secrets, and organization secrets with their visibility and selected repositories', async () => {
    const r = await sync(repo, gh);
    expect(r.code, r.stderr).toBe(0);
    expect(gh.names('acme/web:production')).toEqual(['P0_KEY_0', 'P0_KEY_1', 'P0_KEY_2']);
    expect(gh.names('acme/web')).toEqual([]);
    expect(gh.value('acme/web:production', 'P0_KEY_1')).toMatch(new RegExp(`^${CANARY}-p0-k1-`));
    expect(gh.secret('org:acme', 'REGISTRY_TOKEN')).toMatchObject({ value: `${CANARY}-registry`, visibility: 'selected', selected_repository_ids: [gh.repoId('acme/web')] });

    // A full compare with the same access (the selected repositories listed per secret) writes nothing.
    gh.resetCounts();
    expect((await sync(repo, gh, ['--full', '--target', 'org-shared'])).code).toBe(0);
    expect(gh.writes).toBe(0);
    expect(gh.log.filter((l) => l.path.includes('/repositories'))).toHaveLength(2);

    // Access changes in keyfold.yaml: a full compare writes the secrets again with the new access.
    config('visibility: selected, selected_repositories: [web, api]');
    commit(repo, 'org secrets for web and api');
    gh.resetCounts();
    expect((await sync(repo, gh)).code).toBe(0);
    expect(gh.writes).toBe(2);
    expect(gh.secret('org:acme', 'REGISTRY_TOKEN')?.selected_repository_ids?.sort()).toEqual([gh.repoId('acme/web'), gh.repoId('acme/api')].sort());
    config('visibility: all');
    commit(repo, 'org secrets for all repositories');
    gh.resetCounts();
    const { r: s, out } = await syncJson(repo, gh);
    expect(s.code, s.stderr).toBe(0);
    expect(out.targets.find((t) => t.target === 'org-shared')).toMatchObject({ mode: 'full', reason: "the target's configuration changed" });
    expect(gh.secret('org:acme', 'REGISTRY_USER')).toMatchObject({ visibility: 'all' });
    expect(gh.secret('org:acme', 'REGISTRY_USER')?.selected_repository_ids).toBeUndefined();
    expect(gh.writes).toBe(2);
    // Same access again: nothing to write.
    gh.resetCounts();
    expect((await sync(repo, gh, ['--full'])).code).toBe(0);
    expect(gh.writes).toBe(0);
    expect(gh.violations).toEqual([]);
  });

  it('a name GitHub refuses fails at plan time (exit 1), naming the key and the target', async () => {
    await set(repo, 'prod/shared/registry', 'GITHUB_TOKEN_X', `${CANARY}-gh`);
    commit(repo, 'a name GitHub reserves');
    gh.resetCounts();
    const r = await sync(repo, gh);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/target org-shared \(github\) cannot hold GITHUB_TOKEN_X: GitHub reserves names starting with GITHUB_/);
    expect(gh.requests).toBe(0);
    expect((await run(repo, ['unset', 'prod/shared/registry', 'GITHUB_TOKEN_X'])).code).toBe(0);
    commit(repo, 'drop it');
  });

  it('a missing token: exit 7 with a clear message; GH_TOKEN works too', async () => {
    await set(repo, 'prod/providers/p0', 'P0_KEY_0', `${CANARY}-new`);
    commit(repo, 'change P0_KEY_0');
    gh.resetCounts();
    const r = await repo.run(['sync'], { env: httpEnv(gh, { GITHUB_TOKEN: undefined }) });
    outputs.push(r.stdout, r.stderr);
    expect(r.code).toBe(7);
    expect(r.stdout + r.stderr).toMatch(/github repo acme\/web, environment production at [^:]+:\d+: no GitHub token: GITHUB_TOKEN \(or GH_TOKEN\) is not set/);
    expect(gh.requests).toBe(0);
    const wrong = await sync(repo, gh, [], { GITHUB_TOKEN: 'ghp_wrong' });
    expect(wrong.code).toBe(7);
    expect(wrong.stdout + wrong.stderr).toMatch(/401 bad credentials/);
    const ok = await sync(repo, gh, [], { GITHUB_TOKEN: undefined, GH_TOKEN: gh.token });
    expect(ok.code, ok.stderr).toBe(0);
    expect(gh.value('acme/web:production', 'P0_KEY_0')).toBe(`${CANARY}-new`);
  });

  it('an environment GitHub does not have: exit 7, saying what is missing', async () => {
    writeFileSync(join(repo.dir, 'keyfold.yaml'), readFileSync(join(repo.dir, 'keyfold.yaml'), 'utf8').replace('environment: production', 'environment: staging'));
    commit(repo, 'the staging environment');
    const r = await sync(repo, gh, ['--target', 'web-prod']);
    expect(r.code).toBe(7);
    expect(r.stderr).toMatch(/environment staging .*: list secrets: 404 repository or environment not found, or the token cannot see it/);
  });
});

describe('sync to GitHub: outputs', () => {
  it('no value appears in any output of any command run above', () => {
    expect(outputs.length).toBeGreaterThan(30);
    for (const o of outputs) expect(o).not.toContain(CANARY);
  });
});
