/**
 * `keyfold git textconv FILE`: what `git diff` and `git log -p` show for a secrets file.
 *
 * By default one line per key — its name and a fingerprint of its ciphertext (the first
 * 12 hex digits of SHA-256 of the `ENC[…]` text) — and one line for the recipients and
 * the data-key envelopes, never a value. Stable ciphertext makes a one-key change one
 * changed line, and nothing needs decrypting, so it works for files the user cannot
 * read. `lastmodified` and `mac` change on every write and are left out.
 *
 * Decrypted values are shown only when the repository's local git config says
 * `keyfold.textconvDecrypt=true` (`keyfold git install --decrypt-diffs`) and the user
 * can decrypt the file; otherwise fingerprints.
 *
 * Git runs this on a temporary copy of a blob, so FILE is no repository path: no
 * secrets/ rule applies to it. It is read with the safe reader (a regular file, size
 * bounded). It never fails: an unreadable or malformed file prints a placeholder line
 * and the command exits 0, so `git log -p` always completes.
 */
import { createHash } from 'node:crypto';
import { resolve } from 'node:path';
import { isMap, isScalar, isSeq, type Document, type Node, type Pair } from 'yaml';
import { isKeyfoldError } from '../../kernel/errors.js';
import { count, printableName } from '../../kernel/names.js';
import { encodeJson } from '../../formats/json.js';
import { formatForPath } from '../../formats/stores/registry.js';
import { openSopsFile, parseSopsFile, type ParsedSopsFile } from '../../sops/file.js';
import { readRegularFile } from '../../repo/read-file.js';
import { getLocalConfig } from '../../repo/git/config.js';
import type { Workspace } from '../context/workspace.js';

/** The local git config key that opts a repository into decrypted diffs. */
export const DECRYPT_DIFFS_KEY = 'keyfold.textconvDecrypt';

/** Short fingerprint: the first 12 hex digits of SHA-256. */
export const fingerprint = (data: string | Uint8Array): string => createHash('sha256').update(data).digest('hex').slice(0, 12);

const HEADER_FINGERPRINTS = '# keyfold: values hidden; each line is a key and a fingerprint of its ciphertext';
const HEADER_UNREADABLE = '# keyfold: values hidden (no identity of yours decrypts this file); each line is a key and a fingerprint of its ciphertext';
const HEADER_DECRYPTED = '# keyfold: decrypted values (keyfold.textconvDecrypt is set in this repository)';

/** The text git shows for FILE. Never throws. */
export async function textconv(ws: Workspace, file: string): Promise<string> {
  const path = resolve(ws.cwd, file);
  let bytes: Buffer;
  try {
    bytes = readRegularFile(path, 'the file');
  } catch (e) {
    return placeholder(isKeyfoldError(e) ? e.code : 'unreadable');
  }
  if (bytes.length === 0) return '';
  const text = bytes.toString('utf8');
  if (!Buffer.from(text, 'utf8').equals(bytes)) return placeholder('not UTF-8', bytes);
  let parsed: ParsedSopsFile;
  try {
    parsed = parseSopsFile(text, 'the file', { strict: false, readOnly: true, format: yamlUnlessKnown(path) });
  } catch (e) {
    return placeholder(isKeyfoldError(e) ? `not a SOPS file: ${e.code}` : 'not a SOPS file', bytes);
  }
  const envelopes = envelopesLine(parsed);
  if (await decryptOptIn(ws)) {
    try {
      const reparsed = parseSopsFile(text, 'the file', { strict: false, format: parsed.format });
      const opened = openSopsFile(reparsed, identitiesOrNone(ws), 'the file');
      return lines([HEADER_DECRYPTED, envelopes, ...leafLines(opened.plain, decryptedValue)]);
    } catch {
      return lines([HEADER_UNREADABLE, envelopes, ...leafLines(parsed.doc, cipherFingerprint)]);
    }
  }
  return lines([HEADER_FINGERPRINTS, envelopes, ...leafLines(parsed.doc, cipherFingerprint)]);
}

