/**
 * A fake Vercel REST API for project environment variables, as documented
 * (vercel.com/docs/rest-api, the Vercel SDK's OpenAPI models): `POST /v10/projects/{p}/env`
 * (`upsert=true`; 201 `{created, failed}`; 400 `ENV_CONFLICT` without upsert),
 * `GET /v10/projects/{p}/env` (`{envs, pagination}`; values are ciphertext, sensitive
 * ones never readable), `GET /v1/projects/{p}/env/{id}` (the decrypted value, none for
 * sensitive), `PATCH`/`DELETE /v9/projects/{p}/env/{id}`; `{error: {code, message}}`
 * errors; Bearer tokens; team scope by `teamId` or `slug`; rate limits as 429
 * `rate_limited` with Retry-After.
 */
import { randomBytes } from 'node:crypto';
import { FakeCloudServer, jsonBody, type FakeRequest, type FakeResponse } from './fake-cloud-server.js';

export interface FakeEnvVar {
  id: string;
  key: string;
  value: string;
  type: 'encrypted' | 'sensitive' | 'plain' | 'system';
  target: string[];
  gitBranch?: string;
  comment?: string;
  createdAt: number;
  updatedAt: number;
}

const TYPES = new Set(['encrypted', 'sensitive', 'plain', 'system']);
const TARGETS = new Set(['production', 'preview', 'development']);
const error = (status: number, code: string, message: string): FakeResponse => ({ status, body: { error: { code, message } } });

export class FakeVercel extends FakeCloudServer {
  readonly token = `vercel-test-token-${randomBytes(4).toString('hex')}`;
  readonly team = { id: 'team_fake0123456789', slug: 'acme' };
  readonly project = { id: 'prj_fake0123456789', name: 'web' };
  readonly envs: FakeEnvVar[] = [];
  /** Variables per list page (the real list is not paginated today; the driver follows `pagination.next`). */
  pageSize = 3;
  /** Write operations, in order. */
  readonly writes: Array<{ op: 'create' | 'update' | 'delete'; key: string; target: string[] }> = [];
  #clock = 1_733_464_905_066;

  /** A variable the way someone else made it (a test's precondition). */
  seed(v: Omit<FakeEnvVar, 'id' | 'createdAt' | 'updatedAt'>): FakeEnvVar {
    const now = ++this.#clock;
    const env = { ...v, id: randomBytes(8).toString('hex'), createdAt: now, updatedAt: now };
    this.envs.push(env);
    return env;
  }

  protected rateLimited(): FakeResponse {
    return {
      status: 429,
      headers: { 'retry-after': '1', 'x-ratelimit-limit': '100', 'x-ratelimit-remaining': '0' },
      body: { error: { code: 'rate_limited', message: 'Rate limit exceeded', limit: { remaining: 0, reset: 1571432075, resetMs: 1571432075563, total: 100 } } },
    };
  }

  protected serverError(): FakeResponse {
    return error(500, 'internal_server_error', 'An unexpected internal error occurred');
  }

