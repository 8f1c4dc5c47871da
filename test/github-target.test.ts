/**
 * The `github` target's parts without the CLI: the HTTP client's retries of responses
 * with bodies and per-request rules, GitHub's rate-limit rules, the keyfold.yaml schema,
 * the name rules, sealing, and the imitation server's own checks (a request that breaks
 * GitHub's schema is refused and recorded, so "no violations" in the end-to-end tests
 * means something).
 */
import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHttp } from '../src/targets/http.js';

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
