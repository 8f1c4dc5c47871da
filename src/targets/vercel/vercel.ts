/**
 * `vercel` target: a project's environment variables, one per name, each for the
 * target's environments (and preview git branch). New names: `POST /v10/projects/{p}/env
 * ?upsert=true`; changed ones: `PATCH /v9/projects/{p}/env/{id}`; --prune: `DELETE
 * /v9/…/env/{id}`. Variables are `sensitive` (never readable again) unless the target
 * includes `development`, which Vercel does not allow to be sensitive: then `encrypted`.
 * A full compare reads non-sensitive values back one by one (`GET /v1/projects/{p}/env/{id}`,
 * the documented way; the list's `decrypt` flag is deprecated); sensitive ones fall back on
 * the sync state's keyed fingerprints. Token: VERCEL_TOKEN; `team` is sent as `teamId`
 * when it starts with `team_`, else as `slug`.
 */
import * as z from 'zod/mini';
import '../../kernel/zod-locale.js';
import { TargetError } from '../../kernel/errors.js';
import { Secret } from '../../kernel/secret.js';
import { bearerJsonCall, type JsonAnswer } from '../common/json-call.js';
import { apiUrlProblem, baseUrl } from '../common/provider-text.js';
import type { TargetContents, TargetType } from '../target.js';

const DEFAULT_API = 'https://api.vercel.com';
const ENVIRONMENTS = ['production', 'preview', 'development'] as const;
/** Names Vercel's function runtimes reserve (docs: environment-variables/reserved-environment-variables). */
const RESERVED = new Set([
  'AWS_SECRET_KEY',
  'AWS_EXECUTION_ENV',
  'AWS_LAMBDA_LOG_GROUP_NAME',
  'AWS_LAMBDA_LOG_STREAM_NAME',
  'AWS_LAMBDA_FUNCTION_NAME',
  'AWS_LAMBDA_FUNCTION_MEMORY_SIZE',
  'AWS_LAMBDA_FUNCTION_VERSION',
  'NOW_REGION',
  'TZ',
  'LAMBDA_TASK_ROOT',
  'LAMBDA_RUNTIME_DIR',
]);
/** Pages of the variable list followed at most (the list is not paginated today; guards a loop). */
const MAX_PAGES = 100;


