/**
 * A fake Google Cloud Secret Manager (REST v1, service.proto's HTTP bindings) and OAuth
 * token endpoint. Secrets: create (`?secretId=`, automatic replication, label rules),
 * get, list (pageSize/pageToken, newest first, `{}` when empty), delete (`?etag=`);
 * versions: `:addVersion` (base64 payload, `dataCrc32c` checked, 64 KiB), `latest:access`
 * (FAILED_PRECONDITION when the latest is disabled), `:disable`. google.rpc.Status errors.
 * Names in answers use the project NUMBER, as the real API does. The token endpoint
 * takes the JWT bearer grant and verifies the RS256 assertion with the test key.
 */
import { generateKeyPairSync, randomBytes, verify, type KeyObject } from 'node:crypto';
import { FakeCloudServer, jsonBody, type FakeRequest, type FakeResponse } from './fake-cloud-server.js';

const STATUS: Record<number, string> = { 400: 'INVALID_ARGUMENT', 401: 'UNAUTHENTICATED', 403: 'PERMISSION_DENIED', 404: 'NOT_FOUND', 409: 'ALREADY_EXISTS', 429: 'RESOURCE_EXHAUSTED', 500: 'INTERNAL', 503: 'UNAVAILABLE' };
const rpc = (code: number, message: string, status = STATUS[code]!): FakeResponse => ({ status: code, body: { error: { code, message, status } } });

/** CRC32C, bit by bit (independent of the driver's table-driven one). */
export function crc32cBitwise(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (const b of bytes) {
    c ^= b;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0x82f63b78 : c >>> 1;
  }
  return (c ^ 0xffffffff) >>> 0;
}

interface Version {
  n: number;
  state: 'ENABLED' | 'DISABLED' | 'DESTROYED';
  data: Buffer;
}

export interface FakeSecret {
  id: string;
  labels: Record<string, string>;
  etag: string;
  created: number;
  versions: Version[];
}

export class FakeGcp extends FakeCloudServer {
  readonly projectId = 'keyfold-test-project';
  readonly projectNumber = '735463103342';
  readonly secrets = new Map<string, FakeSecret>();
  readonly writes: Array<{ op: 'create' | 'addVersion' | 'disable' | 'delete'; id: string }> = [];
  /** Tokens the API accepts: those the token endpoint issued, and a fixed one for GOOGLE_OAUTH_ACCESS_TOKEN. */
  readonly staticToken = `ya29.static-${randomBytes(6).toString('hex')}`;
  readonly issued = new Set<string>();
  tokenRequests = 0;
  pageSize = 2;
  readonly serviceAccount: { email: string; privateKeyPem: string; publicKey: KeyObject };
  #clock = 0;

  constructor() {
    super();
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    this.serviceAccount = { email: 'keyfold-sync@keyfold-test-project.iam.gserviceaccount.com', privateKeyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(), publicKey };
  }

  /** A service-account key file as the console downloads it, pointing at this fake's token endpoint. */
  keyFile(): string {
    return JSON.stringify({
      type: 'service_account',
      project_id: this.projectId,
      private_key_id: randomBytes(20).toString('hex'),
      private_key: this.serviceAccount.privateKeyPem,
      client_email: this.serviceAccount.email,
      client_id: '100000000000000000001',
      auth_uri: 'https://accounts.google.com/o/oauth2/auth',
      token_uri: `${this.url}/token`,
    });
  }

  /** A secret someone else made (a test's precondition). */
  seed(id: string, value: string | undefined, labels: Record<string, string> = {}): FakeSecret {
    const s: FakeSecret = { id, labels, etag: this.#etag(), created: ++this.#clock, versions: [] };
    if (value !== undefined) s.versions.push({ n: 1, state: 'ENABLED', data: Buffer.from(value) });
    this.secrets.set(id, s);
    return s;
  }

  /** The latest enabled value of a secret, or undefined. */
  value(id: string): string | undefined {
    const v = this.secrets.get(id)?.versions.at(-1);
    return v?.state === 'ENABLED' ? v.data.toString('utf8') : undefined;
  }

  protected rateLimited(): FakeResponse {
    return rpc(429, 'Quota exceeded for quota metric \'Access requests\' and limit \'Access requests per minute\'');
  }

  protected serverError(): FakeResponse {
    return rpc(503, 'The service is currently unavailable.');
  }

  #etag(): string {
    return `"${randomBytes(7).toString('hex')}"`;
  }

