/**
 * The encrypted document: walking a YAML Document's values and comments, encrypting
 * and decrypting them with the data key, and the MAC (DESIGN §3).
 *
 * Values are bound to their map-key path (AAD `a:b:`); list indices are not part of
 * it. Stable ciphertext: `encryptTree` reuses, verbatim, the ciphertext of every value
 * and comment whose plaintext and position did not change since `decryptTree`.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { Document, Scalar, isMap, isNode, isScalar, isSeq, type Node, type Pair, YAMLMap } from 'yaml';
import { decryptValue, encryptValue } from '../crypto/aes-gcm.js';
import { normalizeNumbers } from '../formats/json.js';
import { FormatError, IntegrityError } from '../kernel/errors.js';
import { decodeScalar, encodeScalar, type ScalarValue } from '../formats/scalar-codec.js';
import type { Selection, SopsMetadata } from './metadata.js';

/** Ciphertexts of a decrypted file, for stable re-encryption. */
export class CipherCache {
  readonly values = new Map<string, { text: string; type: string; enc: string }>();
  readonly comments = new Map<string, string>();
}

interface Leaf {
  /** Map keys from the root (the AAD path). */
  keys: readonly string[];
  /** Structural position (keys and list indices), for the stable-ciphertext cache. */
  slot: string;
  /** Human-readable position for error messages (`file: a.b[2]`), built only on demand. */
  where(): string;
  encrypted: boolean;
}

type Visitor = {
  scalar(node: Scalar, leaf: Leaf): void;
  comment(text: string, keys: readonly string[], encrypted: boolean, where: string): string;
};

/**
 * Walk every scalar value and every comment line of `doc` in document order.
 * `file` names the document in errors.
 */
