/**
 * `k8s` with `api_url:` — the Secret on the API server, by server-side apply:
 * `PATCH …/namespaces/{ns}/secrets/{name}?fieldManager=keyfold&force=true` with
 * `application/apply-patch+yaml` and the whole Secret as JSON, in `data` (not
 * `stringData`: SSA prunes a key keyfold applied before and now leaves out only under
 * `data`). Names keyfold applied before and is not asked to delete are applied again as
 * they are (so only `--prune` removes them); keys other field managers own are never
 * sent, so keyfold leaves them alone. `GET` reads the Secret back, values included.
 * Token `KUBE_TOKEN` (Bearer) from the environment only; `KUBE_CA_FILE` for a
 * cluster's own CA (./ca-dispatcher.ts). Errors carry the `Status` reason and code, never a body's data.
 */
import { isAbsolute, resolve } from 'node:path';
import { TargetError } from '../../kernel/errors.js';
import type { Secret } from '../../kernel/secret.js';
import { readRegularFile } from '../../repo/read-file.js';
import { baseUrl, providerText } from '../common/provider-text.js';
import type { TargetChanges, TargetContext, TargetDriver } from '../target.js';
import { caDispatcher, type Dispatcher } from './ca-dispatcher.js';
import { checkSize, contentsOf, documentData, labelsFor, labelsMatch } from './secret-data.js';

export const FIELD_MANAGER = 'keyfold';

export interface ApiConfig {
  namespace: string;
  name: string;
  api_url: string;
  labels?: Record<string, string>;
}

interface Live {
  /** base64 by key. */
  data: Map<string, string>;
  /** The keys keyfold's field manager owns (by `metadata.managedFields`); undefined when the server did not say. */
  owned?: Set<string>;
  /** The Secret exists without the labels configured. */
  metadataChanged: boolean;
}

const isMap = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

const HINTS: Record<number, string> = {
  400: 'the API server refused the request; check api_url points at the Kubernetes API',
  401: 'KUBE_TOKEN was not accepted: check it is a current token for this cluster',
  403: 'the token needs get and patch on secrets in this namespace (a Role bound to its service account)',
  404: 'check the namespace exists, and that api_url is the Kubernetes API server',
  409: 'another field manager holds these keys; keyfold applies with force, so rerun sync',
  415: 'the server does not take server-side apply: Kubernetes 1.22 or later is needed',
  422: 'Kubernetes refused the Secret as invalid (a key name, its size or its type)',
};

/** The keys under `f:data` of keyfold's Apply entry in `managedFields`. */
function ownedKeys(metadata: Record<string, unknown>): Set<string> | undefined {
  const fields = metadata['managedFields'];
  if (!Array.isArray(fields)) return undefined;
  const owned = new Set<string>();
  for (const f of fields) {
    if (!isMap(f) || f['manager'] !== FIELD_MANAGER || f['operation'] !== 'Apply' || !isMap(f['fieldsV1'])) continue;
    const data = f['fieldsV1']['f:data'];
    if (isMap(data)) for (const k of Object.keys(data)) if (k.startsWith('f:')) owned.add(k.slice(2));
  }
  return owned;
}

