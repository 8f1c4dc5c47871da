/**
 * A local imitation of GitHub's REST API for Actions secrets and pull requests, on
 * 127.0.0.1 (random port): exactly the routes keyfold's `github` target and `propose`
 * call, each request checked against GitHub's own schemas
 * (test/fixtures/github-openapi/routes.json) with ajv.
 *
 * - Every request: a known route, path and query parameters valid (unknown query
 *   parameters too are violations), the body valid against the route's request schema,
 *   `Authorization: token|Bearer <token>` (else 401 "Bad credentials"), and
 *   `X-GitHub-Api-Version` (2022-11-28; else 400). A schema violation is answered with
 *   422 in GitHub's error shape and recorded in `violations` (tests assert none).
 * - Responses are built to the route's response schema and checked against it too
 *   (`violations`, prefixed `response`).
 * - A real X25519 key pair per repository, environment and organization; every sealed
 *   box received is opened (`crypto_box_seal_open`), so `value()` gives the plaintext
 *   GitHub would hold. A box that does not open, or a stale key_id, gets 422.
 * - Names are case-insensitive and stored upper-cased, as GitHub does.
 * - Pull requests (`POST`/`GET /repos/{owner}/{repo}/pulls`): numbered per repository,
 *   422 in GitHub's shape for a head branch that does not exist (when `branchExists` is
 *   given), a head that already has an open pull request, or head = base.
 * - Counts requests and writes (per scope and name); fault injection: the next N
 *   matching responses 429 (`Retry-After: 1`), 403 (primary rate limit), 500, or a
 *   connection that never answers; `down()` closes the server, `up()` reopens it on
 *   the same port.
 */
import { randomInt } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { join } from 'node:path';
import { Ajv, type ValidateFunction } from 'ajv';
import sodium from 'libsodium-wrappers';
import { ROOT } from './cli.js';

type Schema = Record<string, unknown>;
interface Parameter {
  in: string;
  name: string;
  required: boolean;
  schema?: Schema;
}
interface Route {
  method: string;
  path: string;
  operationId: string;
  docsUrl: string;
  parameters: Parameter[];
  requestBody: { contentType: string; required: boolean; schema: Schema } | null;
  responses: Record<string, Schema | null>;
}

const FIXTURE = JSON.parse(readFileSync(join(ROOT, 'test', 'fixtures', 'github-openapi', 'routes.json'), 'utf8')) as { routes: Record<string, Route> };
export const API_VERSIONS = ['2022-11-28', '2026-03-10'];

/** The routes the imitation serves: the Actions-secrets routes, the repository (for ids and its default branch), and pull requests. */
const SERVED = Object.keys(FIXTURE.routes).filter((k) => k.includes('/secrets') || k === 'GET /repos/{owner}/{repo}' || k.endsWith(' /repos/{owner}/{repo}/pulls'));

export type FaultKind = '429' | '403-rate-limit' | '500' | 'hang';

interface Fault {
  kind: FaultKind;
  remaining: number;
  /** Only requests whose `METHOD /path` matches (default: every request). */
  match?: RegExp;
}

export interface StoredSecret {
  value: string;
  created_at: string;
  updated_at: string;
  visibility?: 'all' | 'private' | 'selected';
  selected_repository_ids?: number[];
}

interface KeyPair {
  key_id: string;
  publicKey: Uint8Array;
  privateKey: Uint8Array;
}

interface Holder {
  keys: KeyPair;
  secrets: Map<string, StoredSecret>;
}

interface Repo extends Holder {
  id: number;
  owner: string;
  name: string;
  environments: Map<string, Holder>;
  pulls: StoredPull[];
}

/** A pull request the imitation holds. */
export interface StoredPull {
  number: number;
  title: string;
  body: string;
  /** Branch names (same-repository pull requests). */
  head: string;
  base: string;
  state: 'open' | 'closed';
  created_at: string;
}

export interface RequestRecord {
  method: string;
  path: string;
  status: number;
}

