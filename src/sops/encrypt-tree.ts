/**
 * Encrypting a plaintext document with the data key, and its MAC (DESIGN §3), reusing
 * the cached ciphertext of unchanged values and comments (stable ciphertext).
 */
import { createHash } from 'node:crypto';
import type { Document } from 'yaml';
import { encryptValue } from '../crypto/aes-gcm.js';
import { encodeScalar } from '../formats/scalar-codec.js';
import type { Selection } from './metadata.js';
import type { CipherCache } from './cipher-cache.js';
import { aadOf, scalarValue, walk } from './tree-walk.js';

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
