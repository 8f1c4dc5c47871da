/**
 * The age v1 header: version line, recipient stanzas, and the MAC line.
 *
 *     age-encryption.org/v1
 *     -> X25519 <base64 share>
 *     <base64 body, 64 columns per line, last line shorter (possibly empty)>
 *     --- <base64 HMAC-SHA-256>
 *     <binary payload>
 *
 * Parsing is as strict as the reference implementation: LF line endings only, canonical unpadded
 * base64, stanza arguments of visible ASCII separated by single spaces, a 32-byte MAC.
 */

import { createHmac } from 'node:crypto';
import { IntegrityError } from '../../kernel/errors.js';
import { decodeNoPad, encodeNoPad } from './base64.js';
import { hkdf32, hkdfInfo } from './hkdf.js';

/** A recipient stanza. `args` excludes the type (the first word after `->`). */
export interface Stanza {
  readonly type: string;
  readonly args: readonly string[];
  readonly body: Uint8Array;
}

export interface ParsedHeader {
  readonly stanzas: Stanza[];
  /** The MAC as written on the `---` line (32 bytes). */
  readonly mac: Buffer;
  /** The MAC covers bytes [0, macInputEnd): everything up to and including `---`. */
  readonly macInputEnd: number;
  /** Offset of the first payload byte (the STREAM nonce). */
  readonly payloadOffset: number;
}

const INTRO = 'age-encryption.org/v1\n';
const INTRO_BYTES = Buffer.from(INTRO, 'latin1');
const LF = 0x0a;
const DASH = 0x2d;
const GT = 0x3e;
const COLUMNS = 64;
const BYTES_PER_LINE = 48;
const MAC_LINE_LENGTH = 4 + 43; // "--- " + unpadded base64 of 32 bytes
const HEADER_LABEL = hkdfInfo('header');
const EMPTY = Buffer.alloc(0);

function malformed(what: string): IntegrityError {
  return new IntegrityError(`malformed age header: ${what}`, {
    hint: 'the file is corrupted or is not an age v1 file',
  });
}

function isValidArg(s: string): boolean {
  if (s.length === 0) return false;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 33 || c > 126) return false;
  }
  return true;
}

/** View any Uint8Array as a Buffer without copying. */
export function asBuffer(u: Uint8Array): Buffer {
  return Buffer.isBuffer(u) ? u : Buffer.from(u.buffer, u.byteOffset, u.byteLength);
}

/** Parse the header at the start of `file`. Throws IntegrityError if it is malformed. */
export function parseHeader(file: Uint8Array): ParsedHeader {
  const buf = asBuffer(file);
  if (buf.length < INTRO.length || INTRO_BYTES.compare(buf, 0, INTRO.length) !== 0) {
    throw malformed('unsupported or missing version line');
  }
  const stanzas: Stanza[] = [];
  let pos = INTRO.length;
  for (;;) {
    const eol = buf.indexOf(LF, pos);
    if (eol < 0) throw malformed('unexpected end of header');

    if (buf[pos] === DASH && buf[pos + 1] === DASH && buf[pos + 2] === DASH) {
      // Closing line: "--- " followed by the MAC, nothing else.
      if (eol - pos !== MAC_LINE_LENGTH || buf[pos + 3] !== 0x20) throw malformed('bad MAC line');
      const mac = decodeNoPad(buf.toString('latin1', pos + 4, eol));
      if (mac === null || mac.length !== 32) throw malformed('bad MAC line');
      return { stanzas, mac, macInputEnd: pos + 3, payloadOffset: eol + 1 };
    }

    if (buf[pos] !== DASH || buf[pos + 1] !== GT) throw malformed('unexpected line');
    const words = buf.toString('latin1', pos, eol).split(' ');
    if (words[0] !== '->' || words.length < 2) throw malformed('bad stanza line');
    for (let i = 1; i < words.length; i++) {
      if (!isValidArg(words[i]!)) throw malformed('bad stanza argument');
    }
    pos = eol + 1;

    // Body: full 64-column lines, terminated by exactly one shorter (possibly empty) line.
    let body: Buffer | null = null;
    let parts: Buffer[] | null = null;
    for (;;) {
      const end = buf.indexOf(LF, pos);
      if (end < 0) throw malformed('unexpected end of header');
      if (end - pos > COLUMNS) throw malformed('stanza body line too long');
      const line = decodeNoPad(buf.toString('latin1', pos, end));
      if (line === null) throw malformed('stanza body is not canonical base64');
      pos = end + 1;
      if (body === null) body = line;
      else (parts ??= [body]).push(line);
      if (line.length < BYTES_PER_LINE) break;
    }
    stanzas.push({
      type: words[1]!,
      args: words.slice(2),
      body: parts === null ? body : Buffer.concat(parts),
    });
  }
}

/** HMAC-SHA-256 of the header (up to and including `---`) under HKDF(fileKey, "", "header"). */
export function headerMac(fileKey: Uint8Array, headerNoMac: Uint8Array): Buffer {
  const key = hkdf32(fileKey, EMPTY, HEADER_LABEL);
  const mac = createHmac('sha256', key).update(headerNoMac).digest();
  key.fill(0);
  return mac;
}

/** Serialise a header for `stanzas`, MACed with `fileKey`. */
export function encodeHeader(stanzas: readonly Stanza[], fileKey: Uint8Array): Buffer {
  let text = INTRO;
  for (const s of stanzas) {
    if (!isValidArg(s.type)) throw new TypeError('age: invalid stanza type');
    let line = '-> ' + s.type;
    for (const a of s.args) {
      if (!isValidArg(a)) throw new TypeError('age: invalid stanza argument');
      line += ' ' + a;
    }
    text += line + '\n';
    const b64 = encodeNoPad(s.body);
    let i = 0;
    for (; i + COLUMNS <= b64.length; i += COLUMNS) text += b64.slice(i, i + COLUMNS) + '\n';
    text += b64.slice(i) + '\n'; // the short (possibly empty) final line
  }
  text += '---';
  const noMac = Buffer.from(text, 'latin1');
  const mac = headerMac(fileKey, noMac);
  return Buffer.concat([noMac, Buffer.from(' ' + encodeNoPad(mac) + '\n', 'latin1')]);
}
