/** Decrypting the encrypted document with the data key, and verifying its MAC (docs/file-format.md). */
import { timingSafeEqual } from 'node:crypto';
import type { Document, Scalar } from 'yaml';
import { decryptValue } from '../crypto/aes-gcm.js';
import { IntegrityError } from '../kernel/errors.js';
import { decodeScalar, encodeScalar, isTimeNode, macText, markTime, plaintextBytes, type ScalarValue } from '../formats/scalar-codec.js';
import { macAad, type SopsMetadata } from './metadata.js';
import { CipherCache, cacheText } from './cipher-cache.js';
import { MacHash } from './mac.js';
import { aadOf, scalarValue, walk } from './tree-walk.js';

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
  const mac = new MacHash(meta.macOnlyEncrypted);
  walk(doc, meta.selection, meta.commentSelection, file, {
    scalar(node, leaf) {
      const raw = scalarValue(node, leaf);
      if (raw === null) return;
      if (!leaf.encrypted || raw === '') {
        const time = isTimeNode(node);
        const e = encodeScalar(raw, time);
        if (time) cache.values.set(leaf.slot, { text: cacheText(e), type: 'time', enc: '' });
        // Before keyfold read values as sops ≥ 3.10 does, it hashed a timestamp's text
        // and a huge integer's digits; such a file still verifies.
        const legacy = time ? (raw as string) : typeof raw === 'bigint' ? raw.toString(10) : undefined;
        if (!meta.macOnlyEncrypted || leaf.encrypted) mac.add(plaintextBytes(e), legacy === undefined ? undefined : Buffer.from(legacy, 'utf8'));
        return;
      }
      if (typeof raw !== 'string' || !raw.startsWith('ENC[')) {
        throw new IntegrityError(`${leaf.where()} holds a plaintext value where an encrypted one is expected`, {
          hint: 'restore the file from git history, or re-encrypt it with keyfold',
        });
      }
      const { plaintext, type } = decryptValue(raw, dataKey, aadOf(leaf.keys), leaf.where);
      const text = plaintext.toString('utf8');
      let value = decodeScalar(text, type, leaf.where);
      // Bytes that are not UTF-8 stay bytes (a binary file's data, say).
      if (typeof value === 'string' && !Buffer.from(text, 'utf8').equals(plaintext)) value = new Uint8Array(plaintext);
      mac.add(macText(value as Exclude<ScalarValue, null>, type, plaintext));
      const cached = value instanceof Uint8Array ? encodeScalar(value) : { text, type: 'str' as const };
      cache.values.set(leaf.slot, { text: cacheText(cached), type, enc: raw });
      setPlainScalar(node, value);
      markTime(node, type === 'time');
    },
    comment(line, keys, encrypted, where) {
      if (!encrypted || !line.startsWith('ENC[')) return line;
      const text = decryptComment(line, dataKey, keys, where);
      cache.comments.set(`${aadOf(keys)}\u0000${text}`, line);
      return text;
    },
  });
  verifyMac(mac.digests(), dataKey, meta, file);
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

function verifyMac(computed: string[], dataKey: Uint8Array, meta: SopsMetadata, file: string): void {
  if (!meta.mac) throw new IntegrityError(`${file}: the file has no MAC`, { file });
  let stored: string;
  try {
    stored = decryptValue(meta.mac, dataKey, macAad(meta.lastModified), `${file}: sops.mac`).plaintext.toString('utf8');
  } catch {
    throw new IntegrityError(`${file}: MAC or lastmodified was tampered with`, {
      file,
      hint: 'restore the file from git history',
    });
  }
  const a = Buffer.from(stored.toUpperCase(), 'utf8');
  const ok = computed.some((c) => {
    const b = Buffer.from(c, 'utf8');
    return a.length === b.length && timingSafeEqual(a, b);
  });
  if (!ok) {
    throw new IntegrityError(`${file}: MAC mismatch (values were changed, moved, added or removed)`, {
      file,
      hint: 'restore the file from git history',
    });
  }
}
