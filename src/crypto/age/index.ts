/**
 * age v1 (https://age-encryption.org/v1) restricted to X25519 recipients, on node:crypto only.
 *
 * Interoperates with the age CLI and typage in both directions. Errors:
 * - FormatError: an identity, identity file or recipient string is invalid;
 * - IntegrityError: armor, header or payload malformed, header MAC mismatch, payload
 *   authentication failure;
 * - AccessError: none of the given identities can unwrap the file key.
 * No error message contains key material or plaintext.
 */

import { FormatError } from '../../kernel/errors.js';
import { armorDecode, armorEncode } from './armor.js';
import { decryptAgeFile } from './decrypt.js';
import { encryptAgeFile } from './encrypt.js';
import { parseHeader } from './format.js';
import { X25519Identity, X25519Recipient, generateX25519Identity } from './x25519.js';

export { X25519Identity, X25519Recipient } from './x25519.js';
export type { Stanza } from './format.js';

export interface StanzaInfo {
  type: string;
  args: string[];
}

/**
 * Parse an identity file in age-keygen format: one `AGE-SECRET-KEY-1…` per line; lines starting
 * with `#` and empty lines are ignored; LF or CRLF line endings. Throws FormatError naming the
 * (1-based) line number, never its content; also if the file holds no identity at all.
 */
export function parseIdentities(text: string): X25519Identity[] {
  const identities: X25519Identity[] = [];
  let lineNo = 0;
  let pos = 0;
  while (pos <= text.length) {
    lineNo++;
    let end = text.indexOf('\n', pos);
    const next = end < 0 ? text.length + 1 : end + 1;
    if (end < 0) end = text.length;
    if (end > pos && text.charCodeAt(end - 1) === 13) end--;
    if (end > pos && text.charCodeAt(pos) !== 0x23 /* # */) {
      try {
        identities.push(X25519Identity.parse(text.slice(pos, end)));
      } catch {
        throw new FormatError(`invalid age identity file: line ${lineNo} is not an X25519 identity`, {
          hint: 'identity files contain AGE-SECRET-KEY-1… lines, # comments and blank lines',
        });
      }
    }
    pos = next;
  }
  if (identities.length === 0) {
    throw new FormatError('invalid age identity file: no identities found', {
      hint: 'generate one with `age-keygen`',
    });
  }
  return identities;
}

/** A new random X25519 identity, `AGE-SECRET-KEY-1…`. Secret: never log it. */
export function generateIdentity(): string {
  return generateX25519Identity();
}

/** The `age1…` recipient of an `AGE-SECRET-KEY-1…` identity. Throws FormatError if invalid. */
export function identityToRecipient(identity: string): string {
  return X25519Identity.parse(identity).recipient;
}

/** Validate an `age1…` recipient. Throws FormatError if invalid. */
export function parseRecipient(recipient: string): X25519Recipient {
  return X25519Recipient.parse(recipient);
}

/** Encrypt to the given `age1…` recipients; returns a binary age file. */
export function encrypt(plaintext: Uint8Array, recipients: readonly string[]): Uint8Array {
  return encryptAgeFile(plaintext, recipients.map((r) => X25519Recipient.parse(r)));
}

/** Encrypt to the given `age1…` recipients; returns an ASCII-armored age file. */
export function encryptArmored(plaintext: Uint8Array, recipients: readonly string[]): string {
  return armorEncode(encrypt(plaintext, recipients));
}

/**
 * Decrypt a binary age file. Identities are tried in the given (priority) order against all
 * stanzas; non-X25519 stanzas are skipped.
 */
export function decrypt(file: Uint8Array, identities: readonly X25519Identity[]): Uint8Array {
  return decryptAgeFile(file, identities);
}

/** Decrypt an ASCII-armored age file. */
export function decryptArmored(text: string, identities: readonly X25519Identity[]): Uint8Array {
  return decryptAgeFile(armorDecode(text), identities);
}

/**
 * Parse the armor and header of an armored age file, without any cryptography (the MAC is not
 * checked). For policy checks such as "exactly one X25519 stanza" before decrypting.
 */
export function inspectArmored(text: string): { stanzas: StanzaInfo[] } {
  const header = parseHeader(armorDecode(text));
  return { stanzas: header.stanzas.map((s) => ({ type: s.type, args: [...s.args] })) };
}
