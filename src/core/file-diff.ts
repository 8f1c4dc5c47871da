/**
 * Key-level differences between two versions of an encrypted file, without
 * decrypting: stable ciphertext (docs/file-format.md) means a value's `ENC[…]` text changes
 * exactly when its plaintext changed — unless the file got a fresh data key, which
 * changes every value and every envelope at once ("re-encrypted").
 */
import { isScalar, isSeq, type Node } from 'yaml';
import { leafKeyPaths } from '../formats/document-keys.js';
import { normalizeNumbers } from '../formats/json.js';
import { parseSopsLayoutPlain, type PlainValue } from '../formats/stores/yaml-layout.js';
import { MAX_FILE_BYTES } from '../kernel/limits.js';
import { parseSopsFile } from '../sops/file.js';
import { parseSopsMetadata, type SopsMetadata } from '../sops/metadata.js';

/** What history needs of one version of a file. */
export interface FileSnapshot {
  /** Key name (nested maps dotted, a list as one key) → its ciphertext fingerprint. */
  keys: Map<string, string>;
  /** age recipients per key group. */
  groups: string[][];
  threshold: number;
  /** The envelopes' texts; all change together when the data key changes. */
  envelopes: Set<string>;
}

/**
 * Parse a version of a file; undefined when it is not a readable SOPS file. History
 * parses every version of every file: the plain sops layout is read as plain values
 * (no yaml nodes), anything else through the full parser, with the same result.
 */
export function snapshotOf(text: string, file: string): FileSnapshot | undefined {
  return leanSnapshot(text, file) ?? fullSnapshot(text, file);
}

/** A snapshot from the lean reader's plain values; undefined to leave the file to the full parser. */
function leanSnapshot(text: string, file: string): FileSnapshot | undefined {
  if (Buffer.byteLength(text, 'utf8') > MAX_FILE_BYTES) return undefined;
  const root = parseSopsLayoutPlain(text);
  const sops = root?.get('sops');
  if (!root || !(sops instanceof Map)) return undefined;
  const raw = plainObject(sops);
  if (raw === undefined) return undefined;
  let meta: SopsMetadata;
  try {
    meta = parseSopsMetadata(raw, file);
  } catch {
    return undefined;
  }
  const keys = new Map<string, string>();
  const visit = (v: PlainValue, path: string): boolean => {
    if (!(v instanceof Map)) {
      const fp = plainFingerprint(v);
      if (fp === undefined) return false;
      keys.set(path, fp);
      return true;
    }
    for (const [k, x] of v) if (!visit(x, path ? `${path}.${k}` : k)) return false;
    return true;
  };
  for (const [k, v] of root) if (k !== 'sops' && !visit(v, k)) return undefined;
  return snapshotFrom(keys, meta);
}

/** `fingerprint` of the node these plain values came from; undefined for a map in a list (left to the full parser). */
function plainFingerprint(v: PlainValue): string | undefined {
  if (Array.isArray(v)) {
    const items = v.map(plainFingerprint);
    return items.some((i) => i === undefined) ? undefined : `l:${items.join('\u0000')}`;
  }
  return v instanceof Map ? undefined : `s:${String(v)}`;
}

/**
 * The sops block as the metadata schema reads it, as `detachSopsBlock` gives it: maps
 * as objects, integers as numbers where exact (its `normalizeNumbers`).
 */
function plainObject(v: PlainValue): unknown {
  if (Array.isArray(v)) {
    const items = v.map(plainObject);
    return items.includes(undefined) ? undefined : items;
  }
  if (typeof v === 'bigint') return normalizeNumbers(v);
  if (!(v instanceof Map)) return v;
  const out: Record<string, unknown> = {};
  for (const [k, x] of v) {
    const y = plainObject(x);
    if (y === undefined || k === '__proto__') return undefined;
    out[k] = y;
  }
  return out;
}

function snapshotFrom(keys: Map<string, string>, meta: SopsMetadata): FileSnapshot {
  return {
    keys,
    groups: meta.groups.map((g) => g.map((e) => e.recipient)),
    threshold: meta.threshold,
    envelopes: new Set(meta.groups.flatMap((g) => g.map((e) => e.enc))),
  };
}

