/**
 * The `github` target's client: octokit over keyfold's HttpClient (every retry, backoff
 * and Retry-After wait happens there, with GitHub's rate-limit rules), values sealed
 * with libsodium against the scope's public key (fetched once per target per run).
 * Loaded lazily by github.ts; octokit and libsodium come from ./vendor.ts, a bundle of
 * their own.
 *
 * Errors name the scope, the call and GitHub's status with a short reason — never a
 * request body (it carries the sealed value), never a value.
 */
import { isKeyfoldError, TargetError } from '../../kernel/errors.js';
import { printableName } from '../../kernel/names.js';
import type { TargetChanges, TargetContents, TargetContext, TargetResult } from '../target.js';
import { describeGitHub, type GitHubConfig } from './github.js';
import { githubMessage, isRequestError, newOctokit, SECONDARY_RATE_LIMIT } from './octokit.js';

/** GitHub's limit per secret. */
export const MAX_VALUE_BYTES = 48 * 1024;

const TOKEN_HINT =
  'set GITHUB_TOKEN (or GH_TOKEN) to a token that may write Actions secrets: a fine-grained token with the "Secrets" repository permission (read and write; organization secrets: the organization "Secrets" permission), or a classic token with repo (admin:org for organization secrets)';

// ---------------------------------------------------------------------------
// Errors
// ---------------------------------------------------------------------------

export function toTargetError(e: unknown, scope: string, what: string, notFound: string): TargetError {
  if (e instanceof TargetError) return e;
  if (isRequestError(e) && isKeyfoldError(e.cause)) {
    // keyfold's HttpClient gave up (timeouts, no connection): its message already says what happened.
    return new TargetError(`${scope}: ${e.cause.message}`, { hint: e.cause.hint });
  }
  if (!isRequestError(e)) {
    // Not an HTTP answer (an answer of an unexpected shape): octokit never sees a value, only sealed boxes.
    const line = (e instanceof Error ? `${e.name}: ${e.message}` : String(e)).split('\n')[0]!;
    return new TargetError(`${scope}: ${what}: ${printableName(line.slice(0, 160))}`);
  }
  const status = e.status;
  const said = githubMessage(e.response?.data);
  const headers = e.response?.headers ?? {};
  let reason: string;
  let hint: string | undefined;
  if (status === 401) {
    reason = 'bad credentials';
    hint = TOKEN_HINT;
  } else if ((status === 403 || status === 429) && (headers['x-ratelimit-remaining'] === '0' || headers['retry-after'] !== undefined || SECONDARY_RATE_LIMIT.test(said ?? ''))) {
    const reset = headers['x-ratelimit-reset'];
    reason = `rate limited${reset && /^\d+$/.test(reset) ? ` until ${new Date(Number(reset) * 1000).toISOString()}` : ''}`;
    hint = 'keyfold retried with backoff; run sync again later (the other targets were not affected)';
  } else if (status === 403) {
    reason = 'forbidden: the token may not manage these secrets';
    hint = TOKEN_HINT;
  } else if (status === 404) {
    reason = notFound;
    hint = 'check the target in keyfold.yaml and the token’s access';
  } else if (status === 422) {
    reason = 'GitHub refused the request';
  } else if (status >= 500) {
    reason = 'GitHub failed (keyfold retried with backoff)';
    hint = 'run sync again later';
  } else {
    reason = 'unexpected answer';
  }
  return new TargetError(`${scope}: ${what}: ${status} ${reason}${said ? ` (GitHub: ${said})` : ''}`, { hint });
}

// ---------------------------------------------------------------------------
// The client
// ---------------------------------------------------------------------------

interface PublicKey {
  key_id: string;
  key: string;
}

/** One scope's calls (repository, environment or organization secrets). */
interface Scope {
  publicKey(): Promise<PublicKey>;
  list(): Promise<Array<{ name: string; visibility?: string }>>;
  put(name: string, encrypted_value: string, key_id: string): Promise<unknown>;
  remove(name: string): Promise<unknown>;
  notFound: string;
}

export interface GitHubClient {
  read(): Promise<TargetContents>;
  apply(changes: TargetChanges): Promise<TargetResult>;
}

export async function seal(value: string, publicKeyBase64: string): Promise<string> {
  const { sodium } = await import('./vendor.js');
  await sodium.ready;
  const key = sodium.from_base64(publicKeyBase64, sodium.base64_variants.ORIGINAL);
  return sodium.to_base64(sodium.crypto_box_seal(sodium.from_string(value), key), sodium.base64_variants.ORIGINAL);
}

