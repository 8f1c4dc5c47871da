/**
 * A HashiCorp Vault fake for KV version 2 mounts, enough for keyfold's `vault-kv`
 * target: `X-Vault-Token` (or Bearer) auth (403 `permission denied`), namespaces
 * (`X-Vault-Namespace`, stored apart), `GET|POST|PUT /v1/{mount}/data/{path}` with
 * versions and check-and-set as the KV plugin's path_data.go does it (400 `check-and-set
 * parameter did not match the current version`), `GET|POST /v1/{mount}/metadata/{path}`
 * (custom_metadata replaced whole), the standard response envelope, `{errors: []}` 404s,
 * a sealed switch (503) and a hook to write concurrently just before a write is handled.
 * Faults from ./fake-server.ts.
 */
import { randomUUID } from 'node:crypto';
import { startFakeServer, type FakeServer, type Reply } from './fake-server.js';

export interface KvVersion {
  data: Record<string, unknown>;
  created_time: string;
}

export interface KvEntry {
  versions: KvVersion[];
  custom_metadata: Record<string, string> | null;
  cas_required: boolean;
}

export interface VaultFake extends FakeServer {
  readonly token: string;
  mounts: Set<string>;
  sealed: boolean;
  /** Entries by `namespace|mount|path` (namespace '' for the root). */
  entries: Map<string, KvEntry>;
  entry(mount: string, path: string, namespace?: string): KvEntry | undefined;
  /** The latest version's data, or undefined. */
  latest(mount: string, path: string, namespace?: string): Record<string, unknown> | undefined;
  /** Write a new version as another client would. */
  writeByHand(mount: string, path: string, data: Record<string, unknown>, namespace?: string): void;
  /** Called before each data write is handled (e.g. to write concurrently). */
  beforeWrite?: () => void;
  /** Data writes that created a version. */
  dataWrites(): number;
  metadataWrites(): number;
}

const now = () => new Date().toISOString().replace('Z', '000Z');

const envelope = (data: unknown, status = 200): Reply => ({
  status,
  body: { request_id: randomUUID(), lease_id: '', renewable: false, lease_duration: 0, data, wrap_info: null, warnings: null, auth: null, mount_type: 'kv' },
});
const errors = (status: number, ...messages: string[]): Reply => ({ status, body: { errors: messages } });
const isMap = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

