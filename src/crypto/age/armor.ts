/**
 * ASCII armor for age files: strict PEM with label "AGE ENCRYPTED FILE", no headers, canonical
 * padded base64 in 64-column lines (the last line 1–64 columns).
 *
 * Leniency matches the reference implementation (age's armor reader and the CCTV test vectors):
 * whitespace-only lines before the BEGIN line, whitespace after the END line, and CRLF line
 * endings are accepted; anything else — spaces inside lines, empty lines, other labels, PEM
 * headers or checksums, non-canonical base64 — is rejected.
 */

import { IntegrityError } from '../../kernel/errors.js';

export const ARMOR_BEGIN = '-----BEGIN AGE ENCRYPTED FILE-----';
export const ARMOR_END = '-----END AGE ENCRYPTED FILE-----';
const COLUMNS = 64;
const LF = 10;
const CR = 13;

function invalid(what: string): IntegrityError {
  return new IntegrityError(`invalid age armor: ${what}`, {
    hint: 'the file is not a complete, unmodified ASCII-armored age file',
  });
}

function isSpace(c: number): boolean {
  // ASCII whitespace: space, \t, \n, \v, \f, \r
  return c === 0x20 || (c >= 0x09 && c <= 0x0d);
}

/** Armor binary age data. The output ends with a newline. */
export function armorEncode(data: Uint8Array): string {
  const b64 = Buffer.from(data.buffer, data.byteOffset, data.byteLength).toString('base64');
  const lines: string[] = [ARMOR_BEGIN];
  for (let i = 0; i < b64.length; i += COLUMNS) lines.push(b64.slice(i, i + COLUMNS));
  lines.push(ARMOR_END, '');
  return lines.join('\n');
}

/** Remove the armor. Throws IntegrityError if `text` is not strictly armored. */
export function armorDecode(text: string): Buffer {
  const n = text.length;
  // Leading whitespace must consist of whole lines: BEGIN has to start a line.
  let pos = 0;
  while (pos < n && isSpace(text.charCodeAt(pos))) pos++;
  if (pos > 0 && text.charCodeAt(pos - 1) !== LF) throw invalid('bad BEGIN line');
  if (!text.startsWith(ARMOR_BEGIN, pos)) throw invalid('bad BEGIN line');
  pos += ARMOR_BEGIN.length;
  if (text.charCodeAt(pos) === CR) pos++;
  if (text.charCodeAt(pos) !== LF) throw invalid('bad BEGIN line');
  pos++;

  let b64 = '';
  let lastLen = COLUMNS;
  for (;;) {
    const nl = text.indexOf('\n', pos);
    const next = nl < 0 ? n : nl + 1;
    let eol = nl < 0 ? n : nl;
    if (eol > pos && text.charCodeAt(eol - 1) === CR) eol--;
    const len = eol - pos;

    if (len === ARMOR_END.length && text.startsWith(ARMOR_END, pos)) {
      for (let i = next; i < n; i++) {
        if (!isSpace(text.charCodeAt(i))) throw invalid('data after END line');
      }
      break;
    }
    if (nl < 0) throw invalid('missing END line');
    // Every line but the last must be full; the last one must be non-empty.
    if (lastLen !== COLUMNS) throw invalid('short line before END line');
    if (len === 0 || len > COLUMNS) throw invalid('bad line length');
    b64 += text.slice(pos, eol);
    lastLen = len;
    pos = next;
  }

  const data = Buffer.from(b64, 'base64');
  // Canonical, padded, no stray characters: re-encoding must reproduce the input exactly. This
  // also rejects padding anywhere but at the very end, and a last line that is not a multiple
  // of 4 columns.
  if (data.toString('base64') !== b64) throw invalid('non-canonical base64');
  return data;
}
