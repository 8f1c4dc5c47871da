/**
 * `vault-kv` target: one path of a HashiCorp Vault KV version 2 mount holding the
 * target's variables as one map. A whole-document target: each sync that changes
 * something writes one new version, `POST /v1/{mount}/data/{path}`, with check-and-set
 * (`options.cas` = the version read just before), so a concurrent writer is detected
 * rather than overwritten: keyfold reads again and retries once, then fails clearly.
 * Names at the path keyfold is not asked about (written by hand, or by an earlier sync)
 * stay unless pruned. The path is marked `custom_metadata: {managed-by: keyfold}` after
 * its first keyfold write (best effort: a token without metadata rights still syncs).
 * Token `VAULT_TOKEN` from the environment only; `namespace:` for Vault Enterprise/HCP.
 */
import * as z from 'zod/mini';
import '../../kernel/zod-locale.js';
import { TargetError } from '../../kernel/errors.js';
import { Secret } from '../../kernel/secret.js';
import { apiUrlProblem, baseUrl, encodePath, providerText } from '../common/provider-text.js';
import type { TargetChanges, TargetContents, TargetContext, TargetDriver, TargetType } from '../target.js';

const SEGMENT = '[A-Za-z0-9_.@=+-]+';
const PATH_RE = new RegExp(`^/?${SEGMENT}(/${SEGMENT})*/?$`);
const pathOk = (p: string): boolean => PATH_RE.test(p) && !p.split('/').some((s) => s === '.' || s === '..');
const PATH_HINT = 'segments of letters, digits, _ . @ = + - separated by /';
const trimSlashes = (p: string): string => p.replace(/^\/+|\/+$/g, '');

const Schema = z.strictObject({
  type: z.literal('vault-kv'),
  address: z.string().check(z.refine((u) => apiUrlProblem(u) === undefined, 'an https:// URL without credentials (plain http only to 127.0.0.1 or localhost)')),
  mount: z.string().check(z.refine(pathOk, `the KV v2 mount path: ${PATH_HINT}`)),
  path: z.string().check(z.refine(pathOk, `the secret's path in the mount: ${PATH_HINT}`)),
  namespace: z.optional(z.string().check(z.refine(pathOk, `a Vault namespace: ${PATH_HINT}`))),
});
type Config = z.infer<typeof Schema>;

export const MANAGED_BY_KEY = 'managed-by';
export const MANAGED_BY_VALUE = 'keyfold';
const CAS_MISMATCH = 'check-and-set parameter did not match the current version';

const isMap = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The path as read: its values (as Vault holds them), the version a check-and-set write must name, its custom metadata. */
interface Current {
  values: Map<string, unknown>;
  version: number;
  custom: Record<string, string>;
}

const HINTS: Record<number, string> = {
  400: 'Vault refused the write',
  403: 'VAULT_TOKEN was refused: its policy needs read and create/update on the data path (and update on the metadata path)',
  404: 'check address, mount (a KV version 2 mount) and namespace',
  405: 'check mount is a KV version 2 secrets engine',
};

