/**
 * A Kubernetes API fake for core/v1 Secrets, enough for keyfold's `k8s` target: Bearer
 * auth (401 Status), `GET …/namespaces/{ns}/secrets/{name}` (404 Status when missing),
 * and server-side apply — `PATCH` with `application/apply-patch+yaml`, `fieldManager`
 * required, `force` — with per-key ownership by field manager: the applied object
 * replaces what its manager owned (keys it applied before and now leaves out are
 * removed unless another manager owns them), keys another manager owns with a different
 * value conflict (409) unless forced. Unknown namespaces give the apiserver's 404
 * `namespaces "x" not found`; bad keys, bad base64 and over 1 MiB give 422 Invalid.
 * `managedFields` are returned in the FieldsV1 shape. Faults from ./fake-server.ts.
 */
import { startFakeServer, type FakeServer, type Reply } from './fake-server.js';

export interface StoredSecret {
  name: string;
  namespace: string;
  labels: Record<string, string>;
  type: string;
  /** base64 by key. */
  data: Map<string, string>;
  /** key → the field managers owning it, with their operation. */
  owners: Map<string, Map<string, 'Apply' | 'Update'>>;
  resourceVersion: number;
  uid: string;
  creationTimestamp: string;
}

export interface K8sFake extends FakeServer {
  readonly token: string;
  namespaces: Set<string>;
  secrets: Map<string, StoredSecret>;
  /** A Secret's values (decoded), or undefined. */
  values(namespace: string, name: string): Record<string, string> | undefined;
  /** Set one key as another client would (`kubectl edit`: an Update by that manager). */
  setByHand(namespace: string, name: string, key: string, value: string, manager?: string): void;
  /** PATCH requests answered 200 or 201 (applies that landed). */
  applies(): number;
}

const KEY_RE = /^[-._a-zA-Z0-9]+$/;
const MAX = 1024 * 1024;

function status(code: number, reason: string, message: string, details?: Record<string, unknown>): Reply {
  return { status: code, body: { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason, ...(details ? { details } : {}), code } };
}

const isMap = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function toJson(s: StoredSecret): Record<string, unknown> {
  const byManager = new Map<string, { operation: string; keys: string[] }>();
  for (const [key, owners] of s.owners) {
    for (const [manager, operation] of owners) {
      const e = byManager.get(manager) ?? { operation, keys: [] };
      e.keys.push(key);
      byManager.set(manager, e);
    }
  }
  return {
    kind: 'Secret',
    apiVersion: 'v1',
    metadata: {
      name: s.name,
      namespace: s.namespace,
      uid: s.uid,
      resourceVersion: String(s.resourceVersion),
      creationTimestamp: s.creationTimestamp,
      labels: s.labels,
      managedFields: [...byManager].map(([manager, e]) => ({
        manager,
        operation: e.operation,
        apiVersion: 'v1',
        time: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
        fieldsType: 'FieldsV1',
        fieldsV1: { 'f:data': Object.fromEntries(e.keys.sort().map((k) => [`f:${k}`, {}])) },
      })),
    },
    data: Object.fromEntries([...s.data].sort(([a], [b]) => (a < b ? -1 : 1))),
    type: s.type,
  };
}

