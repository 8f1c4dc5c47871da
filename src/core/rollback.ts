/**
 * S5, no rollback: a changed or added file may not bring back an earlier version — its
 * MAC, or the ciphertext of a value, seen in the history of any file under secrets/
 * but held nowhere in the base — and its `lastmodified` may not go backwards. Stable ciphertext (docs/file-format.md) makes a
 * kept value keep its `ENC[…]` text and gives every new value a fresh IV, so an old
 * ciphertext reappearing is an old value (under an old data key) coming back. Pure.
 */
import { isMap, isScalar, isSeq, type Node, type Pair } from 'yaml';
import { parseSopsFile } from '../sops/file.js';

/** What the rollback check needs of one version of a file. */
export interface VersionFacts {
  mac: string | undefined;
  lastModified: string;
  /** `ENC[…]` text → dotted key name. */
  values: Map<string, string>;
}

/** Facts of one version; undefined when it is not a readable SOPS file. */
export function versionFacts(text: string, file: string): VersionFacts | undefined {
  let parsed;
  try {
    parsed = parseSopsFile(text, file, { strict: false, readOnly: true });
  } catch {
    return undefined;
  }
  const values = new Map<string, string>();
  const visit = (node: Node | null | undefined, name: string): void => {
    if (isMap(node)) {
      for (const p of node.items as Pair<unknown, unknown>[]) {
        const k = isScalar(p.key) ? String(p.key.value) : '?';
        visit(p.value as Node | null, name ? `${name}.${k}` : k);
      }
    } else if (isSeq(node)) {
      node.items.forEach((item, i) => visit(item as Node, `${name}[${i}]`));
    } else if (isScalar(node) && typeof node.value === 'string' && node.value.startsWith('ENC[')) {
      values.set(node.value, name);
    }
  };
  visit(parsed.doc.contents as Node | null, '');
  return { mac: parsed.meta.mac, lastModified: parsed.meta.lastModified, values };
}

export interface RollbackFinding {
  kind: 'mac' | 'lastmodified' | 'value';
  /** The key, for `value`. */
  name?: string;
  message: string;
}

/** A version seen in history: where and when. */
export interface EarlierVersion {
  commit: string;
  /** The file it was, when the index spans several paths. */
  path?: string;
  facts: VersionFacts;
}

/** Every MAC and `ENC[…]` text of earlier versions, newest first, for one lookup each. */
export interface RollbackIndex {
  macs: Map<string, EarlierVersion>;
  values: Map<string, EarlierVersion>;
}

export function indexVersions(versions: Iterable<EarlierVersion>): RollbackIndex {
  const index: RollbackIndex = { macs: new Map(), values: new Map() };
  for (const v of versions) {
    if (v.facts.mac && !index.macs.has(v.facts.mac)) index.macs.set(v.facts.mac, v);
    for (const enc of v.facts.values.keys()) if (!index.values.has(enc)) index.values.set(enc, v);
  }
  return index;
}

/** What the base holds now, anywhere under secrets/: a MAC or value found there is current, not rolled back. */
export interface CurrentFacts {
  macs: ReadonlySet<string>;
  values: ReadonlySet<string>;
}

/**
 * Compare the head version of a file with its base version (same path) and with every
 * earlier version in `earlier` — of this path, or of any file under secrets/ (a revoked
 * value restored under a new name is a rollback too). A MAC or value that the base
 * still holds somewhere (`current`: a renamed or copied file) is not a rollback.
 */
export function findRollbacks(
  head: VersionFacts,
  base: VersionFacts | undefined,
  earlier: RollbackIndex | ReadonlyArray<EarlierVersion>,
  current?: CurrentFacts,
  /** The head file's path: earlier versions of another path are named. */
  headPath?: string,
): RollbackFinding[] {
  const index = 'macs' in earlier ? earlier : indexVersions(earlier);
  const out: RollbackFinding[] = [];
  const where = (v: EarlierVersion) => `${v.path && v.path !== headPath ? `of ${v.path} ` : ''}(commit ${v.commit.slice(0, 12)})`;
  if (head.mac && head.mac !== base?.mac && !current?.macs.has(head.mac)) {
    const hit = index.macs.get(head.mac);
    if (hit) out.push({ kind: 'mac', message: `the MAC equals that of an earlier version ${where(hit)}: the file was rolled back` });
  }
  if (base) {
    const h = Date.parse(head.lastModified);
    const b = Date.parse(base.lastModified);
    if (!Number.isFinite(h) || (Number.isFinite(b) && h < b)) {
      out.push({ kind: 'lastmodified', message: `lastmodified went backwards: earlier than the base version's ${base.lastModified}` });
    }
  }
  // A whole-file rollback is one finding, not one per value.
  if (out.some((f) => f.kind === 'mac')) return out;
  for (const [enc, name] of head.values) {
    if (base?.values.has(enc) || current?.values.has(enc)) continue;
    const hit = index.values.get(enc);
    if (hit) out.push({ kind: 'value', name, message: `${name} holds the ciphertext of an earlier version ${where(hit)}: a rolled-back value` });
  }
  return out;
}
