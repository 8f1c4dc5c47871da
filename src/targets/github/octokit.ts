/**
 * The Octokit keyfold uses for GitHub's REST API (secrets and pull requests): requests
 * through keyfold's HttpClient — its timeouts, and retries by GitHub's rate-limit rules
 * below — with the API version pinned and Octokit's own logging off.
 */
import type { HttpClient } from '../../net/http.js';
import { apiUrlProblem } from '../../net/api-url.js';
import { ConfigError } from '../../kernel/errors.js';
import { printableName } from '../../kernel/names.js';
import { baseUrl } from '../common/provider-text.js';
import { DEFAULT_API_URL } from './github.js';

const API_VERSION = '2022-11-28';

declare const KEYFOLD_VERSION: string | undefined;
const VERSION = typeof KEYFOLD_VERSION === 'string' ? KEYFOLD_VERSION : 'dev';

// ---------------------------------------------------------------------------
// Rate limits (docs.github.com, "Rate limits for the REST API"): 403 or 429, with
// `retry-after` (secondary limits), or `x-ratelimit-remaining: 0` and
// `x-ratelimit-reset` (primary limit, epoch seconds), or only a message (secondary:
// wait at least a minute). 5xx are retried too; other 4xx are answers.
// ---------------------------------------------------------------------------

export const SECONDARY_RATE_LIMIT = /secondary rate limit/i;

export async function githubRetryable(res: Response): Promise<boolean> {
  if (res.status === 429 || res.status >= 500) return true;
  if (res.status !== 403) return false;
  if (res.headers.get('retry-after') !== null || res.headers.get('x-ratelimit-remaining') === '0') return true;
  return SECONDARY_RATE_LIMIT.test(await res.text().catch(() => ''));
}

/** The wait GitHub asks for (the client caps it); undefined: the client's backoff. */
export function githubRetryAfterMs(res: Response, now = Date.now()): number | undefined {
  const after = res.headers.get('retry-after');
  if (after !== null && /^\d+$/.test(after.trim())) return Number(after.trim()) * 1000;
  const reset = res.headers.get('x-ratelimit-reset');
  if (res.headers.get('x-ratelimit-remaining') === '0' && reset !== null && /^\d+$/.test(reset)) return Math.max(0, Number(reset) * 1000 - now) + 1000;
  if (res.status === 403) return 60_000;
  return undefined;
}

/**
 * An Octokit that sends `token` to `apiUrl` (GitHub.com by default) through keyfold's
 * HTTP client. The address is checked here, where the token is attached, whichever
 * setting it came from (a target's `api_url`, keyfold.yaml's `github.api_url`): https,
 * or http to this machine only.
 */
export async function newOctokit(token: string, apiUrl: string | undefined, http: HttpClient) {
  const problem = apiUrl === undefined ? undefined : apiUrlProblem(apiUrl);
  if (problem) throw new ConfigError(`GitHub API address ${apiUrl!.slice(0, 120)}: ${problem}`, { hint: 'GitHub Enterprise Server: https://HOST/api/v3' });
  const { Octokit } = await import('./vendor.js');
  const silent = () => undefined;
  const octokit = new Octokit({
    auth: token,
    baseUrl: baseUrl(apiUrl ?? DEFAULT_API_URL),
    userAgent: `keyfold/${VERSION}`,
    log: { debug: silent, info: silent, warn: silent, error: silent },
    request: {
      fetch: (url: string, init: RequestInit) => http.request(String(url), { ...init, retryable: githubRetryable, retryAfterMs: (res) => githubRetryAfterMs(res) }),
    },
  });
  octokit.hook.before('request', (options) => {
    options.headers['x-github-api-version'] = API_VERSION;
  });
  return octokit;
}

/** What octokit throws for an HTTP answer (its RequestError): the status, GitHub's answer, and keyfold's own error as `cause` when the client gave up. */
export interface RequestErrorLike {
  status: number;
  response?: { headers?: Record<string, string | undefined>; data?: unknown };
  cause?: unknown;
}

export const isRequestError = (e: unknown): e is RequestErrorLike => e instanceof Error && typeof (e as { status?: unknown }).status === 'number';

/** GitHub's `message` and its first validation error, first lines, short and printable (never the request). */
export function githubMessage(data: unknown): string | undefined {
  if (typeof data !== 'object' || data === null) return undefined;
  const d = data as { message?: unknown; errors?: unknown };
  const parts: string[] = [];
  if (typeof d.message === 'string' && d.message.trim() !== '') parts.push(d.message.trim().split('\n')[0]!);
  const first = Array.isArray(d.errors) ? (d.errors[0] as { message?: unknown } | undefined) : undefined;
  if (first && typeof first.message === 'string') parts.push(first.message.split('\n')[0]!);
  if (parts.length === 0) return undefined;
  const text = parts.join(': ');
  return printableName(text.length > 160 ? `${text.slice(0, 157)}...` : text);
}