export async function startK8sFake(options: { token?: string; namespaces?: string[] } = {}): Promise<K8sFake> {
  const token = options.token ?? `k8s-token-${Math.random().toString(36).slice(2)}`;
  const namespaces = new Set(options.namespaces ?? ['default']);
  const secrets = new Map<string, StoredSecret>();
  let version = 1000;
  const keyOf = (ns: string, name: string) => `${ns}/${name}`;

  const apply = (ns: string, name: string, query: URLSearchParams, contentType: string, text: string): Reply => {
    if (!contentType.startsWith('application/apply-patch+yaml')) return status(415, 'UnsupportedMediaType', `the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml`);
    const manager = query.get('fieldManager');
    if (!manager) return status(400, 'BadRequest', 'PatchOptions.meta.k8s.io "" is invalid: fieldManager: Required value: is required for apply patch');
    const force = query.get('force') === 'true';
    if (!namespaces.has(ns)) return status(404, 'NotFound', `namespaces "${ns}" not found`, { name: ns, kind: 'namespaces' });
    let obj: unknown;
    try {
      obj = JSON.parse(text);
    } catch {
      return status(400, 'BadRequest', 'error decoding YAML: the fake takes JSON bodies');
    }
    if (!isMap(obj) || obj['apiVersion'] !== 'v1' || obj['kind'] !== 'Secret' || !isMap(obj['metadata'])) return status(400, 'BadRequest', 'apiVersion v1, kind Secret and metadata are required');
    const meta = obj['metadata'];
    if (meta['name'] !== name) return status(400, 'BadRequest', `the name of the object (${String(meta['name'])}) does not match the name on the URL (${name})`);
    if (meta['namespace'] !== undefined && meta['namespace'] !== ns) return status(400, 'BadRequest', 'the namespace of the provided object does not match the namespace sent on the request');
    if (meta['managedFields'] !== undefined) return status(400, 'BadRequest', 'metadata.managedFields must be nil');
    if (obj['stringData'] !== undefined) return status(400, 'BadRequest', 'this fake wants data, not stringData');
    const applied = new Map<string, string>();
    let size = 0;
    for (const [k, v] of Object.entries(isMap(obj['data']) ? obj['data'] : {})) {
      if (!KEY_RE.test(k) || k.length > 253) return status(422, 'Invalid', `Secret "${name}" is invalid: data[${k}]: Invalid value: "${k}": a valid config key must consist of alphanumeric characters, '-', '_' or '.'`);
      if (typeof v !== 'string' || !/^[A-Za-z0-9+/]*={0,2}$/.test(v) || v.length % 4 !== 0) return status(400, 'BadRequest', `Secret in version "v1" cannot be handled as a Secret: illegal base64 data at data[${k}]`);
      size += k.length + Buffer.from(v, 'base64').length;
      applied.set(k, v);
    }
    const existing = secrets.get(keyOf(ns, name));
    const s: StoredSecret = existing ?? {
      name,
      namespace: ns,
      labels: {},
      type: typeof obj['type'] === 'string' ? obj['type'] : 'Opaque',
      data: new Map(),
      owners: new Map(),
      resourceVersion: 0,
      uid: `uid-${Math.random().toString(36).slice(2)}`,
      creationTimestamp: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
    };
    // Conflicts: keys another manager owns, applied with a different value.
    const conflicts = [...applied].filter(([k, v]) => s.data.has(k) && s.data.get(k) !== v && [...(s.owners.get(k)?.keys() ?? [])].some((m) => m !== manager)).map(([k]) => k);
    if (conflicts.length > 0 && !force) {
      return status(409, 'Conflict', `Apply failed with ${conflicts.length} conflict(s): ${conflicts.map((k) => `conflict with "other" using v1: .data.${k}`).join('; ')}`);
    }
    // The total after the apply.
    const next = new Map(s.data);
    const owners = new Map([...s.owners].map(([k, o]) => [k, new Map(o)]));
    for (const [k, o] of owners) {
      if (applied.has(k)) continue;
      if (o.get(manager) === 'Apply') {
        o.delete(manager);
        if (o.size === 0) {
          owners.delete(k);
          next.delete(k);
        }
      }
    }
    for (const [k, v] of applied) {
      const o = owners.get(k) ?? new Map<string, 'Apply' | 'Update'>();
      if (next.get(k) !== v) for (const m of [...o.keys()]) if (m !== manager) o.delete(m); // forced: ownership moves
      o.set(manager, 'Apply');
      owners.set(k, o);
      next.set(k, v);
    }
    size = [...next].reduce((n, [k, v]) => n + k.length + Buffer.from(v, 'base64').length, 0);
    if (size > MAX) return status(422, 'Invalid', `Secret "${name}" is invalid: data: Too long: must have at most ${MAX} bytes`);
    s.data = next;
    s.owners = owners;
    if (isMap(meta['labels'])) for (const [k, v] of Object.entries(meta['labels'])) if (typeof v === 'string') s.labels[k] = v;
    s.resourceVersion = ++version;
    secrets.set(keyOf(ns, name), s);
    return { status: existing ? 200 : 201, body: toJson(s) };
  };

  const server = await startFakeServer((req) => {
    if (req.headers['authorization'] !== `Bearer ${token}`) return status(401, 'Unauthorized', 'Unauthorized');
    const u = new URL(req.url, 'http://fake');
    const m = /^\/api\/v1\/namespaces\/([^/]+)\/secrets\/([^/]+)$/.exec(u.pathname);
    if (!m) return status(404, 'NotFound', 'the server could not find the requested resource');
    const ns = decodeURIComponent(m[1]!);
    const name = decodeURIComponent(m[2]!);
    if (req.method === 'GET') {
      const s = secrets.get(keyOf(ns, name));
      return s ? { status: 200, body: toJson(s) } : status(404, 'NotFound', `secrets "${name}" not found`, { name, kind: 'secrets' });
    }
    if (req.method === 'PATCH') return apply(ns, name, u.searchParams, String(req.headers['content-type'] ?? ''), req.body);
    return status(405, 'MethodNotAllowed', 'the server does not allow this method on the requested resource');
  });

  return Object.assign(server, {
    token,
    namespaces,
    secrets,
    values(namespace: string, name: string) {
      const s = secrets.get(keyOf(namespace, name));
      return s && Object.fromEntries([...s.data].map(([k, v]) => [k, Buffer.from(v, 'base64').toString('utf8')]));
    },
    setByHand(namespace: string, name: string, key: string, value: string, manager = 'kubectl-edit') {
      const s = secrets.get(keyOf(namespace, name));
      if (!s) throw new Error(`no secret ${namespace}/${name}`);
      s.data.set(key, Buffer.from(value, 'utf8').toString('base64'));
      s.owners.set(key, new Map([[manager, 'Update']]));
      s.resourceVersion = ++version;
    },
    applies: () => server.log.filter((r) => r.method === 'PATCH' && (r.status === 200 || r.status === 201)).length,
  });
}