export interface GitHubServer {
  readonly url: string;
  readonly token: string;
  /** Requests received (faulted ones included). */
  readonly requests: number;
  readonly log: RequestRecord[];
  /** Schema and protocol violations (requests keyfold should not have sent; responses that break the schema). */
  readonly violations: string[];
  /** Successful PUT and DELETE calls of secrets. */
  readonly writes: number;
  /** Successful writes per `scope NAME` (scope: `acme/api`, `acme/api:production`, `org:acme`). */
  writesOf(scope: string, name: string): number;
  addRepo(fullName: string, options?: { environments?: string[] }): void;
  /** The pull requests opened on a repository, oldest first. */
  pulls(fullName: string): StoredPull[];
  addOrg(org: string, repos?: string[]): void;
  repoId(fullName: string): number | undefined;
  /** A secret created outside keyfold. */
  putSecret(scope: string, name: string, value: string, visibility?: StoredSecret['visibility']): void;
  /** The names a scope holds (upper-cased, as GitHub stores them). */
  names(scope: string): string[];
  /** The plaintext GitHub holds (opened from the sealed box it received). */
  value(scope: string, name: string): string | undefined;
  secret(scope: string, name: string): StoredSecret | undefined;
  /** Compile every served route's schemas now (else on first use: a second or so for the large ones). */
  warmUp(): void;
  /** Answer the next `count` matching requests with a fault. */
  fault(kind: FaultKind, count: number, match?: RegExp): void;
  clearFaults(): void;
  /** Reset the request log and counters (not the secrets). */
  resetCounts(): void;
  down(): Promise<void>;
  up(): Promise<void>;
  close(): Promise<void>;
}

const now = () => new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');

/** The smallest value a schema accepts (required properties only; null where allowed). */
export function minimal(schema: unknown): unknown {
  if (typeof schema !== 'object' || schema === null) return null;
  const s = schema as Schema;
  if (Array.isArray(s['enum'])) return s['enum'][0];
  const alternatives = (s['anyOf'] ?? s['oneOf']) as unknown[] | undefined;
  if (alternatives) return minimal(alternatives.find((a) => (a as Schema)['type'] === 'null') ?? alternatives[0]);
  if (Array.isArray(s['allOf'])) return Object.assign({}, ...(s['allOf'] as unknown[]).map((x) => minimal(x) as object));
  const types = Array.isArray(s['type']) ? (s['type'] as string[]) : s['type'] !== undefined ? [s['type'] as string] : s['properties'] ? ['object'] : [];
  if (types.includes('null')) return null;
  switch (types[0]) {
    case 'object': {
      const props = (s['properties'] ?? {}) as Record<string, unknown>;
      return Object.fromEntries(((s['required'] ?? []) as string[]).map((k) => [k, minimal(props[k])]));
    }
    case 'string':
      return '';
    case 'integer':
    case 'number':
      return 0;
    case 'boolean':
      return false;
    case 'array':
      return [];
    default:
      return null;
  }
}

function newKeys(): KeyPair {
  const kp = sodium.crypto_box_keypair();
  return { key_id: String(randomInt(1e11, 1e12)), publicKey: kp.publicKey, privateKey: kp.privateKey };
}

/** `acme/api`, `acme/api:production`, `org:acme`: owners, repositories and organizations are case-insensitive. */
function normScope(scope: string): string {
  if (scope.startsWith('org:')) return scope.toLowerCase();
  const i = scope.indexOf(':');
  return i < 0 ? scope.toLowerCase() : `${scope.slice(0, i).toLowerCase()}${scope.slice(i)}`;
}

export interface GitHubServerOptions {
  token?: string;
  /** Whether a repository has a branch (e.g. asks a bare git remote); without it every head exists. */
  branchExists?: (fullName: string, branch: string) => boolean;
}