function walk(doc: Document, selection: Selection, commentRule: SopsMetadata['commentSelection'], file: string, v: Visitor): void {
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

const aadOf = (keys: readonly string[]): string => (keys.length ? keys.join(':') + ':' : ':');

function scalarValue(node: Scalar, leaf: Leaf): ScalarValue {
  const value = node.value as unknown;
  if (value === null || typeof value === 'string' || typeof value === 'bigint' || typeof value === 'boolean') return value;
  if (typeof value === 'number') return value;
  if (value === undefined) return null;
  throw new FormatError(`${leaf.where()}: unsupported value type`);
}

export interface DecryptedTree {
  /** The plaintext document (the `sops` key removed), editable and printable. */
  plain: Document;
  cache: CipherCache;
}

/**
 * Decrypt every value and comment of `doc` (which must not contain the `sops` key) in
 * place, and verify the MAC. Throws IntegrityError on any authentication failure.
 */
export function decryptTree(doc: Document, dataKey: Uint8Array, meta: SopsMetadata, file: string): DecryptedTree {
  const cache = new CipherCache();
  const hash = createHash('sha512');
  walk(doc, meta.selection, meta.commentSelection, file, {
    scalar(node, leaf) {
      const raw = scalarValue(node, leaf);
      if (raw === null) return;
      if (!leaf.encrypted || raw === '') {
        if (!meta.macOnlyEncrypted) hash.update(encodeScalar(raw).text, 'utf8');
        return;
      }
      if (typeof raw !== 'string' || !raw.startsWith('ENC[')) {
        throw new IntegrityError(`${leaf.where()} holds a plaintext value where an encrypted one is expected`, {
          hint: 'restore the file from git history, or re-encrypt it with keyfold',
        });
      }
      const { plaintext, type } = decryptValue(raw, dataKey, aadOf(leaf.keys), leaf.where);
      const text = plaintext.toString('utf8');
      hash.update(plaintext);
      cache.values.set(leaf.slot, { text, type, enc: raw });
      setPlainScalar(node, decodeScalar(text, type, leaf.where));
    },
    comment(line, keys, encrypted, where) {
      if (!encrypted || !line.startsWith('ENC[')) return line;
      const text = decryptComment(line, dataKey, keys, where);
      cache.comments.set(`${aadOf(keys)}\u0000${text}`, line);
      return text;
    },
  });
  verifyMac(hash.digest('hex').toUpperCase(), dataKey, meta, file);
  return { plain: doc, cache };
}

/**
 * sops and yaml.v3 do not always agree with the `yaml` package on which mapping a
 * comment belongs to; comments are not authenticated by the MAC, so trying the
 * enclosing paths costs no security.
 */
function decryptComment(line: string, dataKey: Uint8Array, keys: readonly string[], where: string): string {
  for (let n = keys.length; n >= 0; n--) {
    try {
      const { plaintext, type } = decryptValue(line, dataKey, aadOf(keys.slice(0, n)), where);
      if (type !== 'comment') throw new IntegrityError(`${where}: encrypted comment has type other than comment`);
      return plaintext.toString('utf8');
    } catch (e) {
      if (n === 0) throw e;
    }
  }
  throw new IntegrityError(`${where}: encrypted comment failed authentication`);
}

function setPlainScalar(node: Scalar, value: ScalarValue): void {
  node.value = value;
  delete node.source;
  node.type = typeof value === 'string' && value.includes('\n') ? 'BLOCK_LITERAL' : undefined;
  if (typeof value === 'number' && Number.isInteger(value)) node.minFractionDigits = 1;
}

function verifyMac(computed: string, dataKey: Uint8Array, meta: SopsMetadata, file: string): void {
  if (!meta.mac) throw new IntegrityError(`${file}: the file has no MAC`, { file });
  let stored: string;
  try {
    stored = decryptValue(meta.mac, dataKey, meta.lastModified, `${file}: sops.mac`).plaintext.toString('utf8');
  } catch {
    throw new IntegrityError(`${file}: MAC or lastmodified was tampered with`, {
      file,
      hint: 'restore the file from git history',
    });
  }
  const a = Buffer.from(stored.toUpperCase(), 'utf8');
  const b = Buffer.from(computed, 'utf8');
  if (a.length !== b.length || !timingSafeEqual(a, b)) {
    throw new IntegrityError(`${file}: MAC mismatch (values were changed, moved, added or removed)`, {
      file,
      hint: 'restore the file from git history',
    });
  }
}

export interface EncryptedTree {
  /** The encrypted document, without the `sops` key. */
  doc: Document;
  /** The encrypted MAC (`ENC[…]`) for `lastModified`. */
  mac: string;
}

/**
 * Encrypt a copy of `plain`: every value is bound to its path; values (and comments)
 * whose plaintext, type and position match `cache` keep their ciphertext verbatim.
 */
export function encryptTree(
  plain: Document,
  dataKey: Uint8Array,
  selection: Selection,
  lastModified: string,
  cache: CipherCache | undefined,
  file: string,
): EncryptedTree {
  const doc = plain.clone();
  const hash = createHash('sha512');
  walk(doc, selection, undefined, file, {
    scalar(node, leaf) {
      const raw = scalarValue(node, leaf);
      if (raw === null) return;
      const { text, type } = encodeScalar(raw);
      if (!leaf.encrypted || raw === '') {
        // An integral float left in plaintext must print as a float (`-0.0`, not `-0`),
        // or it reads back as an int: another type, and for -0 another MAC input.
        if (typeof raw === 'number' && Number.isInteger(raw) && !node.minFractionDigits) node.minFractionDigits = 1;
        hash.update(text, 'utf8');
        return;
      }
      hash.update(text, 'utf8');
      const old = cache?.values.get(leaf.slot);
      const enc =
        old && old.text === text && old.type === type ? old.enc : encryptValue(Buffer.from(text, 'utf8'), dataKey, aadOf(leaf.keys), type);
      node.value = enc;
      node.type = 'PLAIN';
      delete node.source;
      delete node.minFractionDigits;
    },
    comment(line, keys, encrypted) {
      if (!encrypted) return line;
      return cache?.comments.get(`${aadOf(keys)}\u0000${line}`) ?? encryptValue(Buffer.from(line, 'utf8'), dataKey, aadOf(keys), 'comment');
    },
  });
  const macText = hash.digest('hex').toUpperCase();
  return { doc, mac: encryptValue(Buffer.from(macText, 'utf8'), dataKey, lastModified, 'str') };
}

/** Split the `sops` key off a parsed document; returns its raw JS value. */
export function detachSopsBlock(doc: Document, file: string): Record<string, unknown> {
  const root = doc.contents;
  if (!isMap(root)) throw new FormatError(`${file} is not a SOPS file (no top-level mapping)`, { file });
  const idx = (root as YAMLMap<unknown, unknown>).items.findIndex((p) => isScalar(p.key) && p.key.value === 'sops');
  if (idx < 0) {
    throw new FormatError(`${file} is not a SOPS-encrypted file (no sops metadata)`, {
      file,
      hint: 'encrypt it first with `keyfold encrypt`',
    });
  }
  const [pair] = root.items.splice(idx, 1);
  // Ints parse as bigint; the metadata schema wants plain numbers.
  const value = normalizeNumbers((pair!.value as Node | null)?.toJSON() ?? null);
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new FormatError(`${file}: the sops metadata is not a mapping`, { file });
  }
  return value as Record<string, unknown>;
}

/** Append the `sops` block to an encrypted document. */
export function attachSopsBlock(doc: Document, sops: Record<string, unknown>): void {
  let root = doc.contents as Node | null;
  if (!isMap(root)) {
    root = new YAMLMap();
    doc.contents = root;
  }
  (root as YAMLMap).add(doc.createPair('sops', sops));
}
