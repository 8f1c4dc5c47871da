/**
 * S5, no rollback: a changed file may not bring back an earlier version — its MAC, or
 * the ciphertext of a value, seen in the path's history but not in the base version —
 * and its `lastmodified` may not go backwards. Stable ciphertext (DESIGN §3) makes a
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

/**
 * Compare the head version with the base version and the earlier versions of the
 * same path (newest first, each with its commit).
 */
export function findRollbacks(
  head: VersionFacts,
  base: VersionFacts | undefined,
  earlier: ReadonlyArray<{ commit: string; facts: VersionFacts }>,
): RollbackFinding[] {
  const out: RollbackFinding[] = [];
  const short = (c: string) => c.slice(0, 12);
  if (head.mac && head.mac !== base?.mac) {
    const hit = earlier.find((v) => v.facts.mac === head.mac);
    if (hit) out.push({ kind: 'mac', message: `the MAC equals that of an earlier version (commit ${short(hit.commit)}): the file was rolled back` });
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
    if (base?.values.has(enc)) continue;
    const hit = earlier.find((v) => v.facts.values.has(enc));
    if (hit) out.push({ kind: 'value', name, message: `${name} holds the ciphertext of an earlier version (commit ${short(hit.commit)}): a rolled-back value` });
  }
  return out;
}
