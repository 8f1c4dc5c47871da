/** Producing an age file: random file key, one stanza per recipient, MACed header, payload. */

import { randomBytes } from 'node:crypto';
import { FormatError } from '../../kernel/errors.js';
import { encodeHeader } from './format.js';
import { encryptPayload } from './stream.js';
import type { X25519Recipient } from './x25519.js';

const FILE_KEY_SIZE = 16;

/** Encrypt `plaintext` to every recipient; returns the binary age file. */
export function encryptAgeFile(plaintext: Uint8Array, recipients: readonly X25519Recipient[]): Uint8Array {
  if (recipients.length === 0) {
    throw new FormatError('no age recipients specified', {
      hint: 'at least one recipient is required to encrypt',
    });
  }
  const fileKey = randomBytes(FILE_KEY_SIZE);
  try {
    const stanzas = recipients.map((r) => r.wrap(fileKey));
    return encryptPayload(fileKey, plaintext, encodeHeader(stanzas, fileKey));
  } finally {
    fileKey.fill(0);
  }
}
