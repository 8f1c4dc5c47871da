/**
 * Pull requests on the secrets repository (`propose`): the repository's default branch
 * and opening a pull request, through octokit (./vendor.ts, the bundle of its own) over
 * keyfold's HttpClient with GitHub's rate-limit rules — the same client setup as the
 * github target's. Errors name the repository, the call and GitHub's status with a
 * short reason; never a request body.
 */
import { KeyfoldError, isKeyfoldError } from '../../kernel/errors.js';
import { printableName } from '../../kernel/names.js';
import type { HttpClient } from '../../net/http.js';
import { baseUrl } from '../common/provider-text.js';
import { DEFAULT_API_URL } from './github.js';
import { githubMessage, isRequestError, newOctokit } from './octokit.js';

export const PULLS_TOKEN_HINT =
  'set GITHUB_TOKEN (or GH_TOKEN) to a token that may open pull requests on the repository: a fine-grained token with "Pull requests: read and write" (and "Contents: read"), or a classic token with repo; `gh auth token` prints yours';

export interface PullRequest {
  number: number;
  /** The pull request's page on GitHub. */
  url: string;
}

export interface GitHubRepoClient {
  /** The repository's default branch (what pull requests target). */
  defaultBranch(): Promise<string>;
  createPull(pr: { base: string; head: string; title: string; body: string }): Promise<PullRequest>;
}

export interface RepoClientOptions {
  /** OWNER/NAME */
  repo: string;
  /** The REST API root (default https://api.github.com). */
  apiUrl?: string;
  token: string;
  http: HttpClient;
}

function toError(e: unknown, scope: string, what: string): KeyfoldError {
  if (isRequestError(e) && isKeyfoldError(e.cause)) return new KeyfoldError(`${scope}: ${what}: ${e.cause.message}`, { hint: e.cause.hint });
  if (isKeyfoldError(e)) return new KeyfoldError(`${scope}: ${what}: ${e.message}`, { hint: e.hint });
  if (!isRequestError(e)) {
    const line = (e instanceof Error ? `${e.name}: ${e.message}` : String(e)).split('\n')[0]!;
    return new KeyfoldError(`${scope}: ${what}: ${printableName(line.slice(0, 160))}`);
  }
  const message = githubMessage(e.response?.data);
  const reasons: Record<number, [string, string | undefined]> = {
    401: ['bad credentials', PULLS_TOKEN_HINT],
    403: ['forbidden: the token may not do this', PULLS_TOKEN_HINT],
    404: ['repository not found, or the token cannot see it', 'check github.repo (and api_url) in keyfold.yaml, and the token’s access'],
    422: ['GitHub refused the request', undefined],
  };
  const [reason, hint] = reasons[e.status] ?? (e.status >= 500 ? ['GitHub failed (keyfold retried with backoff)', 'try again later'] : ['unexpected answer', undefined]);
  return new KeyfoldError(`${scope}: ${what}: ${e.status} ${reason}${message ? ` (GitHub: ${message})` : ''}`, { hint });
}

export async function openGitHubRepo(o: RepoClientOptions): Promise<GitHubRepoClient> {
  const [owner, repo] = o.repo.split('/') as [string, string];
  const scope = `github repo ${o.repo}`;
  const octokit = await newOctokit(o.token, o.apiUrl, o.http);
  const call = async <T>(what: string, fn: () => Promise<T>): Promise<T> => {
    try {
      return await fn();
    } catch (e) {
      throw toError(e, scope, what);
    }
  };
  return {
    defaultBranch: () =>
      call('read the repository', async () => {
        const branch = (await octokit.rest.repos.get({ owner, repo })).data.default_branch;
        if (typeof branch !== 'string' || branch === '') throw new KeyfoldError(`${scope}: GitHub's answer names no default branch`);
        return branch;
      }),
    createPull: (pr) =>
      call('open the pull request', async () => {
        const { data } = await octokit.rest.pulls.create({ owner, repo, base: pr.base, head: pr.head, title: pr.title, body: pr.body });
        if (typeof data.number !== 'number' || typeof data.html_url !== 'string') throw new KeyfoldError(`${scope}: GitHub's answer is not a pull request`);
        return { number: data.number, url: data.html_url };
      }),
  };
}

/** The web page to open a pull request by hand (github.com, or a GitHub Enterprise Server host). */
export function compareUrl(repo: string, apiUrl: string | undefined, base: string, head: string): string {
  let web = 'https://github.com';
  if (apiUrl !== undefined && baseUrl(apiUrl) !== DEFAULT_API_URL) {
    const u = new URL(apiUrl);
    web = `${u.protocol}//${u.host}${u.pathname.replace(/\/+$/, '').replace(/\/api\/v3$/, '')}`;
  }
  return `${web}/${repo}/compare/${encodeURIComponent(base)}...${head.split('/').map(encodeURIComponent).join('/')}?expand=1`;
}