/** The full parser's snapshot (exported for the test that the lean one agrees). */
export function fullSnapshot(text: string, file: string): FileSnapshot | undefined {
  let parsed;
  try {
    parsed = parseSopsFile(text, file, { strict: false, readOnly: true });
  } catch {
    return undefined;
  }
  const keys = new Map<string, string>();
  for (const path of leafKeyPaths(parsed.doc)) keys.set(path.join('.'), fingerprint(parsed.doc.getIn(path, true) as Node | null));
  return snapshotFrom(keys, parsed.meta);
}

/** Whether a fingerprint holds ciphertext (so it changes with the data key). */
const isSealed = (fp: string): boolean => fp.includes('ENC[AES256_GCM,');

function fingerprint(v: Node | null): string {
  if (v === null || v === undefined) return 'null';
  if (isScalar(v)) return `s:${String(v.value)}`;
  if (isSeq(v)) return `l:${v.items.map((i) => fingerprint(i as Node)).join('\u0000')}`;
  return `?:${String(v)}`;
}

export interface KeyDiff {
  added: string[];
  removed: string[];
  /** Keys whose ciphertext changed: their value changed (unless `reencrypted`). */
  changed: string[];
  recipientsAdded: string[];
  recipientsRemoved: string[];
  /**
   * The file got a fresh data key: every envelope and every value's ciphertext changed,
   * so which values really changed cannot be told without decrypting.
   */
  reencrypted: boolean;
}

/** Compare two versions (either may be absent: a file created or deleted). */
export function diffSnapshots(before: FileSnapshot | undefined, after: FileSnapshot | undefined): KeyDiff {
  const b = before?.keys ?? new Map<string, string>();
  const a = after?.keys ?? new Map<string, string>();
  const added = [...a.keys()].filter((k) => !b.has(k));
  const removed = [...b.keys()].filter((k) => !a.has(k));
  const common = [...a.keys()].filter((k) => b.has(k));
  const changed = common.filter((k) => a.get(k) !== b.get(k));
  const rb = new Set(before?.groups.flat() ?? []);
  const ra = new Set(after?.groups.flat() ?? []);
  const sharedEnvelope = before && after ? [...after.envelopes].some((e) => before.envelopes.has(e)) : true;
  // A fresh data key re-encrypts every value; one kept ciphertext proves the key was kept.
  // Values that are never encrypted (empty strings, nulls, `_unencrypted` keys) keep
  // their text under any data key, so they prove nothing either way.
  const sealed = common.filter((k) => isSealed(a.get(k)!) || isSealed(b.get(k)!));
  const reencrypted = Boolean(before && after && !sharedEnvelope && sealed.every((k) => a.get(k) !== b.get(k)));
  return {
    added,
    removed,
    changed,
    recipientsAdded: [...ra].filter((r) => !rb.has(r)).sort(),
    recipientsRemoved: [...rb].filter((r) => !ra.has(r)).sort(),
    reencrypted,
  };
}

/**
 * A merge commit's own changes to a file: of its changes against the first parent,
 * those that also differ from every other parent (a conflict resolution, or an edit
 * made in the merge). Changes that came in from one side are that side's commits'.
 */
export function ownMergeChanges(first: KeyDiff, others: KeyDiff[]): KeyDiff {
  const all = (pick: (o: KeyDiff) => string[]) => (k: string) => others.every((o) => pick(o).includes(k));
  const differs = all((o) => [...o.added, ...o.changed]);
  return {
    added: first.added.filter(differs),
    removed: first.removed.filter(all((o) => o.removed)),
    changed: first.changed.filter(differs),
    recipientsAdded: first.recipientsAdded.filter(all((o) => o.recipientsAdded)),
    recipientsRemoved: first.recipientsRemoved.filter(all((o) => o.recipientsRemoved)),
    reencrypted: first.reencrypted && others.every((o) => o.reencrypted),
  };
}
