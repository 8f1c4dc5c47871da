/**
 * The `github` target's parts without the CLI: the HTTP client's retries of responses
 * with bodies and per-request rules, GitHub's rate-limit rules, the keyfold.yaml schema,
 * the name rules, sealing, and the imitation server's own checks (a request that breaks
 * GitHub's schema is refused and recorded, so "no violations" in the end-to-end tests
 * means something).
 */
import { createServer, type Server } from 'node:http';
import sodium from 'libsodium-wrappers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seal, toTargetError } from '../src/targets/github/client.js';
import { githubRetryable, githubRetryAfterMs } from '../src/targets/github/octokit.js';
import { describeGitHub, githubNameProblem, githubTarget } from '../src/targets/github/github.js';
import { createHttp } from '../src/net/http.js';
import { startGitHubServer, type GitHubServer } from './helpers/github-server.js';

let server: Server;
let base = '';
let hits = 0;
/** Answers /busy/N with N 429s (Retry-After: 1, JSON body), then 200. */
beforeAll(async () => {
  server = createServer((req, res) => {
    hits++;
    const m = /^\/busy\/(\d+)\/(\d+)$/.exec(req.url ?? '');
    if (m && Number(m[2]) < Number(m[1])) {
      res.writeHead(429, { 'content-type': 'application/json', 'retry-after': '1' }).end('{"message":"slow down"}');
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

describe('HttpClient', () => {
  it('retries a 429 that has a body (cancelling a cloned body never waits for its twin)', async () => {
    const waits: number[] = [];
    let n = 0;
    const http = createHttp({ maxDelayMs: 7, sleep: async (ms) => void waits.push(ms), fetch: (url, init) => fetch(String(url).replace(/\/busy$/, `/busy/2/${n++}`), init) });
    const res = await http.request(`${base}/busy`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ ok: true });
    expect(http.requests).toBe(3);
    expect(waits).toEqual([7, 7]); // Retry-After: 1 s, capped
  });

  it('takes per-request retry rules and waits', async () => {
    const waits: number[] = [];
    let n = 0;
    const http = createHttp({ sleep: async (ms) => void waits.push(ms), fetch: (url, init) => fetch(String(url).replace(/\/busy$/, `/busy/1/${n++}`), init) });
    const never = await http.request(`${base}/busy`, { retryable: () => false });
    expect(never.status).toBe(429);
    await never.body?.cancel();
    n = 0;
    const res = await http.request(`${base}/busy`, { retryable: (r) => r.status === 429, retryAfterMs: () => 3 });
    expect(res.status).toBe(200);
    expect(waits).toEqual([3]);
  });
});

describe('GitHub rate-limit rules', () => {
  const res = (status: number, headers: Record<string, string> = {}, body = '') => new Response(body, { status, headers });
  it('retries 429, 5xx and 403s that are rate limits; not other 4xx', async () => {
    expect(await githubRetryable(res(429))).toBe(true);
    expect(await githubRetryable(res(502))).toBe(true);
    expect(await githubRetryable(res(403, { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': '1' }))).toBe(true);
    expect(await githubRetryable(res(403, { 'retry-after': '3' }))).toBe(true);
    expect(await githubRetryable(res(403, {}, '{"message":"You have exceeded a secondary rate limit"}'))).toBe(true);
    expect(await githubRetryable(res(403, {}, '{"message":"Resource not accessible by integration"}'))).toBe(false);
    for (const s of [400, 401, 404, 409, 422]) expect(await githubRetryable(res(s))).toBe(false);
  });

  it('waits as GitHub asks: Retry-After, else until x-ratelimit-reset, else a minute for a secondary limit', () => {
    const now = 1_700_000_000_000;
    expect(githubRetryAfterMs(res(429, { 'retry-after': '2' }), now)).toBe(2000);
    expect(githubRetryAfterMs(res(403, { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': String(now / 1000 + 10) }), now)).toBe(11_000);
    expect(githubRetryAfterMs(res(403), now)).toBe(60_000);
    expect(githubRetryAfterMs(res(500), now)).toBeUndefined();
  });
});

describe('github target config and names', () => {
  const issues = (c: unknown) => githubTarget.schema.safeParse(c).error?.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
  it('takes a repository (optionally an environment) or an organization, never both', () => {
    expect(issues({ type: 'github', repo: 'acme/api' })).toBeUndefined();
    expect(issues({ type: 'github', repo: 'acme/api', environment: 'production', api_url: 'https://ghe.example/api/v3' })).toBeUndefined();
    expect(issues({ type: 'github', org: 'acme', visibility: 'selected', selected_repositories: ['api'] })).toBeUndefined();
    expect(issues({ type: 'github' })).toEqual(['repo: give exactly one of repo (OWNER/NAME) and org']);
    expect(issues({ type: 'github', repo: 'acme/api', org: 'acme' })).toEqual(['org: give exactly one of repo (OWNER/NAME) and org']);
    expect(issues({ type: 'github', org: 'acme', environment: 'prod' })).toEqual(['environment: environment secrets need repo: OWNER/NAME']);
    expect(issues({ type: 'github', repo: 'acme/api', visibility: 'all' })).toEqual(['visibility: visibility applies to organization secrets (org:) only']);
    expect(issues({ type: 'github', org: 'acme', visibility: 'selected' })).toEqual(['selected_repositories: visibility selected needs selected_repositories']);
    expect(issues({ type: 'github', org: 'acme', selected_repositories: ['api'] })).toEqual(['selected_repositories: selected_repositories needs visibility: selected']);
    expect(issues({ type: 'github', repo: 'acme' })).toEqual(['repo: expected OWNER/NAME (a GitHub repository)']);
    expect(issues({ type: 'github', repo: 'acme/..' })).toEqual(['repo: expected OWNER/NAME (a GitHub repository)']);
    expect(issues({ type: 'github', repo: 'acme/api', api_url: 'file:///etc' })).toEqual(['api_url: expected an http(s) URL']);
    expect(issues({ type: 'github', repo: 'acme/api', token: 'x' })?.[0]).toMatch(/token/);
  });

  it('refuses names GitHub refuses or would change', () => {
    expect(githubNameProblem('DATABASE_URL')).toBeUndefined();
    expect(githubNameProblem('_X')).toBeUndefined();
    expect(githubNameProblem('GITHUB_TOKEN_X')).toMatch(/reserves names starting with GITHUB_/);
    expect(githubNameProblem('github_x')).toMatch(/GITHUB_/);
    expect(githubNameProblem('1PASSWORD')).toMatch(/cannot start with a digit/);
    expect(githubNameProblem('A-B')).toMatch(/letters, digits and underscores/);
    expect(githubNameProblem('db_url')).toMatch(/upper-cased \(it would hold DB_URL\)/);
  });

  it('describes a target without secrets', () => {
    expect(describeGitHub({ type: 'github', repo: 'acme/api', environment: 'production' })).toBe('github repo acme/api, environment production');
    expect(describeGitHub({ type: 'github', org: 'acme' })).toBe('github org acme (private)');
    expect(describeGitHub({ type: 'github', repo: 'acme/api', api_url: 'https://ghe.example/api/v3' })).toBe('github repo acme/api at ghe.example');
  });
});

describe('sealing and errors', () => {
  it('seals with crypto_box_seal against the base64 (original variant) public key', async () => {
    await sodium.ready;
    const kp = sodium.crypto_box_keypair();
    const sealed = await seal('wert ünd 🔑', sodium.to_base64(kp.publicKey, sodium.base64_variants.ORIGINAL));
    expect(sealed).toMatch(/^[A-Za-z0-9+/]+={0,2}$/);
    expect(sodium.to_string(sodium.crypto_box_seal_open(sodium.from_base64(sealed, sodium.base64_variants.ORIGINAL), kp.publicKey, kp.privateKey))).toBe('wert ünd 🔑');
  });

  it("maps octokit's errors to a status and a short reason, never the request body", () => {
    const e = Object.assign(new Error('Validation Failed: {"value":"sealed-box-bytes"}'), {
      status: 422,
      request: { body: '{"encrypted_value":"sealed-box-bytes","key_id":"1"}' },
      response: { headers: {}, data: { message: 'Invalid request.\n\nsecret too long', documentation_url: 'x' } },
    });
    const t = toTargetError(e, 'github repo acme/api', 'write API_KEY', 'repository not found');
    expect(t.message).toBe('github repo acme/api: write API_KEY: 422 GitHub refused the request (GitHub: Invalid request.)');
    expect(JSON.stringify({ m: t.message, h: (t as { hint?: string }).hint })).not.toContain('sealed-box-bytes');
    const limited = toTargetError(Object.assign(new Error('x'), { status: 403, response: { headers: { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': '1700000000' }, data: {} } }), 's', 'list secrets', 'nf');
    expect(limited.message).toBe('s: list secrets: 403 rate limited until 2023-11-14T22:13:20.000Z');
    const odd = toTargetError(new TypeError("Cannot read properties of undefined (reading 'id')"), 's', 'repository acme/web', 'nf');
    expect(odd.message).toBe("s: repository acme/web: TypeError: Cannot read properties of undefined (reading 'id')");
    expect(odd.exitCode).toBe(7);
    expect(toTargetError(Object.assign(new Error('x'), { status: 404, response: { headers: {}, data: { message: 'Not Found' } } }), 's', 'public key', 'repository or environment not found, or the token cannot see it').message).toBe(
      's: public key: 404 repository or environment not found, or the token cannot see it (GitHub: Not Found)',
    );
  });
});

describe('the GitHub imitation refuses what GitHub would (so "no violations" means something)', () => {
  let gh: GitHubServer;
  beforeAll(async () => {
    gh = await startGitHubServer();
    gh.addRepo('acme/api');
  });
  afterAll(() => gh.close());
  const call = (method: string, path: string, init: { body?: unknown; headers?: Record<string, string> } = {}) =>
    fetch(`${gh.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${gh.token}`, 'x-github-api-version': '2022-11-28', 'user-agent': 'test', 'content-type': 'application/json', ...init.headers },
      body: init.body === undefined ? undefined : JSON.stringify(init.body),
    });

  it('checks token, API version, query and body against the schemas; opens sealed boxes', async () => {
    expect((await call('GET', '/repos/acme/api/actions/secrets', { headers: { authorization: 'token nope' } })).status).toBe(401);
    expect((await call('GET', '/repos/acme/api/actions/secrets', { headers: { 'x-github-api-version': '1999-01-01' } })).status).toBe(400);
    expect(gh.violations).toEqual([]);
    const bad = await call('GET', '/repos/acme/api/actions/secrets?per_page=lots&sort=name');
    expect(bad.status).toBe(422);
    expect(((await bad.json()) as { message: string }).message).toMatch(/unknown query parameter sort/);
    expect((await call('PUT', '/repos/acme/api/actions/secrets/X', { body: { encrypted_value: 'not base64!' } })).status).toBe(422);
    expect((await call('GET', '/repos/acme/api/actions/variables')).status).toBe(404);
    expect(gh.violations).toHaveLength(3);
    gh.violations.length = 0;

    const key = (await (await call('GET', '/repos/acme/api/actions/secrets/public-key')).json()) as { key_id: string; key: string };
    const put = (v: string) => seal(v, key.key).then((encrypted_value) => call('PUT', '/repos/acme/api/actions/secrets/api_key', { body: { encrypted_value, key_id: key.key_id } }));
    expect((await put('one')).status).toBe(201);
    expect((await put('two')).status).toBe(204);
    expect(gh.value('acme/api', 'API_KEY')).toBe('two');
    expect((await call('PUT', '/repos/acme/api/actions/secrets/B', { body: { encrypted_value: 'AAAA', key_id: key.key_id } })).status).toBe(422);
    expect(gh.violations).toHaveLength(1); // a box that does not open
    gh.violations.length = 0;
    for (let i = 0; i < 105; i++) gh.putSecret('acme/api', `S${i}`, 'v');
    const page = await call('GET', '/repos/acme/api/actions/secrets?per_page=100&page=1');
    expect(page.headers.get('link')).toMatch(/[?&]page=2>; rel="next"/);
    expect(((await page.json()) as { total_count: number; secrets: unknown[] }).secrets).toHaveLength(100);
    expect((await call('DELETE', '/repos/acme/api/actions/secrets/NOPE')).status).toBe(404);
    expect((await call('DELETE', '/repos/acme/api/actions/secrets/S1')).status).toBe(204);
    expect(gh.violations).toEqual([]);
  });
});
