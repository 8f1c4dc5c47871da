/**
 * A resolved bundle (variable name → value) as text, keyed by format: dotenv, shell,
 * json, yaml and a Kubernetes v1 Secret. A new format is one entry here.
 */
import { Document } from 'yaml';
import { UsageError } from '../kernel/errors.js';
import { encodeDotenv } from './dotenv.js';
import { encodeJson } from './json.js';
import { encodeShell } from './shell.js';
import { BUNDLE_FORMATS, type BundleFormatName } from './bundle-names.js';

export type BundleEntries = ReadonlyArray<readonly [string, string]>;

export interface BundleFormatOptions {
  /** Kubernetes Secret name and namespace. */
  name?: string;
  namespace?: string;
  /** Kubernetes labels besides `app.kubernetes.io/managed-by: keyfold` (checked by the caller). */
  labels?: Readonly<Record<string, string>>;
}

interface BundleFormat {
  encode(entries: BundleEntries, options: BundleFormatOptions): string;
  /** The names alone (an `.env.example`); undefined when the format has no such form. */
  names?(names: readonly string[]): string;
}

const K8S_NAME_RE = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/**
 * A v1 Secret manifest: base64 `data`, sorted keys (as the API server stores them).
 * Printed for YAML 1.1 readers (kubectl's): a key or label like `Y`, `on` or `yes` is
 * quoted, or Kubernetes would read a boolean.
 */
export function encodeK8sSecret(entries: BundleEntries, options: BundleFormatOptions): string {
  const name = options.name ?? 'keyfold-secrets';
  if (name.length > 253 || !K8S_NAME_RE.test(name)) {
    throw new UsageError(`invalid Kubernetes Secret name "${name.slice(0, 60)}"`, { hint: 'lower-case letters, digits, - and . (a DNS subdomain)' });
  }
  if (options.namespace !== undefined && (options.namespace.length > 63 || !/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(options.namespace))) {
    throw new UsageError(`invalid Kubernetes namespace "${options.namespace.slice(0, 60)}"`, { hint: 'lower-case letters, digits and - (a DNS label)' });
  }
  const data = Object.fromEntries([...entries].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([k, v]) => [k, Buffer.from(v, 'utf8').toString('base64')]));
  const manifest = {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: {
      name,
      ...(options.namespace ? { namespace: options.namespace } : {}),
      labels: { 'app.kubernetes.io/managed-by': 'keyfold', ...Object.fromEntries(Object.entries(options.labels ?? {}).filter(([k]) => k !== 'app.kubernetes.io/managed-by').sort(([a], [b]) => (a < b ? -1 : 1))) },
    },
    type: 'Opaque',
    data,
  };
  return new Document(manifest, { version: '1.1' }).toString({ lineWidth: 0 });
}

const FORMATS: Record<BundleFormatName, BundleFormat> = {
  dotenv: { encode: (e) => encodeDotenv(e), names: (n) => n.map((x) => `${x}=\n`).join('') },
  shell: { encode: (e) => encodeShell(e), names: (n) => n.map((x) => `export ${x}=''\n`).join('') },
  json: { encode: (e) => encodeJson(new Map(e)) + '\n', names: (n) => encodeJson(n) + '\n' },
  // Every value double-quoted: `yes`, `1_000` or `2001-12-14` stay strings for YAML 1.1 readers too.
  yaml: { encode: (e) => new Document(new Map(e)).toString({ lineWidth: 0, defaultStringType: 'QUOTE_DOUBLE', defaultKeyType: 'PLAIN' }), names: (n) => new Document([...n]).toString() },
  k8s: { encode: encodeK8sSecret },
};

export function encodeBundle(format: string, entries: BundleEntries, options: BundleFormatOptions = {}): string {
  const f = Object.hasOwn(FORMATS, format) ? (FORMATS as Record<string, BundleFormat>)[format] : undefined;
  if (!f) throw new UsageError(`unknown format "${format.slice(0, 40)}"`, { hint: `formats: ${BUNDLE_FORMATS.join(', ')}` });
  return f.encode(entries, options);
}

export function encodeBundleNames(format: string, names: readonly string[]): string {
  const f = Object.hasOwn(FORMATS, format) ? (FORMATS as Record<string, BundleFormat>)[format] : undefined;
  if (!f?.names) throw new UsageError(`--names-only is not available for ${format.slice(0, 40)}`, { hint: 'use --format dotenv, shell, json or yaml' });
  return f.names(names);
}
