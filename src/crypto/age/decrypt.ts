/**
 * Opening an age file: parse the header, find an identity that unwraps the file key, verify the
 * header MAC, then decrypt the payload.
 */

import { timingSafeEqual } from 'node:crypto';
import { AccessError, IntegrityError } from '../../kernel/errors.js';
import { asBuffer, headerMac, parseHeader, type ParsedHeader, type Stanza } from './format.js';
import { decryptPayload } from './stream.js';

const SCRYPT_STANZA_TYPE = 'scrypt';

/** Anything that can unwrap a file key from a header's stanzas (X25519Identity in practice). */
export interface Unwrapper {
  unwrap(stanzas: readonly Stanza[]): Uint8Array | null;
}

/**
 * Recover the file key of a parsed header: the first identity (in the caller's priority order)
 * that unwraps a stanza wins, then the header MAC is checked in constant time.
 *
 * @throws AccessError if no identity matches any stanza.
 * @throws IntegrityError if a matching stanza is malformed, the MAC does not verify, or the header
 *   mixes an scrypt stanza with others (forbidden by the spec).
 */
export function unlockHeader(
  file: Uint8Array,
  header: ParsedHeader,
  identities: readonly Unwrapper[],
): Uint8Array {
  const { stanzas } = header;
  if (stanzas.length > 1) {
    for (const s of stanzas) {
      if (s.type === SCRYPT_STANZA_TYPE) {
        throw new IntegrityError('malformed age header: an scrypt stanza must be the only stanza');
      }
    }
  }
  let fileKey: Uint8Array | null = null;
  for (const identity of identities) {
    fileKey = identity.unwrap(stanzas);
    if (fileKey !== null) break;
  }
  if (fileKey === null) {
    throw new AccessError('none of the available age identities can decrypt this file', {
      hint: 'the file is not encrypted to any of your keys; ask for it to be re-encrypted',
    });
  }
  const mac = headerMac(fileKey, asBuffer(file).subarray(0, header.macInputEnd));
  const ok = timingSafeEqual(mac, header.mac);
  if (!ok) {
    fileKey.fill(0);
    throw new IntegrityError('age header MAC mismatch', {
      hint: 'the file header was modified after encryption',
    });
  }
  return fileKey;
}

/** Decrypt a binary age file. */
export function decryptAgeFile(
  file: Uint8Array,
  identities: readonly Unwrapper[],
): Uint8Array {
  const header = parseHeader(file);
  const fileKey = unlockHeader(file, header, identities);
  try {
    return decryptPayload(fileKey, file.subarray(header.payloadOffset));
  } finally {
    fileKey.fill(0);
  }
}
