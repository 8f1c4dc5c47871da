/**
 * A local HTTP server for provider fakes (127.0.0.1, a random port) with a request log
 * and fault injection: the next requests answered with 429 + Retry-After or 500, left
 * hanging, or the server down (connections refused) until `up()`. A fake supplies the
 * handler; faults apply before it (and faulted requests are logged with their status).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export interface FakeRequest {
  method: string;
  /** Path and query. */
  url: string;
  headers: IncomingMessage['headers'];
  body: string;
  /** The status answered (0 while hanging or for a dropped request). */
  status: number;
  /** When it arrived (ms since the epoch). */
  at: number;
}

export type Fault = { status: 429; retryAfter?: number } | { status: 500 | 502 | 503; body?: unknown } | 'hang';

export interface Reply {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

export type Handler = (req: FakeRequest) => Reply | Promise<Reply>;

export interface FakeServer {
  readonly url: string;
  readonly log: FakeRequest[];
  /** Answer the next `times` requests (Infinity: until `heal()`) with `fault` instead of the handler. */
  fail(fault: Fault, times?: number): void;
  /** Clear the faults. */
  heal(): void;
  /** Stop listening (requests fail to connect) / listen again on the same port. */
  down(): Promise<void>;
  up(): Promise<void>;
  close(): Promise<void>;
}

export async function startFakeServer(handler: Handler): Promise<FakeServer> {
  const log: FakeRequest[] = [];
  let faults: Array<{ fault: Fault; left: number }> = [];
  const sockets = new Set<Socket>();
  const hanging = new Set<ServerResponse>();

  const send = (res: ServerResponse, entry: FakeRequest, reply: Reply): void => {
    entry.status = reply.status;
    const text = reply.body === undefined ? '' : typeof reply.body === 'string' ? reply.body : JSON.stringify(reply.body);
    res.writeHead(reply.status, { ...(text ? { 'content-type': 'application/json' } : {}), ...reply.headers });
    res.end(text);
  };

  const onRequest = (req: IncomingMessage, res: ServerResponse): void => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const entry: FakeRequest = { method: req.method ?? 'GET', url: req.url ?? '/', headers: req.headers, body: Buffer.concat(chunks).toString('utf8'), status: 0, at: Date.now() };
      log.push(entry);
      const f = faults[0];
      if (f) {
        if (--f.left <= 0) faults.shift();
        if (f.fault === 'hang') {
          hanging.add(res);
          res.on('close', () => hanging.delete(res));
          return;
        }
        const fault = f.fault;
        if (fault.status === 429) {
          send(res, entry, { status: 429, body: { message: 'too many requests' }, headers: fault.retryAfter !== undefined ? { 'retry-after': String(fault.retryAfter) } : {} });
        } else send(res, entry, { status: fault.status, body: fault.body ?? { message: 'internal error' } });
        return;
      }
      Promise.resolve()
        .then(() => handler(entry))
        .then(
          (reply) => send(res, entry, reply),
          (e: unknown) => send(res, entry, { status: 500, body: { message: `fake failed: ${(e as Error).message}` } }),
        );
    });
  };

  const server: Server = createServer(onRequest);
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  const listen = (port: number) => new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  await listen(0);
  const port = (server.address() as AddressInfo).port;
  const stop = () =>
    new Promise<void>((resolve) => {
      for (const r of hanging) r.destroy();
      for (const s of sockets) s.destroy();
      if (!server.listening) return resolve();
      server.close(() => resolve());
    });

  return {
    url: `http://127.0.0.1:${port}`,
    log,
    fail(fault, times = 1) {
      faults.push({ fault, left: times });
    },
    heal() {
      faults = [];
    },
    down: stop,
    up: () => listen(port),
    close: stop,
  };
}