function driver(config: Config, ctx: TargetContext): TargetDriver {
  const mount = trimSlashes(config.mount);
  const path = trimSlashes(config.path);
  const where = `${mount}/${path}`;
  const what = `vault-kv ${config.namespace ? `${trimSlashes(config.namespace)}/` : ''}${where}`;
  const base = `${baseUrl(config.address)}/v1/${encodePath(mount)}`;
  const dataUrl = `${base}/data/${encodePath(path)}`;
  const metadataUrl = `${base}/metadata/${encodePath(path)}`;

  const headers = (json = false): Record<string, string> => {
    const token = ctx.env['VAULT_TOKEN'];
    if (!token) throw new TargetError(`${what}: VAULT_TOKEN is not set`, { hint: 'set VAULT_TOKEN to a token whose policy may read and write this path' });
    return {
      'x-vault-token': token.trim(),
      'x-vault-request': 'true',
      accept: 'application/json',
      ...(config.namespace ? { 'x-vault-namespace': trimSlashes(config.namespace) } : {}),
      ...(json ? { 'content-type': 'application/json' } : {}),
    };
  };
  const bodyOf = async (res: Response): Promise<unknown> => {
    try {
      return (await res.json()) as unknown;
    } catch {
      return undefined;
    }
  };
  /** Vault's `{errors: […]}` as text, masked. */
  const errorsOf = (body: unknown, values: Iterable<Secret<string>>): string => {
    const list = isMap(body) && Array.isArray(body['errors']) ? body['errors'].filter((e): e is string => typeof e === 'string') : [];
    return providerText(list.join('; '), values);
  };
  const failure = (status: number, body: unknown, action: string, values: Iterable<Secret<string>>): TargetError => {
    const message = errorsOf(body, values);
    return new TargetError(`${what}: ${action} failed: ${status}${message ? ` (${message})` : ''}`, {
      hint:
        HINTS[status] ??
        (status === 503 ? 'Vault is sealed or in maintenance; keyfold retried with backoff — rerun sync once it is unsealed' : status === 429 || status >= 500 ? 'Vault kept failing; keyfold retried with backoff — rerun sync' : 'check the target in keyfold.yaml'),
    });
  };

  const current = async (values: Iterable<Secret<string>> = []): Promise<Current> => {
    const res = await ctx.http.request(dataUrl, { headers: headers(), what: `GET ${what}` });
    const body = await bodyOf(res);
    const data = isMap(body) && isMap(body['data']) ? body['data'] : undefined;
    const metadata = data && isMap(data['metadata']) ? data['metadata'] : undefined;
    const version = typeof metadata?.['version'] === 'number' ? metadata['version'] : 0;
    const custom: Record<string, string> = {};
    if (isMap(metadata?.['custom_metadata'])) for (const [k, v] of Object.entries(metadata['custom_metadata'])) if (typeof v === 'string') custom[k] = v;
    // 404: never written (or the latest version deleted — its metadata still names the version to check-and-set).
    if (res.status === 404) return { values: new Map(), version, custom };
    if (res.status !== 200) throw failure(res.status, body, 'read', values);
    if (!metadata) throw new TargetError(`${what}: the answer is not a KV version 2 read`, { hint: 'check mount is a KV version 2 secrets engine' });
    return { values: new Map(isMap(data?.['data']) ? Object.entries(data['data']) : []), version, custom };
  };

  /** One check-and-set write of the whole map; false when the version moved since `cur` was read. */
  const write = async (cur: Current, changes: TargetChanges, values: Iterable<Secret<string>>): Promise<boolean> => {
    const pruned = new Set(changes.delete);
    const out: Record<string, unknown> = {};
    const names = new Set([...cur.values.keys(), ...changes.desired.keys()]);
    for (const k of [...names].sort()) {
      const want = changes.desired.get(k);
      if (want) out[k] = want.reveal();
      else if (!pruned.has(k)) out[k] = cur.values.get(k);
    }
    const res = await ctx.http.request(dataUrl, {
      method: 'POST',
      headers: headers(true),
      body: JSON.stringify({ options: { cas: cur.version }, data: out }),
      what: `write ${what}`,
    });
    const body = await bodyOf(res);
    if (res.status === 400 && errorsOf(body, []).includes(CAS_MISMATCH)) return false;
    if (res.status !== 200 && res.status !== 204) throw failure(res.status, body, 'write', values);
    if (res.status === 204 || !isMap(body) || !isMap(body['data']) || typeof body['data']['version'] !== 'number') {
      // A KV version 1 mount takes the POST as a secret named data/<path> and answers 204.
      throw new TargetError(`${what}: the write was not answered as KV version 2 writes are`, { hint: `check ${mount} is a KV version 2 mount (vault secrets enable -version=2 …); a KV v1 mount may now hold ${mount}/data/${path}` });
    }
    return true;
  };

  return {
    description: `vault-kv ${where}${config.namespace ? ` (namespace ${trimSlashes(config.namespace)})` : ''} at ${baseUrl(config.address)}`,
    readsValues: true,
    async read(): Promise<TargetContents> {
      const cur = await current();
      return new Map([...cur.values].map(([k, v]) => [k, new Secret(typeof v === 'string' ? v : JSON.stringify(v))]));
    },
    async apply(changes) {
      if (changes.upsert.length === 0 && changes.delete.length === 0) return { writes: 0 };
      const values = [...changes.desired.values()];
      let cur = await current(values);
      if (!(await write(cur, changes, values))) {
        // Someone wrote the path since it was read: read again (their names are kept) and retry once.
        cur = await current(values);
        if (!(await write(cur, changes, values))) {
          throw new TargetError(`${what}: the path changed again while keyfold wrote it (check-and-set failed twice); nothing was written`, {
            hint: 'another writer is updating this path; rerun sync when it is done',
          });
        }
      }
      changes.done([...changes.desired.keys(), ...changes.delete]);
      let writes = 1;
      if (cur.custom[MANAGED_BY_KEY] !== MANAGED_BY_VALUE) {
        // Mark the path as keyfold's (custom_metadata is replaced whole: keep what is there).
        const res = await ctx.http
          .request(metadataUrl, {
            method: 'POST',
            headers: headers(true),
            body: JSON.stringify({ custom_metadata: { ...cur.custom, [MANAGED_BY_KEY]: MANAGED_BY_VALUE } }),
            what: `mark ${what}`,
          })
          .catch(() => undefined);
        await res?.body?.cancel().catch(() => undefined);
        if (res && res.status >= 200 && res.status < 300) writes++;
      }
      return { writes };
    },
  };
}

export const vaultKvTarget: TargetType<typeof Schema> = {
  type: 'vault-kv',
  schema: Schema,
  create: (_name, config, ctx) => driver(config, ctx),
};