const Schema = z
  .strictObject({
    type: z.literal('vercel'),
    project: z.string().check(z.regex(/^[A-Za-z0-9._-]{1,100}$/, 'a Vercel project id (prj_…) or name')),
    team: z.optional(z.string().check(z.regex(/^[A-Za-z0-9_-]{1,100}$/, 'a team id (team_…) or slug'))),
    environments: z
      .array(z.enum(ENVIRONMENTS))
      .check(z.minLength(1, 'list at least one of production, preview, development'), z.refine((e) => new Set(e).size === e.length, 'lists an environment twice')),
    git_branch: z.optional(z.string().check(z.regex(/^[^\s~^:?*[\\]{1,250}$/, 'a git branch name'))),
    api_url: z.optional(z.string().check(z.refine((u) => apiUrlProblem(u) === undefined, 'an https URL (plain http only to 127.0.0.1 or localhost), without credentials, query or fragment'))),
  })
  .check(
    z.refine((c) => c.git_branch === undefined || (c.environments.length === 1 && c.environments[0] === 'preview'), {
      message: 'git_branch needs environments: [preview] (Vercel scopes branch variables to preview)',
      path: ['git_branch'],
    }),
  );

/** A project environment variable as the API returns it (fields keyfold uses). */
interface EnvVar {
  id: string;
  key: string;
  type?: string;
  target: string[];
  gitBranch?: string;
}

function asEnvVar(raw: unknown): EnvVar | undefined {
  if (typeof raw !== 'object' || raw === null) return undefined;
  const r = raw as Record<string, unknown>;
  if (typeof r['id'] !== 'string' || typeof r['key'] !== 'string') return undefined;
  const target = Array.isArray(r['target']) ? r['target'].filter((t): t is string => typeof t === 'string') : typeof r['target'] === 'string' ? [r['target']] : [];
  return { id: r['id'], key: r['key'], type: typeof r['type'] === 'string' ? r['type'] : undefined, target, gitBranch: typeof r['gitBranch'] === 'string' && r['gitBranch'] !== '' ? r['gitBranch'] : undefined };
}

export const vercelTarget: TargetType<typeof Schema> = {
  type: 'vercel',
  schema: Schema,
  nameProblem: (name) => (RESERVED.has(name) ? 'Vercel reserves this name for its function runtimes' : undefined),
  create(_name, config, ctx) {
    const api = baseUrl(config.api_url ?? DEFAULT_API);
    const project = encodeURIComponent(config.project);
    const scope: Record<string, string> = config.team === undefined ? {} : config.team.startsWith('team_') ? { teamId: config.team } : { slug: config.team };
    const wanted: string[] = [...config.environments].sort();
    const branch = config.git_branch;
    const kind = wanted.includes('development') ? 'encrypted' : 'sensitive';
    const label = `vercel ${config.project}`;

    const token = () => {
      const t = ctx.env['VERCEL_TOKEN'];
      if (!t) throw new TargetError(`${label}: VERCEL_TOKEN is not set`, { hint: 'export a Vercel access token with access to the project (and its team)' });
      return t;
    };
    const url = (path: string, query: Record<string, string> = {}) => {
      const q = new URLSearchParams({ ...query, ...scope }).toString();
      return `${api}${path}${q ? `?${q}` : ''}`;
    };

    async function call(method: string, path: string, what: string, options: { query?: Record<string, string>; body?: unknown } = {}): Promise<JsonAnswer> {
      return bearerJsonCall(ctx.http, url(path, options.query), { method, what: `${label}: ${what}`, token: token(), body: options.body });
    }

    /** Status and Vercel's error code (a short identifier); never the provider's message. */
    const fail = (what: string, a: { status: number; json: unknown }, code?: unknown) => {
      const raw = code ?? (a.json as { error?: { code?: unknown } } | undefined)?.error?.code;
      const c = typeof raw === 'string' && /^[A-Za-z0-9_]{1,64}$/.test(raw) ? ` (${raw})` : '';
      const hint =
        a.status === 401 || a.status === 403
          ? `check VERCEL_TOKEN and that it can reach ${config.team ? `team ${config.team}` : 'the project (personal scope: no team)'}`
          : a.status === 404
            ? 'check project (and team) in keyfold.yaml'
            : a.status === 429 || a.status >= 500
              ? 'Vercel kept failing after retries; rerun sync later (it repeats nothing already done)'
              : undefined;
      return new TargetError(`${label}: ${what}: HTTP ${a.status}${c}`, hint ? { hint } : {});
    };

    async function list(): Promise<EnvVar[]> {
      const out: EnvVar[] = [];
      let until: string | undefined;
      for (let page = 0; page < MAX_PAGES; page++) {
        const a = await call('GET', `/v10/projects/${project}/env`, 'list variables', until ? { query: { until } } : {});
        const body = a.json as { envs?: unknown; pagination?: { next?: unknown } } | undefined;
        if (!a.ok || !Array.isArray(body?.envs)) throw fail('list variables', a);
        for (const raw of body.envs) {
          const e = asEnvVar(raw);
          if (e) out.push(e);
        }
        const next = body.pagination?.next;
        if (typeof next !== 'number' && !(typeof next === 'string' && /^\d+$/.test(next))) return out;
        until = String(next);
      }
      throw new TargetError(`${label}: list variables: more than ${MAX_PAGES} pages`, { hint: 'a Vercel answer kept pointing to a next page' });
    }

    /** The variables of `key` that share an environment with this target, for its branch. */
    const ours = (all: EnvVar[], key: string) => all.filter((e) => e.key === key && e.gitBranch === branch && e.target.some((t) => wanted.includes(t)));
    const exact = (e: EnvVar) => e.target.length === wanted.length && [...e.target].sort().every((t, i) => t === wanted[i]);

    return {
      description: `Vercel project ${config.project}${config.team ? ` (team ${config.team})` : ''}, ${wanted.join('+')}${branch ? ` on branch ${branch}` : ''}`,
      readsValues: kind === 'encrypted',
      async read() {
        const all = await list();
        const out: TargetContents = new Map();
        for (const key of new Set(all.map((e) => e.key))) {
          const mine = ours(all, key);
          // Held exactly as this target would write it; anything else is rewritten.
          if (mine.length !== 1 || !exact(mine[0]!) || mine[0]!.type !== kind) continue;
          if (kind === 'sensitive') {
            out.set(key, undefined);
            continue;
          }
          const a = await call('GET', `/v1/projects/${project}/env/${encodeURIComponent(mine[0]!.id)}`, `read ${key}`);
          if (!a.ok) throw fail(`read ${key}`, a);
          const v = a.json as { value?: unknown; decrypted?: unknown } | undefined;
          out.set(key, v?.decrypted === true && typeof v.value === 'string' ? new Secret(v.value) : undefined);
        }
        return out;
      },
      async apply(changes) {
        if (changes.upsert.length === 0 && changes.delete.length === 0) return { writes: 0 };
        const all = await list();
        // Refuse ambiguity before writing anything.
        const where = `${wanted.join('+')}${branch ? ` on branch ${branch}` : ''}`;
        for (const name of changes.upsert) {
          const mine = ours(all, name);
          if (mine.length > 1) {
            throw new TargetError(`${label}: ${name} is held by ${mine.length} variables overlapping ${where}`, {
              hint: 'keep one variable per name for these environments in the Vercel project, then rerun sync',
            });
          }
          const others = mine[0]?.target.filter((t) => !wanted.includes(t)) ?? [];
          if (others.length > 0) {
            // Rewriting it would take it away from the other environments.
            throw new TargetError(`${label}: ${name} is one variable for ${where} and ${others.sort().join('+')}`, {
              hint: `give ${others.sort().join('+')} its own variable in the Vercel project (or add those environments to the target), then rerun sync`,
            });
          }
        }
        let writes = 0;
        const create = async (name: string, value: Secret<string>) => {
          writes++;
          const body = { key: name, value: value.reveal(), type: kind, target: wanted, ...(branch ? { gitBranch: branch } : {}), comment: 'managed by keyfold' };
          const a = await call('POST', `/v10/projects/${project}/env`, `create ${name}`, { query: { upsert: 'true' }, body });
          const failed = (a.json as { failed?: Array<{ error?: { code?: unknown } }> } | undefined)?.failed;
          if (!a.ok) throw fail(`create ${name}`, a);
          if (Array.isArray(failed) && failed.length > 0) throw fail(`create ${name}`, a, failed[0]?.error?.code);
        };
        const remove = async (e: EnvVar, name: string) => {
          writes++;
          const a = await call('DELETE', `/v9/projects/${project}/env/${encodeURIComponent(e.id)}`, `delete ${name}`);
          if (!a.ok && a.status !== 404) throw fail(`delete ${name}`, a);
        };
        for (const name of changes.upsert) {
          const value = changes.desired.get(name) ?? new Secret('');
          const existing = ours(all, name)[0];
          if (!existing) await create(name, value);
          else if (existing.type === 'sensitive' && kind !== 'sensitive') {
            // A sensitive variable cannot become readable again: replace it.
            await remove(existing, name);
            await create(name, value);
          } else {
            writes++;
            const body = { value: value.reveal(), type: kind, target: wanted, ...(branch ? { gitBranch: branch } : {}) };
            const a = await call('PATCH', `/v9/projects/${project}/env/${encodeURIComponent(existing.id)}`, `update ${name}`, { body });
            if (!a.ok) throw fail(`update ${name}`, a);
          }
          changes.done([name]);
        }
        for (const name of changes.delete) {
          // Only variables wholly within this target's environments: one that also serves
          // another environment is not this target's to remove.
          for (const e of ours(all, name)) if (e.target.every((t) => wanted.includes(t))) await remove(e, name);
          changes.done([name]);
        }
        return { writes };
      },
    };
  },
};
