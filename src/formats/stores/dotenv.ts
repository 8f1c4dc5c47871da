/**
 * The dotenv store (sops `stores/dotenv`): one flat map of `KEY=value` lines, values
 * taken verbatim (no quotes, no `export`) with `\n` standing for a newline, `#` lines
 * as comments (encrypted like values, bound to the top level); the metadata flattened
 * into `sops_*` keys at the end.
 */
import { Document, Pair, Scalar, YAMLMap, isMap, isScalar, isSeq, type Node } from 'yaml';
import { FormatError, UsageError } from '../../kernel/errors.js';
import { MAX_FILE_BYTES } from '../../kernel/limits.js';
import { flattenMetadata, unflattenMetadata } from './flatten.js';
import { notSops } from './nested-metadata.js';
import { valToString } from './val-to-string.js';
import type { SopsStore } from './store.js';
import { utf8Text } from './yaml.js';

const PREFIX = 'sops_';

export const dotenvStore: SopsStore = {
  name: 'dotenv',
  load(text: string, file: string) {
    const { doc, pairs } = parseDotenv(text, file, true);
    if (pairs.length === 0) throw notSops(file);
    return { doc, meta: unflattenMetadata(pairs, file) };
  },
  emit(doc: Document, meta: Record<string, unknown>) {
    const lines = flattenMetadata(meta).map(([k, v]) => `${PREFIX}${k}=${v.replaceAll('\n', '\\n')}\n`);
    return emitDotenv(doc) + lines.join('');
  },
  loadPlain: (bytes: Uint8Array, file: string) => parseDotenv(utf8Text(bytes, file), file, false).doc,
  emitPlain: (doc: Document) => Buffer.from(emitDotenv(doc), 'utf8'),
  indentOf: () => undefined,
  mayBeEncrypted: (text: string) => /^sops_/m.test(text),
  hasMetadata: (doc: Document) => isMap(doc.contents) && doc.contents.items.some((p) => isScalar(p.key) && String(p.key.value).startsWith(PREFIX)),
};

/** Parse dotenv text; with `split`, `sops_*` lines are returned apart (prefix removed). */
function parseDotenv(text: string, file: string, split: boolean): { doc: Document; pairs: Array<[string, string]> } {
  if (Buffer.byteLength(text, 'utf8') > MAX_FILE_BYTES) throw new FormatError(`${file} is larger than ${MAX_FILE_BYTES / 1024 / 1024} MiB`, { file });
  const map = new YAMLMap();
  const pairs: Array<[string, string]> = [];
  let comments: string[] = [];
  text.split('\n').forEach((line, n) => {
    if (line === '') return;
    if (line.startsWith('#')) {
      comments.push(line.slice(1));
      return;
    }
    const eq = line.indexOf('=');
    if (eq < 0) throw new FormatError(`${file}:${n + 1}: not a dotenv line (no "=")`, { file, hint: 'dotenv lines are KEY=value or # comments' });
    const key = line.slice(0, eq);
    const value = line.slice(eq + 1).replaceAll('\\n', '\n');
    if (split && key.startsWith(PREFIX)) {
      pairs.push([key.slice(PREFIX.length), value]);
      return;
    }
    const k = new Scalar(key);
    if (comments.length > 0) k.commentBefore = comments.join('\n');
    comments = [];
    map.items.push(new Pair(k, new Scalar(value)));
  });
  if (comments.length > 0) map.comment = comments.join('\n');
  const doc = new Document(null, { intAsBigInt: true });
  doc.contents = map;
  return { doc, pairs };
}

/** The document as dotenv lines: flat keys only; newlines written as `\n`. */
function emitDotenv(doc: Document): string {
  const root = doc.contents as Node | null;
  if (root !== null && !isMap(root)) throw new UsageError('a dotenv file holds one flat map of keys');
  let out = '';
  const comment = (c: string | null | undefined) => {
    if (c !== null && c !== undefined) for (const line of c.split('\n')) out += `#${line}\n`;
  };
  for (const pair of root?.items ?? []) {
    const key = isScalar(pair.key) ? String(pair.key.value) : String(pair.key);
    if (isScalar(pair.key)) comment(pair.key.commentBefore);
    const v = pair.value as Node | null;
    if (isMap(v) || isSeq(v)) {
      throw new UsageError(`cannot write ${key.slice(0, 100)} as dotenv: it is a map or list`, { hint: 'dotenv holds flat keys; use yaml or json' });
    }
    const value = isScalar(v) ? v.value : v;
    out += `${key}=${(typeof value === 'string' ? value : valToString(value)).replaceAll('\n', '\\n')}\n`;
  }
  if (isMap(root)) comment(root.comment);
  return out;
}