/** Whether this repository opted into decrypted diffs (local config only; an agent session never does). */
async function decryptOptIn(ws: Workspace): Promise<boolean> {
  if (ws.options.env['KEYFOLD_SESSION']) return false;
  try {
    return (await getLocalConfig(ws.cwd, DECRYPT_DIFFS_KEY, 'bool')) === 'true';
  } catch {
    return false;
  }
}

function identitiesOrNone(ws: Workspace) {
  try {
    return ws.identities;
  } catch {
    return [];
  }
}

/** sops' format by extension, but YAML where the extension says nothing (git's temp names keep the file's own). */
function yamlUnlessKnown(path: string) {
  const format = formatForPath(path);
  return format === 'binary' ? 'yaml' : format;
}

function placeholder(why: string, bytes?: Buffer): string {
  const content = bytes ? `; content sha256 ${fingerprint(bytes)}, ${bytes.length} bytes` : '';
  return `# keyfold: cannot show this file as a SOPS file (${why})${content}\n`;
}

const lines = (ls: string[]) => ls.join('\n') + '\n';

/** One line: how many recipients, a fingerprint of their sorted list, and one of the envelopes (the data key). */
function envelopesLine(parsed: ParsedSopsFile): string {
  const { groups, threshold } = parsed.meta;
  const recipients = groups.map((g) => g.map((e) => e.recipient).sort().join(',')).join(';');
  const envelopes = groups.map((g) => g.map((e) => `${e.recipient}\n${e.enc}`).join('\n')).join('\n\n');
  const envelopeCount = groups.reduce((n, g) => n + g.length, 0);
  const shape = groups.length > 1 ? ` in ${groups.length} key groups (threshold ${threshold})` : '';
  return `(sops) ${count(envelopeCount, 'recipient')}${shape} ${fingerprint(recipients)}, data key envelopes ${fingerprint(envelopes)}`;
}

function cipherFingerprint(value: unknown): string {
  if (value === null || value === undefined) return '(null)';
  if (typeof value === 'string') {
    if (value === '') return '(empty)';
    return value.startsWith('ENC[') ? `ENC ${fingerprint(value)}` : `plain ${fingerprint(value)}`;
  }
  // A value sops left unencrypted (an `_unencrypted` key): still only its fingerprint.
  return `plain ${fingerprint(valueText(value))}`;
}

function decryptedValue(value: unknown): string {
  if (value instanceof Uint8Array) return `!!binary ${Buffer.from(value).toString('base64')}`;
  return encodeJson(value ?? null, 0);
}

function valueText(value: unknown): string {
  if (value instanceof Uint8Array) return Buffer.from(value).toString('base64');
  return String(value);
}

/** `path: shown(value)` for every leaf of the document, in document order (empty maps and lists too). */
function leafLines(doc: Document, shown: (value: unknown) => string): string[] {
  const out: string[] = [];
  const visit = (node: unknown, path: string): void => {
    if (isMap(node)) {
      if (node.items.length === 0 && path) out.push(`${path}: {}`);
      for (const pair of node.items as Pair<unknown, unknown>[]) {
        const key = isScalar(pair.key) ? String(pair.key.source ?? pair.key.value) : String(pair.key);
        const name = printableName(key);
        visit(pair.value, path ? `${path}.${name}` : name);
      }
    } else if (isSeq(node)) {
      if (node.items.length === 0) out.push(`${path}: []`);
      node.items.forEach((item, i) => visit(item, `${path}[${i}]`));
    } else if (isScalar(node)) {
      out.push(`${path}: ${shown(node.value)}`);
    } else if (node === null || node === undefined) {
      out.push(`${path}: ${shown(null)}`);
    } else {
      out.push(`${path}: ${shown((node as Node).toJSON())}`);
    }
  };
  const root = doc.contents as unknown;
  if (root !== null && root !== undefined) visit(root, '');
  return out;
}
