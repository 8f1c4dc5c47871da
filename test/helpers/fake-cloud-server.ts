/**
 * The common part of the cloud-provider fakes (test/helpers/fake-{vercel,cloudflare,gcp,aws}.ts):
 * an HTTP server on 127.0.0.1 at a random port, a log of every request, and injected
 * faults answered before the provider's routes run — rate limits in each provider's own
 * form (AWS's is an HTTP 400 body, not a 429), and storms of server errors starting after
 * some requests or some writes (so a run fails halfway). test/helpers/fake-server.ts is
 * the generic one the k8s and Vault fakes use.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface FakeRequest {
  method: string;
  url: URL;
  headers: IncomingMessage['headers'];
  body: Buffer;
}

export interface FakeResponse {
  status: number;
  headers?: Record<string, string>;
  /** JSON-serialised unless a string or Buffer. */
  body?: unknown;
}

export interface LoggedRequest {
  method: string;
  path: string;
  status: number;
  /** Set by injected faults. */
  fault?: 'rate-limit' | 'storm';
}

export abstract class FakeCloudServer {
  readonly log: LoggedRequest[] = [];
  #server: Server | undefined;
  #url = '';
  #rateLimits = 0;
  #stormAfter: number | undefined;
  #stormAfterWrites: number | undefined;

  get url(): string {
    return this.#url;
  }

  /** The next `n` requests get the provider's rate-limit answer. */
  rateLimit(n = 1): void {
    this.#rateLimits = n;
  }

  /**
   * Every request fails with a server error, until `calm()` — from now, after the next
   * `after` requests, or after the next `afterWrites` write operations succeed.
   */
  storm(options: { after?: number; afterWrites?: number } = {}): void {
    if (options.afterWrites !== undefined) {
      this.#stormAfterWrites = options.afterWrites;
      this.#stormAfter = undefined;
      if (options.afterWrites <= 0) this.#stormAfter = 0;
    } else this.#stormAfter = options.after ?? 0;
  }

  calm(): void {
    this.#stormAfter = undefined;
    this.#stormAfterWrites = undefined;
  }

  /** Subclasses call this for each write operation they serve. */
  protected noteWrite(): void {
    if (this.#stormAfterWrites === undefined) return;
    if (--this.#stormAfterWrites <= 0) {
      this.#stormAfterWrites = undefined;
      this.#stormAfter = 0;
    }
  }

  /** The requests that reached the provider's routes (faults excluded). */
  served(): LoggedRequest[] {
    return this.log.filter((r) => !r.fault);
  }

  protected abstract route(req: FakeRequest): FakeResponse | Promise<FakeResponse>;
  protected abstract rateLimited(req: FakeRequest): FakeResponse;
  protected abstract serverError(req: FakeRequest): FakeResponse;

  async start(): Promise<this> {
    this.#server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => void this.#handle(req, Buffer.concat(chunks), res));
    });
    await new Promise<void>((resolve) => this.#server!.listen(0, '127.0.0.1', resolve));
    this.#url = `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}`;
    return this;
  }

  async stop(): Promise<void> {
    this.#server?.closeAllConnections();
    await new Promise<void>((resolve) => (this.#server ? this.#server.close(() => resolve()) : resolve()));
  }

  async #handle(req: IncomingMessage, body: Buffer, res: ServerResponse): Promise<void> {
    const request: FakeRequest = { method: req.method ?? 'GET', url: new URL(req.url ?? '/', this.#url), headers: req.headers, body };
    let answer: FakeResponse;
    let fault: LoggedRequest['fault'];
    if (this.#rateLimits > 0) {
      this.#rateLimits--;
      answer = this.rateLimited(request);
      fault = 'rate-limit';
    } else if (this.#stormAfter !== undefined && this.#stormAfter <= 0) {
      answer = this.serverError(request);
      fault = 'storm';
    } else {
      if (this.#stormAfter !== undefined) this.#stormAfter--;
      try {
        answer = await this.route(request);
      } catch (e) {
        answer = { status: 599, body: { fakeServerBug: String(e) } };
      }
    }
    this.log.push({ method: request.method, path: request.url.pathname, status: answer.status, ...(fault ? { fault } : {}) });
    const raw = answer.body === undefined ? '' : typeof answer.body === 'string' || Buffer.isBuffer(answer.body) ? answer.body : JSON.stringify(answer.body);
    res.writeHead(answer.status, { 'content-type': 'application/json', ...answer.headers });
    res.end(raw);
  }
}

/** The request body as JSON, or undefined. */
export function jsonBody(req: FakeRequest): unknown {
  try {
    return JSON.parse(req.body.toString('utf8'));
  } catch {
    return undefined;
  }
}
