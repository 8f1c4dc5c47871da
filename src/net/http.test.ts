import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHttp } from './http.js';

let server: Server;
let url = '';
/** Statuses to answer, in order (then 200). */
let script: number[] = [];

beforeAll(async () => {
  server = createServer((_req, res) => {
    const status = script.shift() ?? 200;
    res.writeHead(status, { 'content-type': 'application/json', ...(status === 429 ? { 'retry-after': '3' } : {}) });
    res.end(JSON.stringify({ status }));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

/** Settles or fails the test after a second (a body cancel that never settles hangs a sync). */
const settles = <T>(p: Promise<T>): Promise<T> => Promise.race([p, new Promise<T>((_, reject) => setTimeout(() => reject(new Error('did not settle')), 1000))]);

describe('createHttp', () => {
  it('retries 429 and 5xx, honouring Retry-After; the final response body reads', async () => {
    script = [429, 503];
    const waits: number[] = [];
    const http = createHttp({ baseDelayMs: 1, sleep: async (ms) => void waits.push(ms) });
    const res = await settles(http.request(url));
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: 200 });
    expect(waits[0]).toBe(3000);
    expect(http.requests).toBe(3);
  });

  it("a caller's cancel of a response body settles (the copy `retryable` read is cancelled)", async () => {
    script = [404];
    const http = createHttp({ retryable: async (r) => ((await r.json()) as { status: number }).status >= 500 });
    const res = await settles(http.request(url));
    expect(res.status).toBe(404);
    await settles(res.body!.cancel());
    script = [404];
    const plain = await settles(createHttp().request(url));
    await settles(plain.body!.cancel());
  });

  it('the last attempt returns the failing response', async () => {
    script = [500, 500];
    const http = createHttp({ attempts: 2, sleep: async () => undefined });
    const res = await settles(http.request(url));
    expect(res.status).toBe(500);
    await settles(res.body!.cancel());
  });
});
