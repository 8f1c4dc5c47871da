/**
 * `openrouter`: OpenRouter API keys, rotated with a management key from the environment
 * (never from the repository). `POST /keys` creates the key (its plaintext comes back
 * once), `GET /key` — asked with the new key itself — verifies it, `DELETE /keys/{hash}`
 * revokes the old one. Ids are key hashes. A key made by hand is identified by asking
 * `GET /key` with it for its label, then listing every key (all pages) for that label.
 * Keys a killed run created are found by name: every name keyfold gives starts with
 * `keyfold <rotation> `. Errors name the request and status, never a body or a key.
 */
import * as z from 'zod/mini';
import '../../kernel/zod-locale.js';
import { ConfigError, TargetError } from '../../kernel/errors.js';
import { Secret } from '../../kernel/secret.js';
import type { NewCredential, RotatorContext, RotatorDriver, RotatorType } from '../rotator.js';
import { fieldOf } from '../../config/parse-yaml-config.js';
import { apiUrlProblem } from '../../net/api-url.js';

/** Keys per page of `GET /keys` (OpenRouter lists 100 at a time; `offset` pages on). */
export const PAGE_SIZE = 100;
/** A guard against a server that ignores `offset`: no account lists more keys than this. */
const MAX_PAGES = 1000;
/** What every name starts with: the engine's prefix, so `orphans` finds a killed run's keys. */
const NAME_PREFIX = 'keyfold {rotation} ';

const Schema = z.strictObject({
  api_url: z._default(z.string().check(z.refine((u) => apiUrlProblem(u) === undefined, 'an https:// URL without credentials (plain http only to 127.0.0.1 or localhost)')), 'https://openrouter.ai/api/v1'),
  /** The environment variable holding the management key. */
  management_key_env: z._default(z.string().check(z.regex(/^[A-Za-z_][A-Za-z0-9_]{0,127}$/, 'an environment variable name')), 'OPENROUTER_MANAGEMENT_KEY'),
  /** The new key's name at OpenRouter: {rotation}, {ref}, {key}, {date}. */
  name: z._default(
    z.string().check(
      z.maxLength(200),
      z.refine((t) => t.startsWith(NAME_PREFIX), `must start with "${NAME_PREFIX}" (how keyfold finds keys a killed run left behind), e.g. "keyfold {rotation} {date} {ref}"`),
      z.refine((t) => !/\{(?!(rotation|ref|key|date)\})[^}]*\}/.test(t), 'placeholders are {rotation}, {ref}, {key} and {date}'),
    ),
    'keyfold {rotation} {date}',
  ),
  /** Spending limit in USD sent on create (null: none). */
  limit: z._default(z.nullable(z.number().check(z.gte(0))), null),
  limit_reset: z.optional(z.nullable(z.enum(['daily', 'weekly', 'monthly']))),
  include_byok_in_limit: z.optional(z.boolean()),
  /** The workspace keys are created and listed in (default: the account's default workspace). */
  workspace_id: z.optional(z.string().check(z.regex(/^[0-9a-fA-F-]{36}$/, 'a workspace UUID'))),
});
type Settings = z.infer<typeof Schema>;

/** The fields of OpenRouter's key object keyfold reads. */
interface KeyObject {
  hash: string;
  name: string;
  label: string;
  disabled?: boolean;
}

/** `GET /key`: what a key says about itself. */
interface CurrentKey {
  label: string;
  is_management_key?: boolean;
}

const HASH_RE = /^[A-Za-z0-9]{1,128}$/;
const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function keyObject(v: unknown): KeyObject | undefined {
  if (!isRecord(v) || typeof v['hash'] !== 'string' || !HASH_RE.test(v['hash']) || typeof v['name'] !== 'string' || typeof v['label'] !== 'string') return undefined;
  return { hash: v['hash'], name: v['name'], label: v['label'], disabled: v['disabled'] === true };
}

