/**
 * A Kubernetes Secret's `data` as keyfold writes it, whichever way it is delivered (a
 * manifest file or server-side apply): the key rule, the 1 MiB bound, and the document
 * to write — every desired value, plus names already there that are neither desired
 * nor pruned (kept as they are).
 */
import { TargetError } from '../../kernel/errors.js';
import { Secret } from '../../kernel/secret.js';
import type { TargetChanges, TargetContents } from '../target.js';

/** The label every Secret keyfold writes carries. */
export const MANAGED_BY = 'app.kubernetes.io/managed-by';

/** Kubernetes' bound on a Secret: the sum of its keys' and values' lengths (apimachinery ValidateSecret). */
export const MAX_SECRET_BYTES = 1024 * 1024;

const KEY_RE = /^[-._a-zA-Z0-9]+$/;

/** Why `name` cannot be a key of a Secret's data (apimachinery IsConfigMapKey), or undefined. */
export function keyProblem(name: string): string | undefined {
  if (name.length > 253) return 'a Kubernetes Secret key has at most 253 characters';
  if (!KEY_RE.test(name)) return 'a Kubernetes Secret key uses only letters, digits, -, _ and .';
  if (name === '.' || name === '..' || name.startsWith('..')) return "a Kubernetes Secret key is not '.' or '..' and does not start with '..'";
  return undefined;
}

export const toBase64 = (value: string): string => Buffer.from(value, 'utf8').toString('base64');

/**
 * Read back in place of every value when the Secret's metadata is not what the target's
 * configuration asks for (its namespace or labels changed, which changes no value): the
 * full compare that a configuration change brings then rewrites the document. No value
 * synced equals it.
 */
const METADATA_CHANGED = '\u0000keyfold: the Secret metadata differs from keyfold.yaml';

/** What a Secret's data (base64 by key) holds, as values (every one as changed when `metadataChanged`). */
export function contentsOf(data: ReadonlyMap<string, string>, metadataChanged = false): TargetContents {
  return new Map([...data].map(([k, v]) => [k, new Secret(metadataChanged ? METADATA_CHANGED : Buffer.from(v, 'base64').toString('utf8'))]));
}

/** The labels keyfold writes: the target's, and managed-by. */
export const labelsFor = (labels: Readonly<Record<string, string>> = {}): Record<string, string> => ({ ...labels, [MANAGED_BY]: 'keyfold' });

/** Whether `have` holds every label of `want` (and, when `exact`, no other). */
export function labelsMatch(have: unknown, want: Readonly<Record<string, string>>, exact: boolean): boolean {
  const h = typeof have === 'object' && have !== null && !Array.isArray(have) ? (have as Record<string, unknown>) : {};
  return Object.entries(want).every(([k, v]) => h[k] === v) && (!exact || Object.keys(h).length === Object.keys(want).length);
}

/**
 * The data to write (base64 by key, sorted): the desired values; and, of the names
 * there now, those neither desired nor being deleted for which `keep` holds, as they are.
 */
export function documentData(current: ReadonlyMap<string, string>, changes: TargetChanges, keep: (name: string) => boolean = () => true): Map<string, string> {
  const pruned = new Set(changes.delete);
  const out = new Map<string, string>();
  for (const [k, v] of current) if (!changes.desired.has(k) && !pruned.has(k) && keep(k)) out.set(k, v);
  for (const [k, v] of changes.desired) out.set(k, toBase64(v.reveal()));
  return new Map([...out].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

/** Refuse a Secret over Kubernetes' 1 MiB before sending or writing it. */
export function checkSize(data: ReadonlyMap<string, string>, what: string): void {
  let total = 0;
  for (const [k, v] of data) total += Buffer.byteLength(k, 'utf8') + Buffer.from(v, 'base64').length;
  if (total > MAX_SECRET_BYTES) {
    throw new TargetError(`${what}: the Secret would hold ${total} bytes, over Kubernetes' limit of ${MAX_SECRET_BYTES} (1 MiB)`, {
      hint: 'split the services that sync to it across several Secrets (one k8s target each)',
    });
  }
}