export function apiDriver(config: ApiConfig, ctx: TargetContext): TargetDriver {
  const { namespace: ns, name } = config;
  const url = `${baseUrl(config.api_url)}/api/v1/namespaces/${encodeURIComponent(ns)}/secrets/${encodeURIComponent(name)}`;
  const what = `k8s secret ${ns}/${name}`;
  let tls: Promise<Dispatcher | undefined> | undefined;
  /** With https and KUBE_CA_FILE: the request option that makes fetch trust that CA. */
  const trust = async (): Promise<{ dispatcher?: Dispatcher }> => {
    const caFile = ctx.env['KUBE_CA_FILE'];
    if (!caFile || new URL(url).protocol !== 'https:') return {};
    tls ??= Promise.resolve().then(() => caDispatcher(readRegularFile(isAbsolute(caFile) ? caFile : resolve(caFile), 'KUBE_CA_FILE', { maxBytes: 1024 * 1024 })));
    const dispatcher = await tls;
    if (!dispatcher) throw new TargetError(`${what}: this Node.js cannot take KUBE_CA_FILE`, { hint: 'run keyfold with NODE_EXTRA_CA_CERTS=<the CA file> instead' });
    return { dispatcher };
  };
  /** One request through the shared HTTP client (retries, the request count), with the token and the CA. */
  const request = async (target: string, init: RequestInit & { what: string }): Promise<Response> => {
    const token = ctx.env['KUBE_TOKEN'];
    if (!token) throw new TargetError(`${what}: KUBE_TOKEN is not set`, { hint: 'set KUBE_TOKEN to a service-account token that may get and patch this Secret' });
    const headers = { authorization: `Bearer ${token.trim()}`, accept: 'application/json', ...(init.headers as Record<string, string> | undefined) };
    return ctx.http.request(target, { ...init, ...(await trust()), headers });
  };
  /** A failed response as a TargetError: the Status's code and reason, its message masked, never the body's data. */
  const failure = async (res: Response, action: string, values: Iterable<Secret<string>>): Promise<TargetError> => {
    let status: Record<string, unknown> = {};
    try {
      const body = (await res.json()) as unknown;
      if (isMap(body) && body['kind'] === 'Status') status = body;
    } catch {
      // not JSON: the HTTP status alone
    }
    const code = typeof status['code'] === 'number' ? status['code'] : res.status;
    const reason = typeof status['reason'] === 'string' && status['reason'] ? status['reason'] : res.statusText || 'error';
    const message = providerText(status['message'], values);
    return new TargetError(`${what}: ${action} failed: ${code} ${reason}${message ? ` (${message})` : ''}`, {
      hint: HINTS[code] ?? (code === 429 || code >= 500 ? 'the API server kept failing; keyfold retried with backoff — rerun sync' : 'check the target in keyfold.yaml'),
    });
  };

  const get = async (values: Iterable<Secret<string>> = []): Promise<Live> => {
    const res = await request(url, { what: `GET ${what}` });
    if (res.status === 404) {
      await res.body?.cancel().catch(() => undefined);
      return { data: new Map(), owned: new Set(), metadataChanged: false };
    }
    if (res.status !== 200) throw await failure(res, 'read', values);
    let body: unknown;
    try {
      body = await res.json();
    } catch {
      body = undefined;
    }
    if (!isMap(body) || body['kind'] !== 'Secret' || !isMap(body['metadata'])) {
      throw new TargetError(`${what}: the server's answer is not a Secret`, { hint: 'check api_url is the Kubernetes API server' });
    }
    const data = new Map<string, string>();
    if (isMap(body['data'])) for (const [k, v] of Object.entries(body['data'])) if (typeof v === 'string') data.set(k, v);
    return { data, owned: ownedKeys(body['metadata']), metadataChanged: !labelsMatch(body['metadata']['labels'], labelsFor(config.labels), false) };
  };

  return {
    description: `k8s secret ${ns}/${name} at ${baseUrl(config.api_url)}`,
    readsValues: true,
    read: async () => {
      const live = await get();
      return contentsOf(live.data, live.metadataChanged);
    },
    async apply(changes: TargetChanges) {
      if (changes.upsert.length === 0 && changes.delete.length === 0) return { writes: 0 };
      const values = [...changes.desired.values()];
      const live = await get(values);
      // Keys keyfold applied before stay in the apply (or SSA would remove them) unless
      // pruned; keys of other managers are left out (SSA leaves them alone). When the
      // server does not list managed fields, every present key stays.
      const data = documentData(live.data, changes, (k) => live.owned?.has(k) ?? true);
      checkSize(data, what);
      const secret = {
        apiVersion: 'v1',
        kind: 'Secret',
        metadata: { name, namespace: ns, labels: labelsFor(config.labels) },
        type: 'Opaque',
        data: Object.fromEntries(data),
      };
      const res = await request(`${url}?fieldManager=${FIELD_MANAGER}&force=true`, {
        method: 'PATCH',
        headers: { 'content-type': 'application/apply-patch+yaml' },
        body: JSON.stringify(secret),
        what: `apply ${what}`,
      });
      if (res.status !== 200 && res.status !== 201) throw await failure(res, 'apply', values);
      await res.body?.cancel().catch(() => undefined);
      changes.done([...changes.desired.keys(), ...changes.delete]);
      return { writes: 1 };
    },
  };
}
