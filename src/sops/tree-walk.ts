/**
 * Walking the encrypted document (docs/file-format.md): every scalar value and comment line of a
 * YAML Document in document order, with the map-key path each is bound to.
 *
 * Values are bound to their map-key path (AAD `a:b:`); list indices are not part of
 * it, but are part of the structural slot the stable-ciphertext cache is keyed by.
 */
import { Scalar, isMap, isNode, isScalar, isSeq, type Document, type Node, type Pair } from 'yaml';
import { FormatError } from '../kernel/errors.js';
import type { ScalarValue } from '../formats/scalar-codec.js';
import type { Selection, SopsMetadata } from './metadata.js';

export interface Leaf {
  /** Map keys from the root (the AAD path). */
  keys: readonly string[];
  /** Structural position (keys and list indices), for the stable-ciphertext cache. */
  slot: string;
  /** Human-readable position for error messages (`file: a.b[2]`), built only on demand. */
  where(): string;
  encrypted: boolean;
}

export type Visitor = {
  scalar(node: Scalar, leaf: Leaf): void;
  comment(text: string, keys: readonly string[], encrypted: boolean, where: string): string;
};

/**
 * Walk every scalar value and every comment line of `doc` in document order.
 * `file` names the document in errors.
 */
export function walk(doc: Document, selection: Selection, commentRule: SopsMetadata['commentSelection'], file: string, v: Visitor): void {
  const isEncrypted = (keys: readonly string[]): boolean => selectionEncrypts(selection, keys);
  const commentEncrypted = (keys: readonly string[], text: string): boolean => {
    if (!isEncrypted(keys)) return false;
    if (!commentRule) return true;
    const matches = commentRule.value.test(text);
    return commentRule.kind === 'encrypted_comment_regex' ? matches : !matches;
  };
  const whereOf = (keys: readonly string[]): string => `${file}: ${keys.length ? keys.join('.') : '(top level)'}`;
  const comments = (text: string | null | undefined, keys: readonly string[]): string | null | undefined => {
    if (!text) return text;
    return text
      .split('\n')
      .map((line) => (line === '' ? line : v.comment(line, keys, commentEncrypted(keys, line), whereOf(keys))))
      .join('\n');
  };

  const visit = (node: Node, keys: readonly string[], slot: string, where: string, container: readonly string[]): void => {
    if (isMap(node) || isSeq(node)) {
      if (node.commentBefore) node.commentBefore = comments(node.commentBefore, keys);
      if (node.comment) node.comment = comments(node.comment, keys);
    } else {
      if (node.commentBefore) node.commentBefore = comments(node.commentBefore, container);
      if (node.comment) node.comment = comments(node.comment, container);
    }
    if (isMap(node)) {
      for (const pair of node.items as Pair<unknown, unknown>[]) {
        // Pairs added through the API may hold raw JS keys and values; make them nodes.
        if (!isNode(pair.key)) pair.key = new Scalar(pair.key);
        if (pair.value !== null && pair.value !== undefined && !isNode(pair.value)) pair.value = doc.createNode(pair.value);
        const key = keyString(pair, file, where);
        const k = pair.key as Node;
        if (k.commentBefore) k.commentBefore = comments(k.commentBefore, keys);
        if (k.comment) k.comment = comments(k.comment, keys);
        const childKeys = [...keys, key];
        const childWhere = where ? `${where}.${key}` : key;
        if (pair.value === null || pair.value === undefined) continue;
        visit(pair.value as Node, childKeys, `${slot}\u0000k${key}`, childWhere, keys);
      }
    } else if (isSeq(node)) {
      (node.items as unknown[]).forEach((raw, i) => {
        if (raw === null || raw === undefined) return;
        const item = isNode(raw) ? raw : (node.items[i] = doc.createNode(raw));
        visit(item, keys, `${slot}\u0000i${i}`, `${where}[${i}]`, keys);
      });
    } else if (isScalar(node)) {
      v.scalar(node, { keys, slot, where: () => `${file}: ${where || '(top level)'}`, encrypted: isEncrypted(keys) });
    } else {
      throw new FormatError(`${file}: unsupported YAML node at ${where || 'top level'}`, { file });
    }
  };

  doc.commentBefore = comments(doc.commentBefore, []) ?? null;
  doc.comment = comments(doc.comment, []) ?? null;
  const root = doc.contents as Node | null;
  if (root === null) return;
  if (!isMap(root)) throw new FormatError(`${file}: the top level must be a mapping`, { file });
  visit(root, [], '', '', []);
}

/** Map keys must be strings (sops rejects others); number-like keys become quoted strings. */
function keyString(pair: Pair<unknown, unknown>, file: string, where: string): string {
  const k = pair.key as unknown;
  if (!isScalar(k)) {
    throw new FormatError(`${file}: complex map key at ${where || 'top level'}`, { file, hint: 'use plain string keys' });
  }
  if (typeof k.value === 'string') return k.value;
  // A key such as `123:` or `true:` parses as a number or bool; keep its source text.
  const text = k.source ?? (k.value === null ? '' : String(k.value));
  k.value = text;
  k.type = 'QUOTE_DOUBLE';
  delete k.source;
  return text;
}

/** Whether a value at the map-key path `keys` is encrypted under `selection` (sops' rules). */
export function selectionEncrypts(selection: Selection, keys: readonly string[]): boolean {
  switch (selection.kind) {
    case 'unencrypted_suffix':
      return !keys.some((k) => k.endsWith(selection.value));
    case 'encrypted_suffix':
      return keys.some((k) => k.endsWith(selection.value));
    case 'unencrypted_regex':
      return !keys.some((k) => selection.value.test(k));
    case 'encrypted_regex':
      return keys.some((k) => selection.value.test(k));
  }
}

export const aadOf = (keys: readonly string[]): string => (keys.length ? keys.join(':') + ':' : ':');

export function scalarValue(node: Scalar, leaf: Leaf): ScalarValue {
  const value = node.value as unknown;
  if (value === null || typeof value === 'string' || typeof value === 'bigint' || typeof value === 'boolean') return value;
  if (typeof value === 'number' || value instanceof Uint8Array) return value;
  if (value === undefined) return null;
  throw new FormatError(`${leaf.where()}: unsupported value type`);
}
