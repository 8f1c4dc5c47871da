/**
 * Fully encrypted or not: the values and comments of an encrypted document that sops'
 * selection rule says must be encrypted but are not (docs/threat-model.md: the format does not
 * authenticate which values are encrypted, so `validate` must). Pure; reads no value
 * into any message.
 */
import { isMap, isScalar, isSeq, type Document, type Node, type Pair } from 'yaml';
import { selectionEncrypts } from './tree-walk.js';
import type { Selection } from './metadata.js';

/** `ENC[…]` exactly as sops writes a value (every type sops reads: str, int, float, bool, bytes, time). */
const ENC_VALUE_RE = /^ENC\[AES256_GCM,data:[A-Za-z0-9+/]*={0,2},iv:[A-Za-z0-9+/]+={0,2},tag:[A-Za-z0-9+/]+={0,2},type:(?:str|int|float|bool|bytes|time)\]$/;
const ENC_COMMENT_RE = /^ENC\[AES256_GCM,data:[A-Za-z0-9+/]*={0,2},iv:[A-Za-z0-9+/]+={0,2},tag:[A-Za-z0-9+/]+={0,2},type:comment\]$/;

export interface PlaintextFinding {
  /** Node path (map keys and list indices), to locate the line. */
  path: Array<string | number>;
  /** `a.b[2]`, for messages. */
  name: string;
  kind: 'value' | 'comment' | 'malformed';
}

/**
 * Every plaintext value (other than null and the empty string), malformed `ENC[…]`
 * value and plaintext comment at a position that the selection encrypts.
 */
export function findPlaintext(doc: Document, selection: Selection): PlaintextFinding[] {
  const out: PlaintextFinding[] = [];
  const comments = (text: string | null | undefined, keys: readonly string[], path: Array<string | number>, name: string): void => {
    if (!text || !selectionEncrypts(selection, keys)) return;
    for (const line of text.split('\n')) {
      if (line.trim() !== '' && !ENC_COMMENT_RE.test(line.trim())) {
        out.push({ path, name: name || '(top level)', kind: 'comment' });
        return;
      }
    }
  };
  const visit = (node: Node, keys: readonly string[], path: Array<string | number>, name: string): void => {
    comments(node.commentBefore, keys, path, name);
    comments(node.comment, keys, path, name);
    if (isMap(node)) {
      for (const pair of node.items as Pair<unknown, unknown>[]) {
        const key = isScalar(pair.key) ? String(pair.key.value) : '?';
        if (isScalar(pair.key)) {
          comments(pair.key.commentBefore, keys, path, name);
          comments(pair.key.comment, keys, path, name);
        }
        const value = pair.value as Node | null | undefined;
        if (value === null || value === undefined) continue;
        visit(value, [...keys, key], [...path, key], name ? `${name}.${key}` : key);
      }
    } else if (isSeq(node)) {
      node.items.forEach((item, i) => {
        if (item !== null && item !== undefined) visit(item as Node, keys, [...path, i], `${name}[${i}]`);
      });
    } else if (isScalar(node)) {
      const v = node.value as unknown;
      if (v === null || v === undefined || v === '' || !selectionEncrypts(selection, keys)) return;
      if (typeof v !== 'string' || !v.startsWith('ENC[')) out.push({ path, name, kind: 'value' });
      else if (!ENC_VALUE_RE.test(v)) out.push({ path, name, kind: 'malformed' });
    }
  };
  comments(doc.commentBefore, [], [], '');
  comments(doc.comment, [], [], '');
  const root = doc.contents as Node | null;
  if (root) visit(root, [], [], '');
  return out;
}