  /** The variable as the list shows it: ciphertext for values, nothing readable for sensitive ones. */
  #listed(e: FakeEnvVar) {
    const { value, ...rest } = e;
    return { ...rest, value: Buffer.from(`enc:${e.id}:${value.length}`).toString('base64'), decrypted: false, configurationId: null, createdBy: 'user_fake', updatedBy: 'user_fake', customEnvironmentIds: [] };
  }

  protected route(req: FakeRequest): FakeResponse {
    if (req.headers.authorization !== `Bearer ${this.token}`) return error(403, 'forbidden', 'Not authorized');
    const teamId = req.url.searchParams.get('teamId');
    const slug = req.url.searchParams.get('slug');
    if (teamId !== null ? teamId !== this.team.id : slug !== null ? slug !== this.team.slug : true) return error(403, 'forbidden', 'You do not have access to this team');
    const m = /^\/v(\d+)\/projects\/([^/]+)\/env(?:\/([^/]+))?$/.exec(req.url.pathname);
    if (!m) return error(404, 'not_found', 'The requested path was not found');
    const [, version, idOrName, id] = m;
    if (![this.project.id, this.project.name].includes(decodeURIComponent(idOrName!))) return error(404, 'not_found', 'Project not found');
    const route = `${req.method} v${version}${id ? ' id' : ''}`;
    switch (route) {
      case 'GET v10':
        return this.#list(req);
      case 'POST v10':
        return this.#create(req);
      case 'GET v1 id': {
        const e = this.envs.find((x) => x.id === id);
        if (!e) return error(404, 'not_found', `Could not find the environment variable: ${id}`);
        const { value, ...rest } = e;
        return { status: 200, body: e.type === 'sensitive' ? { ...rest, decrypted: false } : { ...rest, value, decrypted: true } };
      }
      case 'PATCH v9 id':
        return this.#edit(req, id!);
      case 'DELETE v9 id': {
        const i = this.envs.findIndex((x) => x.id === id);
        if (i < 0) return error(404, 'not_found', `Could not find the environment variable: ${id}`);
        const [gone] = this.envs.splice(i, 1);
        this.noteWrite();
        this.writes.push({ op: 'delete', key: gone!.key, target: gone!.target });
        return { status: 200, body: this.#listed(gone!) };
      }
      default:
        return error(405, 'method_unknown', 'Method not allowed');
    }
  }

  #list(req: FakeRequest): FakeResponse {
    const until = req.url.searchParams.get('until');
    const sorted = [...this.envs].sort((a, b) => b.createdAt - a.createdAt).filter((e) => until === null || e.createdAt < Number(until));
    const page = sorted.slice(0, this.pageSize);
    const more = sorted.length > page.length;
    return { status: 200, body: { envs: page.map((e) => this.#listed(e)), pagination: { count: page.length, next: more ? page.at(-1)!.createdAt : null, prev: null } } };
  }

  #check(b: Record<string, unknown>, partial: boolean): FakeResponse | undefined {
    if (!partial && (typeof b['key'] !== 'string' || typeof b['value'] !== 'string' || typeof b['type'] !== 'string' || !Array.isArray(b['target']))) {
      return error(400, 'bad_request', 'key, value, type and target are required');
    }
    if (b['type'] !== undefined && !TYPES.has(b['type'] as string)) return error(400, 'bad_request', 'Invalid type');
    const target = b['target'] as unknown[] | undefined;
    if (target !== undefined && (!Array.isArray(target) || target.length === 0 || !target.every((t) => TARGETS.has(t as string)))) return error(400, 'bad_request', 'Invalid target');
    if (b['type'] === 'sensitive' && target?.includes('development')) return error(400, 'bad_request', 'Sensitive Environment Variables are not supported on the Development Environment.');
    if (b['gitBranch'] !== undefined && b['gitBranch'] !== null && !(target?.length === 1 && target[0] === 'preview')) return error(400, 'bad_request', 'gitBranch must have target=preview');
    return undefined;
  }

  #create(req: FakeRequest): FakeResponse {
    const raw = jsonBody(req);
    if (Array.isArray(raw)) return error(400, 'bad_request', 'the fake takes one variable per request');
    if (typeof raw !== 'object' || raw === null) return error(400, 'bad_request', 'Invalid JSON');
    const b = raw as Record<string, unknown>;
    const bad = this.#check(b, false);
    if (bad) return bad;
    const target = b['target'] as string[];
    const gitBranch = typeof b['gitBranch'] === 'string' ? b['gitBranch'] : undefined;
    const clash = this.envs.find((e) => e.key === b['key'] && e.gitBranch === gitBranch && e.target.some((t) => target.includes(t)));
    if (clash) {
      if (req.url.searchParams.get('upsert') !== 'true') {
        return { status: 400, body: { error: { code: 'ENV_CONFLICT', message: `A variable with the name "${clash.key}" already exists`, key: clash.key, envVarKey: clash.key, envVarId: clash.id, target: clash.target, gitBranch: clash.gitBranch ?? null } } };
      }
      Object.assign(clash, { value: b['value'], type: b['type'], target, updatedAt: ++this.#clock });
      this.noteWrite();
      this.writes.push({ op: 'update', key: clash.key, target });
      return { status: 201, body: { created: this.#listed(clash), failed: [] } };
    }
    const env = this.seed({ key: b['key'] as string, value: b['value'] as string, type: b['type'] as FakeEnvVar['type'], target, ...(gitBranch ? { gitBranch } : {}), ...(typeof b['comment'] === 'string' ? { comment: b['comment'] } : {}) });
    this.noteWrite();
    this.writes.push({ op: 'create', key: env.key, target });
    return { status: 201, body: { created: this.#listed(env), failed: [] } };
  }

  #edit(req: FakeRequest, id: string): FakeResponse {
    const e = this.envs.find((x) => x.id === id);
    if (!e) return error(404, 'not_found', `Could not find the environment variable: ${id}`);
    const b = jsonBody(req) as Record<string, unknown> | undefined;
    if (typeof b !== 'object' || b === null) return error(400, 'bad_request', 'Invalid JSON');
    const bad = this.#check({ type: e.type, target: e.target, ...b }, true);
    if (bad) return bad;
    if (e.type === 'sensitive' && b['type'] !== undefined && b['type'] !== 'sensitive') return error(400, 'bad_request', 'A sensitive environment variable cannot be made readable');
    if (typeof b['value'] === 'string') e.value = b['value'];
    if (typeof b['type'] === 'string') e.type = b['type'] as FakeEnvVar['type'];
    if (Array.isArray(b['target'])) e.target = b['target'] as string[];
    e.updatedAt = ++this.#clock;
    this.noteWrite();
    this.writes.push({ op: 'update', key: e.key, target: e.target });
    return { status: 200, body: this.#listed(e) };
  }
}