export async function openGitHub(config: GitHubConfig, ctx: TargetContext): Promise<GitHubClient> {
  const scopeName = describeGitHub(config);
  const token = ctx.env['GITHUB_TOKEN'] || ctx.env['GH_TOKEN'];
  if (!token) throw new TargetError(`${scopeName}: no GitHub token: GITHUB_TOKEN (or GH_TOKEN) is not set`, { hint: TOKEN_HINT });
  const octokit = await newOctokit(token, config.api_url, ctx.http);
  const call = async <T>(what: string, fn: () => Promise<T>, notFound: string): Promise<T> => {
    try {
      return await fn();
    } catch (e) {
      throw toTargetError(e, scopeName, what, notFound);
    }
  };

  const a = octokit.rest.actions;
  let scope: Scope;
  if (config.repo !== undefined) {
    const [owner, repo] = config.repo.split('/') as [string, string];
    const env = config.environment;
    const notFound = env === undefined ? 'repository not found, or the token cannot see it' : 'repository or environment not found, or the token cannot see it';
    scope =
      env === undefined
        ? {
            notFound,
            publicKey: async () => (await a.getRepoPublicKey({ owner, repo })).data,
            list: () => octokit.paginate(a.listRepoSecrets, { owner, repo, per_page: 100 }),
            put: (secret_name, encrypted_value, key_id) => a.createOrUpdateRepoSecret({ owner, repo, secret_name, encrypted_value, key_id }),
            remove: (secret_name) => a.deleteRepoSecret({ owner, repo, secret_name }),
          }
        : {
            notFound,
            publicKey: async () => (await a.getEnvironmentPublicKey({ owner, repo, environment_name: env })).data,
            list: () => octokit.paginate(a.listEnvironmentSecrets, { owner, repo, environment_name: env, per_page: 100 }),
            put: (secret_name, encrypted_value, key_id) => a.createOrUpdateEnvironmentSecret({ owner, repo, environment_name: env, secret_name, encrypted_value, key_id }),
            remove: (secret_name) => a.deleteEnvironmentSecret({ owner, repo, environment_name: env, secret_name }),
          };
  } else {
    const org = config.org!;
    const visibility = config.visibility ?? 'private';
    let ids: Promise<number[]> | undefined;
    // selected_repositories are names; GitHub wants their ids (one lookup each, once per run).
    const repositoryIds = () =>
      (ids ??= Promise.all(
        (config.selected_repositories ?? []).map((repo) =>
          call(`repository ${org}/${repo}`, async () => (await octokit.rest.repos.get({ owner: org, repo })).data.id, `repository ${org}/${repo} (in selected_repositories) not found, or the token cannot see it`),
        ),
      ));
    scope = {
      notFound: 'organization not found, or the token cannot see it',
      publicKey: async () => (await a.getOrgPublicKey({ org })).data,
      list: () => octokit.paginate(a.listOrgSecrets, { org, per_page: 100 }),
      put: async (secret_name, encrypted_value, key_id) =>
        a.createOrUpdateOrgSecret({ org, secret_name, encrypted_value, key_id, visibility, ...(visibility === 'selected' ? { selected_repository_ids: await repositoryIds() } : {}) }),
      remove: (secret_name) => a.deleteOrgSecret({ org, secret_name }),
    };
  }

  let key: Promise<PublicKey> | undefined;
  const publicKey = () =>
    (key ??= call('public key', scope.publicKey, scope.notFound).then(async (k) => {
      const { sodium } = await import('./vendor.js');
      await sodium.ready;
      let bytes = 0;
      try {
        bytes = sodium.from_base64(k.key, sodium.base64_variants.ORIGINAL).length;
      } catch {
        // not base64
      }
      if (typeof k.key_id !== 'string' || k.key_id === '' || bytes !== 32) throw new TargetError(`${scopeName}: public key: GitHub's answer is not a 32-byte public key with a key_id`);
      return k;
    }));

  /**
   * Organization secrets whose access differs from the configuration are left out of
   * what the target holds, so a full compare (which a configuration change causes)
   * writes them again with the configured access.
   */
  const accessDiffers = async (secret: { name: string; visibility?: string }): Promise<boolean> => {
    if (config.org === undefined) return false;
    const visibility = config.visibility ?? 'private';
    if (secret.visibility !== visibility) return true;
    if (visibility !== 'selected') return false;
    const repos = await call(
      `selected repositories of ${secret.name}`,
      () => octokit.paginate(a.listSelectedReposForOrgSecret, { org: config.org!, secret_name: secret.name, per_page: 100 }),
      scope.notFound,
    );
    const have = new Set(repos.map((r) => r.name.toLowerCase()));
    const want = new Set((config.selected_repositories ?? []).map((r) => r.toLowerCase()));
    return have.size !== want.size || [...want].some((r) => !have.has(r));
  };

  return {
    async read() {
      const secrets = await call('list secrets', scope.list, scope.notFound);
      const out: TargetContents = new Map();
      for (const s of secrets) if (!(await accessDiffers(s))) out.set(s.name, undefined);
      return out;
    },
    async apply(changes) {
      for (const name of changes.upsert) {
        const bytes = Buffer.byteLength(changes.desired.get(name)?.reveal() ?? '', 'utf8');
        if (bytes > MAX_VALUE_BYTES) {
          throw new TargetError(`${scopeName}: ${name} is ${(bytes / 1024).toFixed(1)} KB; GitHub holds at most 48 KB per secret`, { hint: 'store a smaller value (e.g. a path or a reference), or sync this key to another target' });
        }
      }
      if (changes.upsert.length === 0 && changes.delete.length === 0) return { writes: 0 };
      // Fetched before any delete too: it proves the scope exists, so a delete's 404 means "already gone".
      const { key_id, key } = await publicKey();
      let writes = 0;
      for (const name of changes.upsert) {
        const value = changes.desired.get(name);
        if (!value) continue;
        let sealed: string;
        try {
          sealed = await seal(value.reveal(), key);
        } catch {
          throw new TargetError(`${scopeName}: could not seal ${name} with public key ${key_id}`);
        }
        await call(`write ${name}`, () => scope.put(name, sealed, key_id), scope.notFound);
        writes++;
        changes.done([name]);
      }
      for (const name of changes.delete) {
        try {
          await scope.remove(name);
        } catch (e) {
          // Already gone (deleted by hand, or by a run that failed before recording it).
          if (!(isRequestError(e) && e.status === 404 && !isKeyfoldError(e.cause))) throw toTargetError(e, scopeName, `delete ${name}`, scope.notFound);
        }
        writes++;
        changes.done([name]);
      }
      return { writes };
    },
  };
}
