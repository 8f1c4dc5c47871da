/**
 * `gcp-secret-manager` target: one Secret Manager secret per name, id `{prefix}{NAME}`,
 * through the REST API v1. A changed value is compared with `versions/latest:access`
 * first; a different one becomes a new version (base64 payload with its CRC32C), and the
 * version it replaced is disabled. A new secret is created with automatic replication
 * and the label `managed-by: keyfold`. --prune deletes a secret only when the sync state
 * manages its name (the engine's rule) AND it carries that label: a secret keyfold did
 * not create is written to, never deleted. Values read back (`readsValues`), so a full
 * compare rewrites nothing unchanged. Credentials: see ./auth.ts.
 */
import * as z from 'zod/mini';
import '../../kernel/zod-locale.js';
import { TargetError } from '../../kernel/errors.js';
import { ENV_NAME_RE } from '../../kernel/names.js';
import { Secret } from '../../kernel/secret.js';
import { bearerJsonCall, type JsonAnswer } from '../common/json-call.js';
import { apiUrlProblem, baseUrl } from '../common/provider-text.js';
import type { TargetContents, TargetType } from '../target.js';
import { googleAccessToken } from './auth.js';
import { crc32c } from './crc32c.js';

const DEFAULT_API = 'https://secretmanager.googleapis.com';
const LABEL = 'managed-by';
const LABEL_VALUE = 'keyfold';
/** Secret ids: letters, digits, `-` and `_`, at most 255 (resources.proto). */
const ID_RE = /^[A-Za-z0-9_-]{1,255}$/;
const MAX_ID = 255;
/** Payloads are at most 64 KiB. */
const MAX_PAYLOAD = 64 * 1024;
const MAX_PAGES = 1000;


const Schema = z.strictObject({
  type: z.literal('gcp-secret-manager'),
  project: z.string().check(z.regex(/^(?:[a-z][a-z0-9-]{4,28}[a-z0-9]|[0-9]{1,20})$/, 'a Google Cloud project id or number')),
  prefix: z.optional(z.string().check(z.regex(/^[A-Za-z0-9_-]{0,128}$/, 'letters, digits, - and _ (at most 128): secret ids allow nothing else'))),
  api_url: z.optional(z.string().check(z.refine((u) => apiUrlProblem(u) === undefined, 'an https URL (plain http only to 127.0.0.1 or localhost), without credentials, query or fragment'))),
});

/** What `versions/latest:access` found. */
type Latest = { kind: 'value'; value: string; version: string } | { kind: 'missing' } | { kind: 'unreadable' };

interface SecretInfo {
  labeled: boolean;
  etag?: string;
}

