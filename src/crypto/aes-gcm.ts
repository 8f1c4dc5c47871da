/**
 * sops' value cipher: AES-256-GCM with a 32-byte IV and the key path as AAD, written
 * as `ENC[AES256_GCM,data:<b64>,iv:<b64>,tag:<b64>,type:<t>]`.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { IntegrityError } from '../kernel/errors.js';

const IV_BYTES = 32;
const TAG_BYTES = 16;
const ENC_RE =
  /^ENC\[AES256_GCM,data:([A-Za-z0-9+/]*={0,2}),iv:([A-Za-z0-9+/]+={0,2}),tag:([A-Za-z0-9+/]+={0,2}),type:([a-z]+)\]$/;

export interface EncryptedValue {
  plaintext: Buffer;
  type: string;
}

export function encryptValue(plaintext: Uint8Array, key: Uint8Array, aad: string, type: string): string {
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_BYTES });
  cipher.setAAD(Buffer.from(aad, 'utf8'));
  const data = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  const tag = cipher.getAuthTag();
  return `ENC[AES256_GCM,data:${data.toString('base64')},iv:${iv.toString('base64')},tag:${tag.toString('base64')},type:${type}]`;
}

/**
 * Decrypt one `ENC[...]` value. Throws IntegrityError (naming `where`, never the
 * content) when the text is malformed or authentication fails.
 */
export function decryptValue(enc: string, key: Uint8Array, aad: string, where: string | (() => string)): EncryptedValue {
  const m = ENC_RE.exec(enc);
  if (!m) throw new IntegrityError(`malformed encrypted value at ${place(where)}`);
  const iv = Buffer.from(m[2]!, 'base64');
  const tag = Buffer.from(m[3]!, 'base64');
  if (iv.length !== IV_BYTES || tag.length !== TAG_BYTES) {
    throw new IntegrityError(`malformed encrypted value at ${place(where)} (IV or tag length)`);
  }
  const decipher = createDecipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_BYTES });
  decipher.setAAD(Buffer.from(aad, 'utf8'));
  decipher.setAuthTag(tag);
  const data = Buffer.from(m[1]!, 'base64');
  try {
    const plaintext = Buffer.concat([decipher.update(data), decipher.final()]);
    return { plaintext, type: m[4]! };
  } catch {
    throw new IntegrityError(`value at ${place(where)} failed authentication (tampered, moved, or wrong data key)`, {
      hint: 'restore the file from git history; the ciphertext or its position changed',
    });
  }
}

const place = (where: string | (() => string)): string => (typeof where === 'string' ? where : where());
