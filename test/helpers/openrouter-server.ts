/**
 * A local stand-in for OpenRouter's key-management API on 127.0.0.1, with the request
 * and response shapes of OpenRouter's API reference (the OpenAPI spec the official SDK
 * is generated from): `GET /api/v1/key` (asked with any key, about that key),
 * `GET|POST /api/v1/keys` (management key; list newest first, 100 per page, `offset`,
 * `include_disabled`), `GET|PATCH|DELETE /api/v1/keys/{hash}`. Errors use OpenRouter's
 * envelope `{error: {code, message}}`. Labels are masked keys (`sk-or-v1-abc...xyz`), as
 * `GET /key` shows them. Fault knobs: answer the next N matching requests with 429/500
 * (with Retry-After), and a hook called when a key is created, before the answer is sent.
 */
import { createHash, randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface FakeKey {
  hash: string;
  secret: string;
  name: string;
  label: string;
  disabled: boolean;
  limit: number | null;
  limit_reset: 'daily' | 'weekly' | 'monthly' | null;
  include_byok_in_limit: boolean;
  expires_at: string | null;
  created_at: string;
  updated_at: string | null;
  workspace_id: string;
  management: boolean;
  /** Creation order (the list is newest first). */
  seq: number;
}

export interface Fault {
  status: 429 | 500 | 502 | 503;
  /** Requests to answer with it. */
  times: number;
  method?: string;
  /** A path prefix after /api/v1 (`/keys`, `/key`). */
  path?: string;
  retryAfter?: string;
}

export interface LoggedRequest {
  method: string;
  path: string;
  status: number;
}

export interface FakeOpenRouter {
  /** `http://127.0.0.1:PORT/api/v1` */
  url: string;
  /** A management key, created with the server. */
  managementKey: string;
  keys: Map<string, FakeKey>;
  /** Keys a client could still use: not disabled, not management keys. */
  liveKeys(): FakeKey[];
  /** Create a key as a person would on the website (not through keyfold). */
  addKey(name: string, options?: { disabled?: boolean; limit?: number | null }): FakeKey;
  fault(f: Fault): void;
  /** Called after POST /keys stored a key and before the answer is sent. */
  onCreate?: (key: FakeKey) => void | Promise<void>;
  requests: LoggedRequest[];
  close(): Promise<void>;
}

const WORKSPACE = '0df9e665-d932-5740-b2c7-b52af166bc11';
const PAGE = 100;

const iso = (d = new Date()) => d.toISOString().replace(/\.\d{3}Z$/, 'Z');

function usage() {
  return {
    usage: 0,
    usage_daily: 0,
    usage_weekly: 0,
    usage_monthly: 0,
    byok_usage: 0,
    byok_usage_daily: 0,
    byok_usage_weekly: 0,
    byok_usage_monthly: 0,
  };
}

/** OpenRouter's KeyObject. */
function keyObject(k: FakeKey) {
  return {
    hash: k.hash,
    name: k.name,
    label: k.label,
    disabled: k.disabled,
    limit: k.limit,
    limit_remaining: k.limit,
    limit_reset: k.limit_reset,
    include_byok_in_limit: k.include_byok_in_limit,
    ...usage(),
    created_at: k.created_at,
    updated_at: k.updated_at,
    expires_at: k.expires_at,
    creator_user_id: null,
    workspace_id: k.workspace_id,
  };
}

/** `GET /key`'s data: about the key used, no hash or name. */
function currentKey(k: FakeKey) {
  return {
    label: k.label,
    limit: k.limit,
    limit_remaining: k.limit,
    limit_reset: k.limit_reset,
    ...usage(),
    is_free_tier: false,
    is_management_key: k.management,
    is_provisioning_key: k.management,
    include_byok_in_limit: k.include_byok_in_limit,
    creator_user_id: null,
    expires_at: k.expires_at,
    rate_limit: { requests: -1, interval: '10s', note: 'This field is deprecated and safe to ignore.' },
  };
}

export async function startOpenRouter(): Promise<FakeOpenRouter> {
  const keys = new Map<string, FakeKey>();
  const faults: Fault[] = [];
  const requests: LoggedRequest[] = [];
  let seq = 0;

  const mint = (name: string, management: boolean, o: { disabled?: boolean; limit?: number | null; limit_reset?: FakeKey['limit_reset']; include_byok_in_limit?: boolean; expires_at?: string | null } = {}): FakeKey => {
    const secret = `sk-or-v1-${randomBytes(32).toString('hex')}`;
    const tail = secret.slice('sk-or-v1-'.length);
    const key: FakeKey = {
      hash: createHash('sha256').update(secret).digest('hex'),
      secret,
      name,
      label: `sk-or-v1-${tail.slice(0, 3)}...${tail.slice(-3)}`,
      disabled: o.disabled ?? false,
      limit: o.limit ?? null,
      limit_reset: o.limit_reset ?? null,
      include_byok_in_limit: o.include_byok_in_limit ?? false,
      expires_at: o.expires_at ?? null,
      created_at: iso(),
      updated_at: null,
      workspace_id: WORKSPACE,
      management,
      seq: seq++,
    };
    keys.set(key.hash, key);
    return key;
  };
  const management = mint('management', true);

  const bySecret = (secret: string) => [...keys.values()].find((k) => k.secret === secret);

  const server: Server = createServer((req, res) => {
    handle(req, res).catch(() => {
      if (!res.headersSent) send(res, 500, { error: { code: 500, message: 'Internal Server Error' } });
    });
  });

  const send = (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) => {
    res.writeHead(status, { 'content-type': 'application/json', ...headers });
    res.end(JSON.stringify(body));
  };
  const error = (res: ServerResponse, status: number, message: string) => send(res, status, { error: { code: status, message, metadata: null }, user_id: null });

  async function readBody(req: IncomingMessage): Promise<unknown> {
    let text = '';
    for await (const chunk of req) text += chunk;
    if (text === '') return undefined;
    return JSON.parse(text) as unknown;
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const method = req.method ?? 'GET';
    const path = url.pathname.replace(/^\/api\/v1/, '');
    const log = (status: number) => requests.push({ method, path: path.replace(/^\/keys\/[^/]+$/, '/keys/{hash}'), status });
    const origSend = res.writeHead.bind(res);
    res.writeHead = ((status: number, ...rest: unknown[]) => {
      log(status);
      return (origSend as (...a: unknown[]) => ServerResponse)(status, ...rest);
    }) as typeof res.writeHead;

    if (!url.pathname.startsWith('/api/v1/')) return error(res, 404, 'Not Found');
    const fault = faults.find((f) => f.times > 0 && (!f.method || f.method === method) && (!f.path || path === f.path || path.startsWith(`${f.path}/`)));
    if (fault) {
      fault.times--;
      const message = fault.status === 429 ? 'Rate limit exceeded' : 'Internal Server Error';
      return send(res, fault.status, { error: { code: fault.status, message, metadata: null }, user_id: null }, fault.retryAfter ? { 'retry-after': fault.retryAfter } : {});
    }
    const auth = req.headers.authorization ?? '';
    const bearer = /^Bearer (.+)$/.exec(auth)?.[1];
    if (!bearer) return error(res, 401, 'Missing Authentication header');
    const caller = bySecret(bearer);
    if (!caller || caller.disabled) return error(res, 401, 'User not found.');

    if (path === '/key' && method === 'GET') return send(res, 200, { data: currentKey(caller) });
    if (path === '/keys' || path.startsWith('/keys/')) {
      if (!caller.management) return error(res, 403, 'Only management keys can perform this operation');
      if (path === '/keys' && method === 'GET') {
        const includeDisabled = url.searchParams.get('include_disabled') === 'true';
        const offset = Number(url.searchParams.get('offset') ?? '0');
        if (!Number.isInteger(offset) || offset < 0) return error(res, 400, 'Invalid request parameters');
        const list = [...keys.values()].filter((k) => !k.management && (includeDisabled || !k.disabled)).sort((a, b) => b.seq - a.seq);
        return send(res, 200, { data: list.slice(offset, offset + PAGE).map(keyObject) });
      }
      if (path === '/keys' && method === 'POST') {
        const body = (await readBody(req)) as Record<string, unknown> | undefined;
        if (!body || typeof body['name'] !== 'string' || body['name'] === '') return error(res, 400, 'Invalid request parameters');
        const limit = body['limit'];
        if (limit !== undefined && limit !== null && (typeof limit !== 'number' || limit < 0)) return error(res, 400, 'Invalid request parameters');
        const key = mint(body['name'], false, {
          limit: (limit as number | null | undefined) ?? null,
          limit_reset: (body['limit_reset'] as FakeKey['limit_reset']) ?? null,
          include_byok_in_limit: body['include_byok_in_limit'] === true,
          expires_at: (body['expires_at'] as string | undefined) ?? null,
        });
        await api.onCreate?.(key);
        return send(res, 201, { data: keyObject(key), key: key.secret });
      }
      const hash = decodeURIComponent(path.slice('/keys/'.length));
      const key = keys.get(hash);
      if (!key || key.management) return error(res, 404, 'Resource not found');
      if (method === 'GET') return send(res, 200, { data: keyObject(key) });
      if (method === 'PATCH') {
        const body = ((await readBody(req)) ?? {}) as Record<string, unknown>;
        if (typeof body['name'] === 'string') key.name = body['name'];
        if (typeof body['disabled'] === 'boolean') key.disabled = body['disabled'];
        if (body['limit'] === null || typeof body['limit'] === 'number') key.limit = body['limit'] as number | null;
        key.updated_at = iso();
        return send(res, 200, { data: keyObject(key) });
      }
      if (method === 'DELETE') {
        keys.delete(hash);
        return send(res, 200, { deleted: true });
      }
    }
    return error(res, 404, 'Not Found');
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;

  const api: FakeOpenRouter = {
    url: `http://127.0.0.1:${port}/api/v1`,
    managementKey: management.secret,
    keys,
    liveKeys: () => [...keys.values()].filter((k) => !k.management && !k.disabled),
    addKey: (name, o) => mint(name, false, o),
    fault: (f) => faults.push({ ...f }),
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
  return api;
}
