/**
 * `cloudflare-workers` target: the secrets (`secret_text` bindings) of one Worker script,
 * through Cloudflare's v4 API: `PUT …/workers/scripts/{script}/secrets` per changed name
 * (it creates or replaces), `DELETE …/secrets/{name}` under --prune. The API lists names
 * only, so a full compare relies on the sync state's keyed fingerprints
 * (`readsValues: false`). Token: CLOUDFLARE_API_TOKEN ("Workers Scripts Write").
 * keyfold never creates the script: error 10007 is reported as "script not found".
 */
import * as z from 'zod/mini';
import '../../kernel/zod-locale.js';
import { TargetError } from '../../kernel/errors.js';
import { Secret } from '../../kernel/secret.js';
import { apiUrlProblem, baseUrl } from '../common/provider-text.js';
import type { TargetContents, TargetType } from '../target.js';

const DEFAULT_API = 'https://api.cloudflare.com/client/v4';

/** https, or http to this machine only (a local API or test server): the token is sent there. */

const Schema = z.strictObject({
  type: z.literal('cloudflare-workers'),
  account: z.string().check(z.regex(/^[0-9a-f]{32}$/, 'a Cloudflare account id (32 hex digits)')),
  script: z.string().check(z.regex(/^[A-Za-z0-9][A-Za-z0-9_-]{0,62}$/, 'a Worker script name (letters, digits, - and _; at most 63)')),
  api_url: z.optional(z.string().check(z.refine((u) => apiUrlProblem(u) === undefined, 'an https URL (plain http only to 127.0.0.1 or localhost), without credentials, query or fragment'))),
});

/** Cloudflare's error codes for the secrets routes, as short reasons. */
const REASONS: Record<number, string> = {
  10000: 'authentication error',
  10007: 'script not found',
  10053: 'another binding (not a secret) has this name',
  10054: 'secret too large',
  10055: 'too many bindings on this script',
  10056: 'secret not found',
  10215: "the script's latest version is not deployed (gradual deployment in progress)",
};

interface Envelope<T> {
  success?: boolean;
  errors?: Array<{ code?: unknown }>;
  result?: T;
}

interface Answer<T> {
  status: number;
  ok: boolean;
  codes: number[];
  result: T | undefined;
}

export const cloudflareWorkersTarget: TargetType<typeof Schema> = {
  type: 'cloudflare-workers',
  schema: Schema,
  create(_name, config, ctx) {
    const base = `${baseUrl(config.api_url ?? DEFAULT_API)}/accounts/${config.account}/workers/scripts/${encodeURIComponent(config.script)}/secrets`;
    const label = `cloudflare-workers ${config.script}`;

    const token = () => {
      const t = ctx.env['CLOUDFLARE_API_TOKEN'];
      if (!t) throw new TargetError(`${label}: CLOUDFLARE_API_TOKEN is not set`, { hint: 'export an API token with the "Workers Scripts Write" permission' });
      return t;
    };

    async function call<T>(method: string, path: string, what: string, body?: unknown): Promise<Answer<T>> {
      const res = await ctx.http.request(base + path, {
        method,
        what: `${label}: ${what}`,
        headers: { authorization: `Bearer ${token()}`, accept: 'application/json', ...(body ? { 'content-type': 'application/json' } : {}) },
        ...(body ? { body: JSON.stringify(body) } : {}),
      });
      let env: Envelope<T> = {};
      try {
        env = (await res.json()) as Envelope<T>;
      } catch {
        // not the v4 envelope (a proxy's page): judged by the status alone
      }
      const codes = (Array.isArray(env.errors) ? env.errors : []).map((e) => e?.code).filter((c): c is number => typeof c === 'number');
      return { status: res.status, ok: res.ok && env.success === true, codes, result: env.result };
    }

    /** Status and Cloudflare's error codes, with a reason for the known ones; never the provider's text. */
    const fail = (what: string, a: Answer<unknown>) => {
      const known = a.codes.map((c) => REASONS[c]).filter(Boolean);
      const codes = a.codes.length > 0 ? ` (error ${a.codes.slice(0, 3).join(', ')})` : '';
      const hint = a.codes.includes(10007)
        ? `check account and script in keyfold.yaml: keyfold does not create Workers (deploy ${config.script} first)`
        : a.status === 401 || a.status === 403 || a.codes.includes(10000)
          ? 'check CLOUDFLARE_API_TOKEN: it needs "Workers Scripts Write" on this account'
          : a.status === 429 || a.status >= 500
            ? 'Cloudflare kept failing after retries; rerun sync later (it repeats nothing already done)'
            : undefined;
      return new TargetError(`${label}: ${what}: HTTP ${a.status}${codes}${known.length > 0 ? `: ${known.join('; ')}` : ''}`, hint ? { hint } : {});
    };

    return {
      description: `Cloudflare Worker ${config.script} (account ${config.account.slice(0, 8)}…)`,
      readsValues: false,
      async read() {
        const a = await call<Array<{ name?: unknown; type?: unknown }>>('GET', '', 'list secrets');
        // A script that never had a secret has answered 10007 to this list: the first PUT tells.
        if (!a.ok && a.codes.includes(10007)) return new Map();
        if (!a.ok || !Array.isArray(a.result)) throw fail('list secrets', a);
        const out: TargetContents = new Map();
        for (const s of a.result) if (typeof s?.name === 'string') out.set(s.name, undefined);
        return out;
      },
      async apply(changes) {
        let writes = 0;
        for (const name of changes.upsert) {
          const value = changes.desired.get(name) ?? new Secret('');
          writes++;
          const a = await call('PUT', '', `put secret ${name}`, { name, text: value.reveal(), type: 'secret_text' });
          if (!a.ok) throw fail(`put secret ${name}`, a);
          changes.done([name]);
        }
        for (const name of changes.delete) {
          writes++;
          const a = await call('DELETE', `/${encodeURIComponent(name)}`, `delete secret ${name}`);
          // Already gone (10056, or a 404 without a code): what --prune wanted.
          if (!a.ok && !(a.codes.includes(10056) || (a.status === 404 && a.codes.length === 0))) throw fail(`delete secret ${name}`, a);
          changes.done([name]);
        }
        return { writes };
      },
    };
  },
};