export const gcpSecretManagerTarget: TargetType<typeof Schema> = {
  type: 'gcp-secret-manager',
  schema: Schema,
  nameProblem: (name, config) => {
    const id = (config.prefix ?? '') + name;
    if (!ID_RE.test(name)) return 'Secret Manager ids allow only letters, digits, - and _ (at most 255 characters)';
    return id.length > MAX_ID ? `with the prefix its secret id would be ${id.length} characters; Secret Manager allows ${MAX_ID}` : undefined;
  },
  create(_name, config, ctx) {
    const api = baseUrl(config.api_url ?? DEFAULT_API);
    const prefix = config.prefix ?? '';
    const secrets = `${api}/v1/projects/${encodeURIComponent(config.project)}/secrets`;
    const label = `gcp-secret-manager ${config.project}`;
    /** What read() learnt of each name's secret (the label decides --prune). */
    const known = new Map<string, SecretInfo>();

    async function call(method: string, url: string, what: string, body?: unknown): Promise<JsonAnswer> {
      const token = await googleAccessToken(ctx.env, ctx.root, ctx.http);
      return bearerJsonCall(ctx.http, url, { method, what: `${label}: ${what}`, token, body });
    }

    const statusOf = (json: unknown) => {
      const s = (json as { error?: { status?: unknown } } | undefined)?.error?.status;
      return typeof s === 'string' && /^[A-Z_]{1,40}$/.test(s) ? s : undefined;
    };
    /** HTTP status and the google.rpc status name; never the provider's message (it names resources and more). */
    const fail = (what: string, a: { status: number; json: unknown }) => {
      const s = statusOf(a.json);
      const hint =
        a.status === 401
          ? 'the Google access token was refused (expired?); refresh GOOGLE_OAUTH_ACCESS_TOKEN or check the key file'
          : a.status === 403
            ? `the credentials lack a Secret Manager role on project ${config.project} (roles/secretmanager.admin, or secretAccessor + secretVersionManager + create/delete)`
            : a.status === 429 || a.status >= 500
              ? 'Secret Manager kept failing after retries; rerun sync later (it repeats nothing already done)'
              : undefined;
      return new TargetError(`${label}: ${what}: HTTP ${a.status}${s ? ` ${s}` : ''}`, hint ? { hint } : {});
    };

    const idOf = (name: string) => prefix + name;
    const secretUrl = (name: string) => `${secrets}/${encodeURIComponent(idOf(name))}`;

    async function latest(name: string): Promise<Latest> {
      const a = await call('GET', `${secretUrl(name)}/versions/latest:access`, `access ${idOf(name)}`);
      if (a.status === 404) return { kind: 'missing' };
      if (a.status === 400 && statusOf(a.json) === 'FAILED_PRECONDITION') return { kind: 'unreadable' }; // latest disabled or destroyed
      const body = a.json as { name?: unknown; payload?: { data?: unknown; dataCrc32c?: unknown } } | undefined;
      if (!a.ok || typeof body?.payload !== 'object' || typeof body.name !== 'string') throw fail(`access ${idOf(name)}`, a);
      const data = Buffer.from(typeof body.payload.data === 'string' ? body.payload.data : '', 'base64');
      const crc = body.payload.dataCrc32c;
      if (crc !== undefined && String(crc) !== String(crc32c(data))) {
        throw new TargetError(`${label}: access ${idOf(name)}: the payload does not match its CRC32C`, { hint: 'the value was damaged in transit; rerun sync' });
      }
      return { kind: 'value', value: data.toString('utf8'), version: body.name.slice(body.name.lastIndexOf('/') + 1) };
    }

    async function info(name: string): Promise<SecretInfo | undefined> {
      const cached = known.get(name);
      if (cached) return cached;
      const a = await call('GET', secretUrl(name), `get ${idOf(name)}`);
      if (a.status === 404) return undefined;
      if (!a.ok) throw fail(`get ${idOf(name)}`, a);
      const s = a.json as { labels?: Record<string, unknown>; etag?: unknown } | undefined;
      return { labeled: s?.labels?.[LABEL] === LABEL_VALUE, ...(typeof s?.etag === 'string' ? { etag: s.etag } : {}) };
    }

    return {
      description: `GCP Secret Manager project ${config.project}${prefix ? `, ids ${prefix}NAME` : ''}`,
      readsValues: true,
      async read() {
        const out: TargetContents = new Map();
        let pageToken: string | undefined;
        const names: string[] = [];
        for (let page = 0; ; page++) {
          if (page >= MAX_PAGES) throw new TargetError(`${label}: list secrets: more than ${MAX_PAGES} pages`, { hint: 'Secret Manager kept pointing to a next page' });
          const q = new URLSearchParams({ pageSize: '250', ...(pageToken ? { pageToken } : {}) });
          const a = await call('GET', `${secrets}?${q}`, 'list secrets');
          if (!a.ok) throw fail('list secrets', a);
          const body = (a.json ?? {}) as { secrets?: unknown; nextPageToken?: unknown };
          for (const s of Array.isArray(body.secrets) ? (body.secrets as Array<{ name?: unknown; labels?: Record<string, unknown>; etag?: unknown }>) : []) {
            if (typeof s?.name !== 'string') continue;
            const id = s.name.slice(s.name.lastIndexOf('/') + 1);
            if (!id.startsWith(prefix) || !ENV_NAME_RE.test(id.slice(prefix.length))) continue;
            const name = id.slice(prefix.length);
            known.set(name, { labeled: s.labels?.[LABEL] === LABEL_VALUE, ...(typeof s.etag === 'string' ? { etag: s.etag } : {}) });
            names.push(name);
          }
          if (typeof body.nextPageToken !== 'string' || body.nextPageToken === '') break;
          pageToken = body.nextPageToken;
        }
        for (const name of names.sort()) {
          const l = await latest(name);
          // No readable latest version: absent, so the desired value is written.
          if (l.kind === 'value') out.set(name, new Secret(l.value));
        }
        return out;
      },
      async apply(changes) {
        if (changes.upsert.length === 0 && changes.delete.length === 0) return { writes: 0 };
        for (const name of changes.upsert) {
          if (Buffer.byteLength(changes.desired.get(name)?.reveal() ?? '', 'utf8') > MAX_PAYLOAD) {
            throw new TargetError(`${label}: ${name} is larger than 64 KiB, Secret Manager's limit for a version`, { hint: 'store large data elsewhere and sync a reference to it' });
          }
        }
        let writes = 0;
        for (const name of changes.upsert) {
          const value = changes.desired.get(name)?.reveal() ?? '';
          const now = await latest(name);
          if (now.kind === 'value' && now.value === value) {
            changes.done([name]); // already there (an earlier run that failed later, or a change made by hand)
            continue;
          }
          if (now.kind === 'missing') {
            writes++;
            const a = await call('POST', `${secrets}?${new URLSearchParams({ secretId: idOf(name) })}`, `create ${idOf(name)}`, {
              replication: { automatic: {} },
              labels: { [LABEL]: LABEL_VALUE },
            });
            // 409: the secret exists without versions (or was just created): add one.
            if (!a.ok && a.status !== 409) throw fail(`create ${idOf(name)}`, a);
          }
          const bytes = Buffer.from(value, 'utf8');
          writes++;
          const a = await call('POST', `${secretUrl(name)}:addVersion`, `add a version to ${idOf(name)}`, {
            payload: { data: bytes.toString('base64'), dataCrc32c: String(crc32c(bytes)) },
          });
          if (!a.ok) throw fail(`add a version to ${idOf(name)}`, a);
          changes.done([name]);
          if (now.kind === 'value') {
            writes++;
            const d = await call('POST', `${secretUrl(name)}/versions/${encodeURIComponent(now.version)}:disable`, `disable version ${now.version} of ${idOf(name)}`, {});
            if (!d.ok && d.status !== 404) throw fail(`disable version ${now.version} of ${idOf(name)}`, d);
          }
        }
        for (const name of changes.delete) {
          const s = await info(name);
          if (s?.labeled) {
            writes++;
            const q = s.etag ? `?${new URLSearchParams({ etag: s.etag })}` : '';
            const a = await call('DELETE', `${secretUrl(name)}${q}`, `delete ${idOf(name)}`);
            if (!a.ok && a.status !== 404) throw fail(`delete ${idOf(name)}`, a);
          }
          // Not labeled: a secret keyfold did not create stays; the name leaves keyfold's care.
          changes.done([name]);
        }
        return { writes };
      },
    };
  },
};
