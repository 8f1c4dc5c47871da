/**
 * HTTP for sync targets: `fetch` with a timeout per attempt and retries with
 * exponential backoff and jitter on 429, 5xx, timeouts and network errors, honouring
 * `Retry-After` (seconds or an HTTP date) up to a cap. Counts requests (for the plan's
 * and the benchmark's API-call figures). Errors never carry response bodies: a
 * provider's message is passed on only after the caller picks what to show.
 */
import { TargetError } from '../kernel/errors.js';

export interface HttpOptions {
  /** Attempts per request (default 5). */
  attempts?: number;
  /** First backoff, doubled per retry (default 500 ms). */
  baseDelayMs?: number;
  /** Longest wait for one retry, Retry-After included (default 30 s). */
  maxDelayMs?: number;
  /** Per-attempt timeout (default 30 s). */
  timeoutMs?: number;
  /** Whether a response should be retried (default: 429 and 5xx). */
  retryable?: (res: Response) => boolean | Promise<boolean>;
  fetch?: typeof fetch;
  sleep?: (ms: number) => Promise<void>;
}

/** One request: fetch's init, a label for errors, and the provider's retry rules when they differ from the client's. */
export interface HttpRequestInit extends RequestInit {
  what?: string;
  /** Whether this request's response should be retried (default: the client's `retryable`). */
  retryable?: (res: Response) => boolean | Promise<boolean>;
  /** How long a retried response asks to wait (default: its Retry-After); capped like Retry-After. */
  retryAfterMs?: (res: Response) => number | undefined;
}

export interface HttpClient {
  /** One logical request (retried as needed); the final response, whatever its status. */
  request(url: string, init?: HttpRequestInit): Promise<Response>;
  /** Requests sent so far, retries included. */
  readonly requests: number;
}

/** Retry settings from the environment (tests and impatient users): KEYFOLD_HTTP_{ATTEMPTS,BASE_DELAY_MS,MAX_DELAY_MS,TIMEOUT_MS}. */
export function httpOptionsFromEnv(env: NodeJS.ProcessEnv): HttpOptions {
  const n = (name: string) => {
    const v = env[name];
    return v !== undefined && /^\d+$/.test(v) ? Number(v) : undefined;
  };
  return { attempts: n('KEYFOLD_HTTP_ATTEMPTS'), baseDelayMs: n('KEYFOLD_HTTP_BASE_DELAY_MS'), maxDelayMs: n('KEYFOLD_HTTP_MAX_DELAY_MS'), timeoutMs: n('KEYFOLD_HTTP_TIMEOUT_MS') };
}

/** Milliseconds a Retry-After header asks for, or undefined. */
export function retryAfterMs(header: string | null, now = Date.now()): number | undefined {
  if (!header) return undefined;
  if (/^\d+$/.test(header.trim())) return Number(header.trim()) * 1000;
  const at = Date.parse(header);
  return Number.isFinite(at) ? Math.max(0, at - now) : undefined;
}

export function createHttp(options: HttpOptions = {}): HttpClient {
  const attempts = Math.max(1, options.attempts ?? 5);
  const base = options.baseDelayMs ?? 500;
  const cap = options.maxDelayMs ?? 30_000;
  const timeout = options.timeoutMs ?? 30_000;
  const doFetch = options.fetch ?? fetch;
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const retryable = options.retryable ?? ((res: Response) => res.status === 429 || res.status >= 500);
  let requests = 0;
  const backoff = (attempt: number) => Math.min(cap, base * 2 ** attempt) * (0.5 + Math.random() / 2);
  return {
    get requests() {
      return requests;
    },
    async request(url, { what: label, retryable: retryableHere = retryable, retryAfterMs: askedWait, ...init } = {}) {
      const what = label ?? `${init.method ?? 'GET'} ${new URL(url).pathname}`;
      for (let attempt = 0; ; attempt++) {
        const controller = new AbortController();
        const timer = setTimeout(() => controller.abort(), timeout);
        let res: Response | undefined;
        let failure: string | undefined;
        try {
          requests++;
          res = await doFetch(url, { ...init, signal: controller.signal });
        } catch (e) {
          failure = controller.signal.aborted ? `timed out after ${timeout} ms` : `could not connect (${(e as { cause?: { code?: string } }).cause?.code ?? (e as Error).name})`;
        } finally {
          clearTimeout(timer);
        }
        const last = attempt + 1 >= attempts;
        if (res) {
          // The rule reads a clone (it may read the body). A clone is a branch of a tee, and
          // cancelling one branch settles only once the other is consumed or cancelled too:
          // never await that.
          const probe = res.clone();
          const again = await retryableHere(probe);
          void probe.body?.cancel().catch(() => undefined);
          if (!again) return res;
        }
        if (last) {
          if (res) return res;
          throw new TargetError(`${what}: ${failure}`, { hint: 'check the target address and that it is reachable; keyfold retried with backoff' });
        }
        const asked = res && (askedWait ? askedWait(res) : retryAfterMs(res.headers.get('retry-after')));
        const wait = res ? Math.min(cap, asked ?? backoff(attempt)) : backoff(attempt);
        void res?.body?.cancel().catch(() => undefined);
        await sleep(wait);
      }
    },
  };
}