  #secretJson(s: FakeSecret) {
    return {
      name: `projects/${this.projectNumber}/secrets/${s.id}`,
      replication: { automatic: {} },
      createTime: new Date(1_714_564_800_000 + s.created * 1000).toISOString(),
      ...(Object.keys(s.labels).length > 0 ? { labels: s.labels } : {}),
      etag: s.etag,
    };
  }

  #versionJson(s: FakeSecret, v: Version) {
    return { name: `projects/${this.projectNumber}/secrets/${s.id}/versions/${v.n}`, createTime: '2024-05-01T12:00:01.5Z', state: v.state, replicationStatus: { automatic: {} }, etag: this.#etag(), clientSpecifiedPayloadChecksum: true };
  }

  protected route(req: FakeRequest): FakeResponse {
    if (req.url.pathname === '/token') return this.#token(req);
    const auth = req.headers.authorization ?? '';
    const token = auth.startsWith('Bearer ') ? auth.slice(7) : '';
    if (token !== this.staticToken && !this.issued.has(token)) return rpc(401, 'Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other valid authentication credential.');
    const m = /^\/v1\/projects\/([^/]+)\/secrets(?:\/([^/:]+)(?::(addVersion))?(?:\/versions\/([^/:]+):(access|disable))?)?$/.exec(req.url.pathname);
    if (!m) return rpc(404, 'Method not found.');
    const [, project, id, addVersion, version, verb] = m;
    if (project !== this.projectId && project !== this.projectNumber) return rpc(403, `Permission 'secretmanager.secrets.list' denied for resource 'projects/${project}' (or it may not exist).`);
    if (id === undefined) {
      if (req.method === 'GET') return this.#list(req);
      if (req.method === 'POST') return this.#create(req);
      return rpc(404, 'Method not found.');
    }
    const s = this.secrets.get(id);
    const missing = rpc(404, `Secret [projects/${this.projectNumber}/secrets/${id}] not found or has no versions.`);
    if (addVersion) {
      if (req.method !== 'POST') return rpc(404, 'Method not found.');
      if (!s) return missing;
      const b = jsonBody(req) as { payload?: { data?: unknown; dataCrc32c?: unknown } } | undefined;
      if (typeof b?.payload?.data !== 'string') return rpc(400, 'Payload is required.');
      const data = Buffer.from(b.payload.data, 'base64');
      if (data.toString('base64') !== b.payload.data) return rpc(400, 'Invalid value at \'payload.data\' (TYPE_BYTES), Base64 decoding failed.');
      if (data.length > 65536) return rpc(400, 'Secret Payload cannot be larger than 64KiB.');
      if (b.payload.dataCrc32c !== undefined && (typeof b.payload.dataCrc32c !== 'string' || b.payload.dataCrc32c !== String(crc32cBitwise(data)))) {
        return rpc(400, 'Checksum mismatch: the data_crc32c does not match the payload.');
      }
      const v: Version = { n: (s.versions.at(-1)?.n ?? 0) + 1, state: 'ENABLED', data };
      s.versions.push(v);
      this.noteWrite();
      this.writes.push({ op: 'addVersion', id });
      return { status: 200, body: this.#versionJson(s, v) };
    }
    if (verb) {
      if (!s) return missing;
      const v = version === 'latest' ? s.versions.at(-1) : s.versions.find((x) => String(x.n) === version);
      if (!v) return rpc(404, `Secret Version [projects/${this.projectNumber}/secrets/${id}/versions/${version}] not found.`);
      if (verb === 'access' && req.method === 'GET') {
        if (v.state !== 'ENABLED') return rpc(400, `Secret Version [projects/${this.projectNumber}/secrets/${id}/versions/${v.n}] is in ${v.state} state.`, 'FAILED_PRECONDITION');
        return { status: 200, body: { name: `projects/${this.projectNumber}/secrets/${id}/versions/${v.n}`, payload: { data: v.data.toString('base64'), dataCrc32c: String(crc32cBitwise(v.data)) } } };
      }
      if (verb === 'disable' && req.method === 'POST') {
        if (v.state === 'DESTROYED') return rpc(400, 'Version is destroyed.', 'FAILED_PRECONDITION');
        v.state = 'DISABLED';
        this.noteWrite();
        this.writes.push({ op: 'disable', id });
        return { status: 200, body: this.#versionJson(s, v) };
      }
      return rpc(404, 'Method not found.');
    }
    if (req.method === 'GET') return s ? { status: 200, body: this.#secretJson(s) } : rpc(404, `Secret [projects/${this.projectNumber}/secrets/${id}] not found.`);
    if (req.method === 'DELETE') {
      if (!s) return rpc(404, `Secret [projects/${this.projectNumber}/secrets/${id}] not found.`);
      const etag = req.url.searchParams.get('etag');
      if (etag !== null && etag !== s.etag) return rpc(409, 'The etag does not match the current etag of the secret.', 'ABORTED');
      this.secrets.delete(id);
      this.noteWrite();
      this.writes.push({ op: 'delete', id });
      return { status: 200, body: {} };
    }
    return rpc(404, 'Method not found.');
  }

  #list(req: FakeRequest): FakeResponse {
    const size = Math.min(Number(req.url.searchParams.get('pageSize') ?? '0') || 25000, this.pageSize);
    const token = req.url.searchParams.get('pageToken');
    const start = token ? Number(Buffer.from(token, 'base64url').toString('utf8').replace(/^offset:/, '')) : 0;
    if (!Number.isInteger(start) || start < 0) return rpc(400, 'Invalid page token.');
    const all = [...this.secrets.values()].sort((a, b) => b.created - a.created);
    const page = all.slice(start, start + size);
    const next = start + size < all.length ? Buffer.from(`offset:${start + size}`).toString('base64url') : undefined;
    if (page.length === 0) return { status: 200, body: {} };
    return { status: 200, body: { secrets: page.map((s) => this.#secretJson(s)), ...(next ? { nextPageToken: next } : {}), totalSize: all.length } };
  }

  #create(req: FakeRequest): FakeResponse {
    const id = req.url.searchParams.get('secretId') ?? '';
    if (!/^[A-Za-z0-9_-]{1,255}$/.test(id)) return rpc(400, 'Secret id is invalid.');
    const b = jsonBody(req) as { replication?: { automatic?: unknown }; labels?: Record<string, unknown> } | undefined;
    if (typeof b?.replication?.automatic !== 'object') return rpc(400, 'Replication policy is required.');
    const labels = b.labels ?? {};
    for (const [k, v] of Object.entries(labels)) {
      if (!/^[\p{Ll}\p{Lo}][\p{Ll}\p{Lo}\p{N}_-]{0,62}$/u.test(k) || typeof v !== 'string' || !/^[\p{Ll}\p{Lo}\p{N}_-]{0,63}$/u.test(v)) return rpc(400, `Invalid label ${k}.`);
    }
    if (this.secrets.has(id)) return rpc(409, `Secret [projects/${this.projectNumber}/secrets/${id}] already exists.`);
    const s: FakeSecret = { id, labels: labels as Record<string, string>, etag: this.#etag(), created: ++this.#clock, versions: [] };
    this.secrets.set(id, s);
    this.noteWrite();
    this.writes.push({ op: 'create', id });
    return { status: 200, body: this.#secretJson(s) };
  }

  #token(req: FakeRequest): FakeResponse {
    this.tokenRequests++;
    const bad = (error: string, description: string): FakeResponse => ({ status: 400, body: { error, error_description: description } });
    if (req.method !== 'POST' || !String(req.headers['content-type']).startsWith('application/x-www-form-urlencoded')) return bad('invalid_request', 'Expected a form POST.');
    const form = new URLSearchParams(req.body.toString('utf8'));
    if (form.get('grant_type') !== 'urn:ietf:params:oauth:grant-type:jwt-bearer') return bad('unsupported_grant_type', 'Invalid grant_type.');
    const parts = (form.get('assertion') ?? '').split('.');
    if (parts.length !== 3) return bad('invalid_grant', 'Invalid JWT.');
    const [h, c, sig] = parts as [string, string, string];
    const header = JSON.parse(Buffer.from(h, 'base64url').toString('utf8')) as { alg?: string; typ?: string };
    const claims = JSON.parse(Buffer.from(c, 'base64url').toString('utf8')) as { iss?: string; scope?: string; aud?: string; iat?: number; exp?: number };
    if (header.alg !== 'RS256') return bad('invalid_grant', 'Invalid JWT algorithm.');
    if (!verify('sha256', Buffer.from(`${h}.${c}`), this.serviceAccount.publicKey, Buffer.from(sig, 'base64url'))) return bad('invalid_grant', 'Invalid JWT Signature.');
    const now = Math.floor(Date.now() / 1000);
    if (claims.iss !== this.serviceAccount.email || claims.aud !== `${this.url}/token` || !claims.scope?.split(' ').includes('https://www.googleapis.com/auth/cloud-platform')) return bad('invalid_grant', 'Invalid JWT claims.');
    if (typeof claims.iat !== 'number' || typeof claims.exp !== 'number' || claims.exp - claims.iat > 3600 || Math.abs(claims.iat - now) > 300) {
      return bad('invalid_grant', 'Invalid JWT: Token must be a short-lived token (60 minutes) and in a reasonable timeframe. Check your iat and exp values in the JWT claim.');
    }
    const token = `ya29.c.${randomBytes(16).toString('base64url')}`;
    this.issued.add(token);
    return { status: 200, body: { access_token: token, expires_in: 3599, token_type: 'Bearer' } };
  }
}