const HINTS: Record<number, string> = {
  400: 'OpenRouter refused the request (check the rotation settings: limit, limit_reset, workspace_id)',
  401: 'the management key was refused: check it is set and not disabled',
  403: 'the key given is not a management key (OpenRouter → Settings → Management keys)',
  404: 'no such key',
  429: 'rate limited by OpenRouter; keyfold retried with backoff',
};

export function render(template: string, rotation: RotatorContext['rotation'], date: string): string {
  return template.replace(/\{(rotation|ref|key|date)\}/g, (_m, p: string) => (p === 'rotation' ? rotation.name : p === 'ref' ? rotation.ref : p === 'key' ? rotation.key : date));
}

function driver(settings: Settings, ctx: RotatorContext): RotatorDriver {
  const base = settings.api_url.replace(/\/+$/, '');
  const what = `openrouter (rotation ${ctx.rotation.name})`;

  const managementKey = (): string => {
    const key = ctx.env[settings.management_key_env]?.trim();
    if (!key) throw new ConfigError(`${what}: ${settings.management_key_env} is not set`, { hint: 'set it to an OpenRouter management key (in CI: a secret of the GitHub environment)' });
    return key;
  };

  /** One request; the parsed JSON body of a 2xx answer, else a TargetError naming the call and status (never the body). */
  const call = async (method: string, path: string, bearer: string, body?: unknown, accept: number[] = []): Promise<{ status: number; json: unknown }> => {
    const res = await ctx.http.request(`${base}${path}`, {
      method,
      what: `${what}: ${method} ${path.replace(/\/keys\/[^/?]+/, '/keys/{hash}').replace(/\?.*$/, '')}`,
      headers: { authorization: `Bearer ${bearer}`, accept: 'application/json', ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    let json: unknown;
    try {
      json = await res.json();
    } catch {
      json = undefined;
    }
    if (res.ok || accept.includes(res.status)) return { status: res.status, json };
    const endpoint = `${method} ${path.replace(/\/keys\/[^/?]+/, '/keys/{hash}').replace(/\?.*$/, '')}`;
    const hint = HINTS[res.status] ?? (res.status >= 500 ? 'OpenRouter failed; keyfold retried with backoff — run again later' : undefined);
    throw new TargetError(`${what}: ${endpoint} answered ${res.status}`, hint ? { hint } : {});
  };

  const malformed = (endpoint: string) => new TargetError(`${what}: ${endpoint} answered with an unexpected body`, { hint: 'check api_url points at OpenRouter\'s API (…/api/v1)' });

  /** Every key (disabled ones too), all pages. */
  const listAll = async (): Promise<KeyObject[]> => {
    const out: KeyObject[] = [];
    const seen = new Set<string>();
    const key = managementKey();
    for (let page = 0; page < MAX_PAGES; page++) {
      const q = new URLSearchParams({ include_disabled: 'true', offset: String(page * PAGE_SIZE) });
      if (settings.workspace_id) q.set('workspace_id', settings.workspace_id);
      const { json } = await call('GET', `/keys?${q}`, key);
      const data = isRecord(json) ? json['data'] : undefined;
      if (!Array.isArray(data)) throw malformed('GET /keys');
      let fresh = 0;
      for (const item of data) {
        const k = keyObject(item);
        if (!k) throw malformed('GET /keys');
        if (seen.has(k.hash)) continue;
        seen.add(k.hash);
        out.push(k);
        fresh++;
      }
      // A short page is the last; a page of nothing new means the server ignores offset.
      if (data.length < PAGE_SIZE || fresh === 0) return out;
    }
    throw new TargetError(`${what}: GET /keys listed more than ${MAX_PAGES * PAGE_SIZE} keys`, { hint: 'too many keys to search; delete unused ones' });
  };

  /** `GET /key` asked with `key`: what it says about itself, or undefined when it is not a live key. */
  const whoIs = async (key: string): Promise<CurrentKey | undefined> => {
    const { status, json } = await call('GET', '/key', key, undefined, [401, 403]);
    if (status === 401 || status === 403) return undefined;
    const data = isRecord(json) ? json['data'] : undefined;
    if (!isRecord(data) || typeof data['label'] !== 'string') throw malformed('GET /key');
    return { label: data['label'], is_management_key: data['is_management_key'] === true || data['is_provisioning_key'] === true };
  };

  return {
    async identify(value) {
      const self = await whoIs(value.reveal());
      // A management key in the secret is never treated as a rotated key (nor revoked).
      if (!self || self.is_management_key) return undefined;
      const matches = (await listAll()).filter((k) => k.label === self.label);
      // Labels are masked keys: two keys could share one. Then it is not known which.
      return matches.length === 1 ? matches[0]!.hash : undefined;
    },

    async create(name, _current): Promise<NewCredential> {
      const date = name.slice(name.lastIndexOf(' ') + 1);
      const prefix = name.slice(0, name.lastIndexOf(' ') + 1);
      const full = render(settings.name, ctx.rotation, date);
      if (!full.startsWith(prefix)) throw new ConfigError(`${what}: with.name must start with "${NAME_PREFIX}"`);
      const body: Record<string, unknown> = { name: full, limit: settings.limit };
      if (settings.limit_reset !== undefined) body['limit_reset'] = settings.limit_reset;
      if (settings.include_byok_in_limit !== undefined) body['include_byok_in_limit'] = settings.include_byok_in_limit;
      if (settings.workspace_id) body['workspace_id'] = settings.workspace_id;
      const { json } = await call('POST', '/keys', managementKey(), body);
      const data = isRecord(json) ? keyObject(json['data']) : undefined;
      const key = isRecord(json) ? json['key'] : undefined;
      if (!data || typeof key !== 'string' || key.length < 16 || /\s/.test(key)) throw malformed('POST /keys');
      return { value: new Secret(key), id: data.hash };
    },

    async verify(credential) {
      // A new key may take a moment to be accepted everywhere: a few tries on 401.
      let self: CurrentKey | undefined;
      for (let attempt = 0; attempt < 4 && !self; attempt++) {
        if (attempt > 0) await new Promise((r) => setTimeout(r, 500 * 2 ** attempt));
        self = await whoIs(credential.value.reveal());
      }
      if (!self) throw new TargetError(`${what}: the new key was refused by GET /key`, { hint: 'OpenRouter did not accept the key it just created; keyfold revoked it — run again later' });
      if (self.is_management_key) throw new TargetError(`${what}: the new key is a management key`, { hint: 'check api_url points at OpenRouter' });
      // The id recorded for revoking it later must be this key's.
      if (credential.id) {
        const { json } = await call('GET', `/keys/${encodeURIComponent(credential.id)}`, managementKey());
        const k = isRecord(json) ? keyObject(json['data']) : undefined;
        if (!k) throw malformed('GET /keys/{hash}');
        if (k.label !== self.label || k.disabled) throw new TargetError(`${what}: the created key's hash does not describe the key returned`, { hint: 'OpenRouter answered inconsistently; keyfold revoked the new key — run again later' });
      }
    },

    async revoke(id) {
      if (!HASH_RE.test(id)) throw new ConfigError(`${what}: a recorded id is not an OpenRouter key hash`, { hint: 'check rotation/state.yaml' });
      const { status, json } = await call('DELETE', `/keys/${encodeURIComponent(id)}`, managementKey(), undefined, [404]);
      if (status === 404) return; // already gone
      if (!isRecord(json) || json['deleted'] !== true) throw malformed('DELETE /keys/{hash}');
    },

    async orphans(prefix, known) {
      return (await listAll()).filter((k) => k.name.startsWith(prefix) && !known.has(k.hash)).map((k) => k.hash);
    },
  };
}

export const openrouterRotator: RotatorType<typeof Schema> = {
  type: 'openrouter',
  schema: Schema,
  create: driver,
  credentialEnv: (raw) => [fieldOf(Schema, 'management_key_env', raw)].filter((v): v is string => typeof v === 'string'),
};
