/**
 * Key names of an encrypted document, without decrypting: the top-level names and
 * the names env-style targets would see. Pure.
 */
import { envName } from '../kernel/names.js';
import { isMap, isScalar, type Document, type Node, type Pair } from 'yaml';

/** Top-level map keys, in document order. */
export function topLevelKeys(doc: Document): string[] {
  const root = doc.contents as Node | null;
  return isMap(root) ? (root.items as Pair<unknown, unknown>[]).map((p) => keyText(p)) : [];
}

/** The names env-style targets derive: top-level keys, nested ones flattened as `A_B`. */
export function envNames(doc: Document): Array<{ name: string; path: string[] }> {
  const out: Array<{ name: string; path: string[] }> = [];
  const visit = (node: Node | null | undefined, path: string[]): void => {
    if (!isMap(node)) return;
    for (const p of node.items as Pair<unknown, unknown>[]) {
      const keys = [...path, keyText(p)];
      out.push({ name: envName(keys), path: keys });
      visit(p.value as Node | null, keys);
    }
  };
  visit(doc.contents as Node | null, []);
  return out;
}

function keyText(p: Pair<unknown, unknown>): string {
  if (isScalar(p.key)) return String(p.key.source ?? p.key.value);
  // Keys set through the API (doc.setIn) may be plain values rather than nodes.
  return typeof p.key === 'string' || typeof p.key === 'number' || typeof p.key === 'bigint' ? String(p.key) : '?';
}

/** Leaf keys (values, lists) as map-key paths; maps are walked into. */
export function leafKeyPaths(doc: Document): string[][] {
  const out: string[][] = [];
  const visit = (node: Node | null | undefined, path: string[]): void => {
    if (!isMap(node)) {
      if (path.length > 0) out.push(path);
      return;
    }
    for (const p of node.items as Pair<unknown, unknown>[]) visit(p.value as Node | null, [...path, keyText(p)]);
  };
  visit(doc.contents as Node | null, []);
  return out;
}