export async function startVaultFake(options: { token?: string; mounts?: string[] } = {}): Promise<VaultFake> {
  const token = options.token ?? `hvs.${randomUUID().replace(/-/g, '')}`;
  const mounts = new Set(options.mounts ?? ['secret']);
  const entries = new Map<string, KvEntry>();
  const keyOf = (ns: string, mount: string, path: string) => `${ns.replace(/^\/+|\/+$/g, '')}|${mount}|${path}`;
  const metadataOf = (e: KvEntry) => ({
    created_time: e.versions[0]?.created_time ?? now(),
    custom_metadata: e.custom_metadata,
    deletion_time: '',
    destroyed: false,
    version: e.versions.length,
  });
  const put = (key: string, data: Record<string, unknown>): KvEntry => {
    const e = entries.get(key) ?? { versions: [], custom_metadata: null, cas_required: false };
    e.versions.push({ data, created_time: now() });
    entries.set(key, e);
    return e;
  };

  let fake: VaultFake;
  const server = await startFakeServer((req) => {
    const given = req.headers['x-vault-token'] ?? (typeof req.headers['authorization'] === 'string' ? req.headers['authorization'].replace(/^Bearer /, '') : undefined);
    if (given !== token) return errors(403, 'permission denied');
    if (fake.sealed) return errors(503, 'Vault is sealed');
    const ns = typeof req.headers['x-vault-namespace'] === 'string' ? req.headers['x-vault-namespace'] : '';
    const u = new URL(req.url, 'http://fake');
    const m = /^\/v1\/(.+?)\/(data|metadata)\/(.+)$/.exec(u.pathname);
    const mount = m && decodeURIComponent(m[1]!);
    if (!m || !mount || !mounts.has(mount)) return errors(404, `no handler for route "${u.pathname.slice(4)}". route entry not found.`);
    const path = m[3]!.split('/').map(decodeURIComponent).join('/');
    const key = keyOf(ns, mount, path);
    const entry = entries.get(key);
    let body: Record<string, unknown> = {};
    if (req.body) {
      try {
        const parsed = JSON.parse(req.body) as unknown;
        if (!isMap(parsed)) return errors(400, 'invalid request body');
        body = parsed;
      } catch {
        return errors(400, 'failed to parse JSON input');
      }
    }
    if (m[2] === 'data') {
      if (req.method === 'GET') {
        if (!entry || entry.versions.length === 0) return errors(404);
        return envelope({ data: entry.versions[entry.versions.length - 1]!.data, metadata: metadataOf(entry) });
      }
      if (req.method === 'POST' || req.method === 'PUT') {
        fake.beforeWrite?.();
        const current = entries.get(key);
        if (!isMap(body['data'])) return errors(400, 'no data provided');
        const options = isMap(body['options']) ? body['options'] : {};
        const currentVersion = current?.versions.length ?? 0;
        if (options['cas'] !== undefined) {
          if (typeof options['cas'] !== 'number' || !Number.isInteger(options['cas'])) return errors(400, 'error parsing check-and-set parameter');
          if (options['cas'] !== currentVersion) return errors(400, 'check-and-set parameter did not match the current version');
        } else if (current?.cas_required) return errors(400, 'check-and-set parameter required for this call');
        const e = put(key, body['data']);
        const { created_time, custom_metadata, deletion_time, destroyed, version } = metadataOf(e);
        return envelope({ created_time: e.versions[e.versions.length - 1]!.created_time ?? created_time, custom_metadata, deletion_time, destroyed, version });
      }
      return errors(405, 'unsupported operation');
    }
    // metadata
    if (req.method === 'GET') {
      if (!entry) return errors(404);
      return envelope({ ...metadataOf(entry), current_version: entry.versions.length, cas_required: entry.cas_required, max_versions: 0 });
    }
    if (req.method === 'POST' || req.method === 'PUT') {
      const e = entry ?? { versions: [], custom_metadata: null, cas_required: false };
      const custom = body['custom_metadata'];
      if (custom !== undefined) {
        if (!isMap(custom) || Object.values(custom).some((v) => typeof v !== 'string' || v.length === 0)) return errors(400, 'custom_metadata values must be non-empty strings');
        e.custom_metadata = custom as Record<string, string>;
      }
      if (typeof body['cas_required'] === 'boolean') e.cas_required = body['cas_required'];
      entries.set(key, e);
      return { status: 204 };
    }
    return errors(405, 'unsupported operation');
  });

  const isWrite = (r: { method: string; url: string }, kind: string) => (r.method === 'POST' || r.method === 'PUT') && new URL(r.url, 'http://fake').pathname.includes(`/${kind}/`);
  fake = Object.assign(server, {
    token,
    mounts,
    sealed: false,
    entries,
    entry: (mount: string, path: string, namespace = '') => entries.get(keyOf(namespace, mount, path)),
    latest: (mount: string, path: string, namespace = '') => {
      const e = entries.get(keyOf(namespace, mount, path));
      return e?.versions[e.versions.length - 1]?.data;
    },
    writeByHand: (mount: string, path: string, data: Record<string, unknown>, namespace = '') => void put(keyOf(namespace, mount, path), data),
    dataWrites: () => server.log.filter((r) => isWrite(r, 'data') && r.status === 200).length,
    metadataWrites: () => server.log.filter((r) => isWrite(r, 'metadata') && r.status === 204).length,
  }) as VaultFake;
  return fake;
}
