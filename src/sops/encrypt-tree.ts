/**
 * Encrypting a plaintext document with the data key, and its MAC (docs/file-format.md), reusing
 * the cached ciphertext of unchanged values and comments (stable ciphertext).
 */
import { Scalar, type Document } from 'yaml';
import { encryptValue } from '../crypto/aes-gcm.js';
import { timeText } from '../formats/go-time.js';
import { encodeScalar, isTimeNode, markTime, plaintextBytes } from '../formats/scalar-codec.js';
import { macAad, type Selection } from './metadata.js';
import { cacheText, type CipherCache } from './cipher-cache.js';
import { MacHash } from './mac.js';
import { aadOf, scalarValue, walk } from './tree-walk.js';

export interface EncryptedTree {
  /** The encrypted document, without the `sops` key. */
  doc: Document;
  /** The encrypted MAC (`ENC[…]`) for `lastModified`. */
  mac: string;
}

/** Which values are encrypted, and which the MAC covers. */
export interface EncryptionRules {
  selection: Selection;
  /** The MAC covers only encrypted values (sops `mac_only_encrypted`). */
  macOnlyEncrypted?: boolean;
}

/**
 * Encrypt a copy of `plain`: every value is bound to its path; values (and comments)
 * whose plaintext, type and position match `cache` keep their ciphertext verbatim.
 */
export function encryptTree(
  plain: Document,
  dataKey: Uint8Array,
  rules: EncryptionRules,
  lastModified: string,
  cache: CipherCache | undefined,
  file: string,
): EncryptedTree {
  const doc = plain.clone();
  const mac = new MacHash(rules.macOnlyEncrypted === true);
  walk(doc, rules.selection, undefined, file, {
    scalar(node, leaf) {
      const raw = scalarValue(node, leaf);
      if (raw === null) return;
      const old = cache?.values.get(leaf.slot);
      // A time stays a time: marked when it was read, or written plain where the file
      // being rewritten had one (an edited text has no marks).
      const wasTime = isTimeNode(node) || (old?.type === 'time' && node.type === Scalar.PLAIN);
      const time = wasTime && typeof raw === 'string' && timeText(raw) !== undefined;
      markTime(node, time);
      const e = encodeScalar(raw, time);
      if (!leaf.encrypted || raw === '') {
        // An integral float left in plaintext must print as a float (`-0.0`, not `-0`),
        // or it reads back as an int: another type, and for -0 another MAC input.
        if (typeof raw === 'number' && Number.isInteger(raw) && !node.minFractionDigits) node.minFractionDigits = 1;
        if (!rules.macOnlyEncrypted || leaf.encrypted) mac.add(plaintextBytes(e));
        return;
      }
      mac.add(plaintextBytes(e));
      const enc = old && old.enc && old.text === cacheText(e) && old.type === e.type ? old.enc : encryptValue(plaintextBytes(e), dataKey, aadOf(leaf.keys), e.type);
      node.value = enc;
      node.type = 'PLAIN';
      // An `ENC[…]` string carries no YAML tag (a `!!binary` value would not print as one).
      delete node.tag;
      markTime(node, false);
      delete node.source;
      delete node.minFractionDigits;
    },
    comment(line, keys, encrypted) {
      if (!encrypted) return line;
      return cache?.comments.get(`${aadOf(keys)}\u0000${line}`) ?? encryptValue(Buffer.from(line, 'utf8'), dataKey, aadOf(keys), 'comment');
    },
  });
  const macText = mac.digests()[0]!;
  return { doc, mac: encryptValue(Buffer.from(macText, 'utf8'), dataKey, macAad(lastModified), 'str') };
}