export async function startGitHubServer(options: GitHubServerOptions = {}): Promise<GitHubServer> {
  await sodium.ready;
  const token = options.token ?? 'ghp_testtoken0123456789';
  const ajv = new Ajv({ strict: false, validateFormats: false, allErrors: true });
  const compiled = new Map<Schema, ValidateFunction>();
  const check = (schema: Schema, value: unknown): string | undefined => {
    let v = compiled.get(schema);
    if (!v) compiled.set(schema, (v = ajv.compile(schema)));
    return v(value) ? undefined : ajv.errorsText(v.errors, { dataVar: '' });
  };
  const routes = SERVED.map((key) => {
    const r = FIXTURE.routes[key]!;
    const names: string[] = [];
    const re = new RegExp(`^${r.path.replace(/\{(\w+)\}/g, (_m, n: string) => (names.push(n), '([^/]+)'))}$`);
    return { key, route: r, re, names };
  });

  const repos = new Map<string, Repo>();
  const orgs = new Map<string, Holder & { repos: Set<string> }>();
  const log: RequestRecord[] = [];
  const violations: string[] = [];
  const writeCounts = new Map<string, number>();
  const faults: Fault[] = [];
  let requests = 0;
  let writes = 0;
  let nextRepoId = 1000;
  const holder = (scope: string): Holder | undefined => {
    if (scope.startsWith('org:')) return orgs.get(scope.slice(4).toLowerCase());
    const [full, env] = normScope(scope).split(':') as [string, string | undefined];
    const repo = repos.get(full.toLowerCase());
    return env === undefined ? repo : repo?.environments.get(env);
  };

  let server: Server;
  let port = 0;
  const sockets = new Set<Socket>();

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    requests++;
    const url = new URL(req.url ?? '/', `http://127.0.0.1:${port}`);
    const method = req.method ?? 'GET';
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const rawBody = Buffer.concat(chunks).toString('utf8');
    const record = { method, path: url.pathname + url.search, status: 0 };
    log.push(record);

    const send = (status: number, body?: unknown, headers: Record<string, string> = {}, schemaCheck?: Route) => {
      record.status = status;
      if (schemaCheck) {
        const where = `response: ${schemaCheck.method} ${schemaCheck.path} ${status}`;
        const schema = schemaCheck.responses[String(status)];
        if (schema === undefined) violations.push(`${where}: status not documented`);
        else if (schema === null) {
          if (body !== undefined) violations.push(`${where}: a body where none is documented`);
        } else {
          const problem = check(schema, body);
          if (problem) violations.push(`${where}: ${problem}`);
        }
      }
      const text = body === undefined ? '' : JSON.stringify(body);
      res.writeHead(status, {
        ...(body === undefined ? {} : { 'content-type': 'application/json; charset=utf-8' }),
        'x-github-api-version-selected': '2022-11-28',
        'x-ratelimit-limit': '5000',
        'x-ratelimit-remaining': '4999',
        'x-ratelimit-reset': String(Math.floor(Date.now() / 1000) + 3600),
        ...headers,
      });
      res.end(text);
    };
    const error = (status: number, message: string, docs = 'https://docs.github.com/rest', headers: Record<string, string> = {}) =>
      send(status, { message, documentation_url: docs, status: String(status) }, headers);

    // Faults first: what a struggling GitHub (or network) does to any request.
    const fault = faults.find((f) => f.remaining > 0 && (!f.match || f.match.test(`${method} ${url.pathname}`)));
    if (fault) {
      fault.remaining--;
      if (fault.kind === 'hang') {
        record.status = -1;
        return; // never answered; the socket is destroyed by down()/close()
      }
      if (fault.kind === '429') return error(429, 'You have exceeded a secondary rate limit. Please wait a few minutes before you try again.', undefined, { 'retry-after': '1' });
      if (fault.kind === '403-rate-limit') {
        return error(403, 'API rate limit exceeded for user ID 1.', undefined, { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': String(Math.floor(Date.now() / 1000) + 1) });
      }
      return error(500, 'Server Error');
    }

    const found = routes.find((r) => r.route.method === method && r.re.test(url.pathname));
    if (!found) {
      violations.push(`request: ${method} ${url.pathname}: not a route keyfold uses`);
      return error(404, 'Not Found');
    }
    const { route } = found;
    const m = found.re.exec(url.pathname)!;
    const params: Record<string, string> = {};
    found.names.forEach((n, i) => (params[n] = decodeURIComponent(m[i + 1]!)));

    // Headers.
    const auth = req.headers['authorization'] ?? '';
    const given = /^(?:token|bearer) (.+)$/i.exec(auth)?.[1];
    if (given !== token) return error(401, 'Bad credentials', 'https://docs.github.com/rest');
    const version = req.headers['x-github-api-version'];
    if (version === undefined) {
      violations.push(`request: ${method} ${url.pathname}: no X-GitHub-Api-Version header`);
      return error(400, 'X-GitHub-Api-Version header is required');
    }
    if (!API_VERSIONS.includes(String(version))) return error(400, `Unsupported 'X-GitHub-Api-Version' header: ${String(version).slice(0, 40)}`);
    if (!/\S/.test(String(req.headers['user-agent'] ?? ''))) return error(403, 'Request forbidden by administrative rules. Please make sure your request has a User-Agent header');

    // Parameters and body against the route's schemas.
    const problems: string[] = [];
    const query: Record<string, unknown> = {};
    for (const [k, v] of url.searchParams) {
      const p = route.parameters.find((x) => x.in === 'query' && x.name === k);
      if (!p) problems.push(`unknown query parameter ${k}`);
      else query[k] = p.schema?.['type'] === 'integer' && /^-?\d+$/.test(v) ? Number(v) : v;
    }
    for (const p of route.parameters) {
      const value = p.in === 'path' ? params[p.name] : p.in === 'query' ? query[p.name] : undefined;
      if (value === undefined) {
        if (p.required) problems.push(`missing ${p.in} parameter ${p.name}`);
        continue;
      }
      const problem = p.schema && check(p.schema, value);
      if (problem) problems.push(`${p.in} parameter ${p.name}${problem}`);
    }
    let body: Record<string, unknown> | undefined;
    if (rawBody !== '') {
      if (!route.requestBody) problems.push('a body on a route that takes none');
      else if (!String(req.headers['content-type'] ?? '').startsWith('application/json')) problems.push('body is not application/json');
      else {
        try {
          body = JSON.parse(rawBody) as Record<string, unknown>;
        } catch {
          problems.push('body is not JSON');
        }
        if (body !== undefined) {
          const problem = check(route.requestBody.schema, body);
          if (problem) problems.push(`body${problem}`);
        }
      }
    } else if (route.requestBody?.required) problems.push('missing body');
    if (problems.length > 0) {
      violations.push(`request: ${method} ${url.pathname}: ${problems.join('; ')}`);
      return send(422, { message: `Invalid request.\n\n${problems.join('\n')}`, documentation_url: route.docsUrl, status: '422' });
    }
    const perPage = Math.min(100, Math.max(1, (query['per_page'] as number | undefined) ?? 30));
    const page = Math.max(1, (query['page'] as number | undefined) ?? 1);

    const pullJson = (repo: Repo, p: StoredPull, schema: Schema) => {
      const full = minimal(schema) as Record<string, unknown>;
      const html = `http://127.0.0.1:${port}/${repo.owner}/${repo.name}/pull/${p.number}`;
      const api = `http://127.0.0.1:${port}/repos/${repo.owner}/${repo.name}/pulls/${p.number}`;
      const side = (key: 'head' | 'base', ref: string) => Object.assign(full[key] as object, { ref, label: `${repo.owner}:${ref}` });
      side('head', p.head);
      side('base', p.base);
      return Object.assign(full, { number: p.number, id: repo.id * 1000 + p.number, title: p.title, body: p.body, state: p.state, html_url: html, url: api, created_at: p.created_at, updated_at: p.created_at });
    };
    const createPull = (repo: Repo, b: Record<string, unknown>, r: Route) => {
      const head = String(b['head']);
      const baseRef = String(b['base']);
      const invalid = (message: string) => send(422, { message: 'Validation Failed', errors: [{ resource: 'PullRequest', code: 'custom', message }], documentation_url: r.docsUrl, status: '422' }, {}, r);
      if (head.includes(':') && !head.startsWith(`${repo.owner}:`)) return invalid(`head ${head} is not a branch of ${repo.owner}/${repo.name}`);
      const headBranch = head.replace(/^[^:]+:/, '');
      if (headBranch === baseRef) return invalid(`No commits between ${baseRef} and ${headBranch}`);
      const exists = options.branchExists ?? (() => true);
      if (!exists(`${repo.owner}/${repo.name}`, headBranch)) return invalid(`head: the branch ${headBranch} does not exist`);
      if (!exists(`${repo.owner}/${repo.name}`, baseRef)) return invalid(`base: the branch ${baseRef} does not exist`);
      if (repo.pulls.some((p) => p.state === 'open' && p.head === headBranch)) return invalid(`A pull request already exists for ${repo.owner}:${headBranch}.`);
      const pull: StoredPull = { number: repo.pulls.length + 1, title: String(b['title'] ?? ''), body: String(b['body'] ?? ''), head: headBranch, base: baseRef, state: 'open', created_at: now() };
      repo.pulls.push(pull);
      writes++;
      return send(201, pullJson(repo, pull, r.responses['201']!), { location: `http://127.0.0.1:${port}/repos/${repo.owner}/${repo.name}/pulls/${pull.number}` }, r);
    };
    const listPulls = (repo: Repo, q: Record<string, unknown>, r: Route) => {
      const state = (q['state'] as string | undefined) ?? 'open';
      const head = q['head'] as string | undefined;
      const matching = repo.pulls.filter(
        (p) => (state === 'all' || p.state === state) && (head === undefined || `${repo.owner}:${p.head}` === head) && (q['base'] === undefined || p.base === q['base']),
      );
      const itemSchema = (r.responses['200'] as Schema)['items'] as Schema;
      return send(200, matching.slice((page - 1) * perPage, page * perPage).map((p) => pullJson(repo, p, itemSchema)), {}, r);
    };

    // The resource the route is about.
    let scope: string;
    let target: Holder | undefined;
    if (params['org'] !== undefined) {
      scope = `org:${params['org'].toLowerCase()}`;
      target = orgs.get(params['org'].toLowerCase());
    } else {
      const repo = repos.get(`${params['owner']}/${params['repo']}`.toLowerCase());
      scope = `${params['owner']}/${params['repo']}`.toLowerCase();
      target = repo;
      if (repo && params['environment_name'] !== undefined) {
        scope += `:${params['environment_name']}`;
        target = repo.environments.get(params['environment_name']);
      }
      if (route.path === '/repos/{owner}/{repo}/pulls') {
        if (!repo) return error(404, 'Not Found', route.docsUrl);
        return method === 'POST' ? createPull(repo, body!, route) : listPulls(repo, query, route);
      }
      if (route.path === '/repos/{owner}/{repo}') {
        if (!repo) return error(404, 'Not Found', route.docsUrl);
        const full = minimal(route.responses['200']) as Record<string, unknown>;
        const owner = full['owner'] as Record<string, unknown>;
        Object.assign(owner, { login: repo.owner, type: 'Organization' });
        Object.assign(full, { id: repo.id, name: repo.name, full_name: `${repo.owner}/${repo.name}`, private: true, default_branch: 'main' });
        return send(200, full, {}, route);
      }
    }
    if (!target) return error(404, 'Not Found', route.docsUrl);
    const kind = route.path.endsWith('/public-key')
      ? 'key'
      : route.path.endsWith('/repositories')
        ? 'selected'
        : route.path.endsWith('/secrets')
          ? 'list'
          : 'secret';

    if (kind === 'key') return send(200, { key_id: target.keys.key_id, key: sodium.to_base64(target.keys.publicKey, sodium.base64_variants.ORIGINAL) }, {}, route);

    const org = scope.startsWith('org:');
    const entry = (name: string, s: StoredSecret) => ({
      name,
      created_at: s.created_at,
      updated_at: s.updated_at,
      ...(org ? { visibility: s.visibility!, ...(s.visibility === 'selected' ? { selected_repositories_url: `http://127.0.0.1:${port}/orgs/${params['org']}/actions/secrets/${name}/repositories` } : {}) } : {}),
    });
    const paged = <T>(items: T[], key: string) => {
      const last = Math.max(1, Math.ceil(items.length / perPage));
      const link = (p: number) => {
        const u = new URL(url.pathname, `http://127.0.0.1:${port}`);
        u.searchParams.set('per_page', String(perPage));
        u.searchParams.set('page', String(p));
        return u.href;
      };
      const rels = [
        ...(page < last ? [`<${link(page + 1)}>; rel="next"`, `<${link(last)}>; rel="last"`] : []),
        ...(page > 1 ? [`<${link(1)}>; rel="first"`, `<${link(page - 1)}>; rel="prev"`] : []),
      ];
      return send(200, { total_count: items.length, [key]: items.slice((page - 1) * perPage, page * perPage) }, rels.length ? { link: rels.join(', ') } : {}, route);
    };

    if (kind === 'list') {
      const names = [...target.secrets.keys()].sort();
      return paged(
        names.map((n) => entry(n, target.secrets.get(n)!)),
        'secrets',
      );
    }
    const name = params['secret_name']!.toUpperCase();
    const existing = target.secrets.get(name);
    if (kind === 'selected') {
      if (!existing) return error(404, 'Not Found', route.docsUrl);
      if (method === 'PUT') {
        existing.selected_repository_ids = ((body!['selected_repository_ids'] as unknown[]) ?? []).map(Number);
        writes++;
        return send(204, undefined, {}, route);
      }
      if (existing.visibility !== 'selected') return error(409, 'Conflict', route.docsUrl);
      const byId = new Map([...repos.values()].map((r) => [r.id, r]));
      const selected = (existing.selected_repository_ids ?? []).map((id) => byId.get(id)).filter((r): r is Repo => r !== undefined);
      const item = FIXTURE.routes['GET /orgs/{org}/actions/secrets/{secret_name}/repositories']!.responses['200']!;
      const itemSchema = ((item['properties'] as Schema)['repositories'] as Schema)['items'];
      return paged(
        selected.map((r) => {
          const o = minimal(itemSchema) as Record<string, unknown>;
          Object.assign(o['owner'] as object, { login: r.owner });
          return Object.assign(o, { id: r.id, name: r.name, full_name: `${r.owner}/${r.name}`, private: true });
        }),
        'repositories',
      );
    }
    if (method === 'GET') return existing ? send(200, entry(name, existing), {}, route) : error(404, 'Not Found', route.docsUrl);
    if (method === 'DELETE') {
      if (!existing) return error(404, 'Not Found', route.docsUrl);
      target.secrets.delete(name);
      writes++;
      writeCounts.set(`${scope} ${name}`, (writeCounts.get(`${scope} ${name}`) ?? 0) + 1);
      return send(204, undefined, {}, route);
    }
    // PUT: open the sealed box with the scope's private key.
    const sealed = body!['encrypted_value'];
    const keyId = body!['key_id'];
    if (typeof sealed !== 'string' || typeof keyId !== 'string') {
      violations.push(`request: ${method} ${url.pathname}: encrypted_value and key_id are required`);
      return send(422, { message: 'Invalid request.\n\n"encrypted_value" and "key_id" are required.', documentation_url: route.docsUrl, status: '422' });
    }
    if (keyId !== target.keys.key_id) return send(422, { message: 'Bad request: key_id is not the current key.', documentation_url: route.docsUrl, status: '422' });
    let value: string;
    try {
      value = sodium.to_string(sodium.crypto_box_seal_open(sodium.from_base64(sealed, sodium.base64_variants.ORIGINAL), target.keys.publicKey, target.keys.privateKey));
    } catch {
      violations.push(`request: ${method} ${url.pathname}: encrypted_value is not a sealed box for this key`);
      return send(422, { message: 'Bad request: the encrypted value could not be decrypted.', documentation_url: route.docsUrl, status: '422' });
    }
    if (Buffer.byteLength(value) > 48 * 1024) return send(422, { message: 'Secret value is too large.', documentation_url: route.docsUrl, status: '422' });
    let selectedIds: number[] | undefined;
    if (org) {
      const o = orgs.get(params['org']!.toLowerCase())!;
      selectedIds = ((body!['selected_repository_ids'] as unknown[] | undefined) ?? []).map(Number);
      const known = new Set([...repos.values()].filter((r) => o.repos.has(`${r.owner}/${r.name}`.toLowerCase())).map((r) => r.id));
      if (body!['visibility'] === 'selected' && selectedIds.some((id) => !known.has(id))) return send(422, { message: 'Invalid repository id.', documentation_url: route.docsUrl, status: '422' });
      if (body!['visibility'] !== 'selected' && body!['selected_repository_ids'] !== undefined) violations.push(`request: ${method} ${url.pathname}: selected_repository_ids without visibility selected`);
    }
    const at = now();
    target.secrets.set(name, {
      value,
      created_at: existing?.created_at ?? at,
      updated_at: at,
      ...(org ? { visibility: body!['visibility'] as StoredSecret['visibility'], ...(body!['visibility'] === 'selected' ? { selected_repository_ids: selectedIds } : {}) } : {}),
    });
    writes++;
    writeCounts.set(`${scope} ${name}`, (writeCounts.get(`${scope} ${name}`) ?? 0) + 1);
    return existing ? send(204, undefined, {}, route) : send(201, {}, {}, route);
  };

  const listen = (p: number) =>
    new Promise<void>((resolve, reject) => {
      server = createServer((req, res) => {
        handle(req, res).catch((e: unknown) => {
          violations.push(`server: ${(e as Error).stack ?? String(e)}`);
          if (!res.headersSent) res.writeHead(500).end();
        });
      });
      server.on('connection', (s) => {
        sockets.add(s);
        s.on('close', () => sockets.delete(s));
      });
      server.once('error', reject);
      server.listen(p, '127.0.0.1', () => {
        port = (server.address() as { port: number }).port;
        resolve();
      });
    });
  const stop = () =>
    new Promise<void>((resolve) => {
      for (const s of sockets) s.destroy();
      sockets.clear();
      server.close(() => resolve());
    });
  await listen(0);
  function addRepo(fullName: string, o: { environments?: string[] } = {}): void {
    const [owner, name] = fullName.split('/') as [string, string];
    const repo: Repo = { id: nextRepoId++, owner, name, keys: newKeys(), secrets: new Map(), environments: new Map(), pulls: [] };
    for (const env of o.environments ?? []) repo.environments.set(env, { keys: newKeys(), secrets: new Map() });
    repos.set(fullName.toLowerCase(), repo);
  }

  return {
    get url() {
      return `http://127.0.0.1:${port}`;
    },
    token,
    get requests() {
      return requests;
    },
    log,
    violations,
    get writes() {
      return writes;
    },
    writesOf: (scope, name) => writeCounts.get(`${normScope(scope)} ${name.toUpperCase()}`) ?? 0,
    addRepo,
    pulls: (fullName) => [...(repos.get(fullName.toLowerCase())?.pulls ?? [])],
    repoId: (fullName) => repos.get(fullName.toLowerCase())?.id,
    addOrg(org, orgRepos = []) {
      for (const r of orgRepos) if (!repos.has(`${org}/${r}`.toLowerCase())) addRepo(`${org}/${r}`);
      orgs.set(org.toLowerCase(), { keys: newKeys(), secrets: new Map(), repos: new Set(orgRepos.map((r) => `${org}/${r}`.toLowerCase())) });
    },
    putSecret(scope, name, value, visibility) {
      const h = holder(scope);
      if (!h) throw new Error(`no scope ${scope}`);
      const at = now();
      h.secrets.set(name.toUpperCase(), { value, created_at: at, updated_at: at, ...(scope.startsWith('org:') ? { visibility: visibility ?? 'private' } : {}) });
    },
    names: (scope) => [...(holder(scope)?.secrets.keys() ?? [])].sort(),
    value: (scope, name) => holder(scope)?.secrets.get(name.toUpperCase())?.value,
    secret: (scope, name) => holder(scope)?.secrets.get(name.toUpperCase()),
    warmUp() {
      for (const { route } of routes) {
        for (const schema of [route.requestBody?.schema, ...Object.values(route.responses), ...route.parameters.map((p) => p.schema)]) if (schema) check(schema, undefined);
      }
    },
    fault(kind, count, match) {
      faults.push({ kind, remaining: count, match });
    },
    clearFaults() {
      faults.length = 0;
    },
    resetCounts() {
      requests = 0;
      writes = 0;
      log.length = 0;
      writeCounts.clear();
    },
    down: stop,
    up: () => listen(port),
    close: stop,
  };
}
