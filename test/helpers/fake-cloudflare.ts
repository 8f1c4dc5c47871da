/**
 * A fake Cloudflare v4 API for Worker script secrets, as documented
 * (developers.cloudflare.com/api …/workers/scripts/secrets): under
 * `/client/v4/accounts/{account}/workers/scripts/{script}/secrets`, `PUT` `{name, text,
 * type: "secret_text"}`, `GET` (names and types only), `GET`/`DELETE …/{name}`; every
 * answer in the `{success, errors, messages, result}` envelope; error codes 10000
 * (authentication), 10007 (script not found), 10056 (binding not found), 7003 (no such
 * account route); rate limits as 429 with Retry-After and code 971.
 */
import { randomBytes } from 'node:crypto';
import { FakeCloudServer, jsonBody, type FakeRequest, type FakeResponse } from './fake-cloud-server.js';

const fail = (status: number, code: number, message: string): FakeResponse => ({ status, body: { success: false, errors: [{ code, message }], messages: [], result: null } });
const ok = (result: unknown): FakeResponse => ({ status: 200, body: { success: true, errors: [], messages: [], result } });

export class FakeCloudflare extends FakeCloudServer {
  readonly token = `cf-test-token-${randomBytes(4).toString('hex')}`;
  readonly account = randomBytes(16).toString('hex');
  /** script → secret name → value. */
  readonly scripts = new Map<string, Map<string, { text: string; type: string }>>();
  readonly writes: Array<{ op: 'put' | 'delete'; script: string; name: string }> = [];

  get api(): string {
    return `${this.url}/client/v4`;
  }

  protected rateLimited(): FakeResponse {
    return { ...fail(429, 971, 'Please wait and consider throttling your request speed'), headers: { 'retry-after': '1' } };
  }

  protected serverError(): FakeResponse {
    return fail(500, 10013, 'An unknown error has occurred');
  }

  protected route(req: FakeRequest): FakeResponse {
    if (req.headers.authorization !== `Bearer ${this.token}`) return fail(403, 10000, 'Authentication error');
    const m = /^\/client\/v4\/accounts\/([^/]+)\/workers\/scripts\/([^/]+)\/secrets(?:\/([^/]+))?$/.exec(req.url.pathname);
    if (!m || m[1] !== this.account) return fail(404, 7003, `Could not route to ${req.url.pathname}, perhaps your object identifier is invalid?`);
    const script = decodeURIComponent(m[2]!);
    const secrets = this.scripts.get(script);
    if (!secrets) return fail(404, 10007, 'workers.api.error.script_not_found');
    const name = m[3] === undefined ? undefined : decodeURIComponent(m[3]);
    if (name === undefined) {
      if (req.method === 'GET') return ok([...secrets].map(([n, s]) => ({ name: n, type: s.type })));
      if (req.method === 'PUT') {
        const b = jsonBody(req) as { name?: unknown; text?: unknown; type?: unknown } | undefined;
        if (typeof b?.name !== 'string' || !/^[A-Za-z_$][A-Za-z0-9_$]*$/.test(b.name) || typeof b.text !== 'string' || b.type !== 'secret_text') {
          return fail(400, 10001, 'workers.api.error.invalid_secret');
        }
        secrets.set(b.name, { text: b.text, type: 'secret_text' });
        this.noteWrite();
        this.writes.push({ op: 'put', script, name: b.name });
        return ok({ name: b.name, type: 'secret_text' });
      }
      return fail(405, 10405, 'Method not allowed');
    }
    if (!secrets.has(name)) return fail(404, 10056, 'workers.api.error.binding_not_found');
    if (req.method === 'GET') return ok({ name, type: secrets.get(name)!.type });
    if (req.method === 'DELETE') {
      secrets.delete(name);
      this.noteWrite();
      this.writes.push({ op: 'delete', script, name });
      return ok(null);
    }
    return fail(405, 10405, 'Method not allowed');
  }
}
