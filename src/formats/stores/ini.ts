/**
 * The INI store (sops `stores/ini` over gopkg.in/ini.v1): a map of sections, each a map
 * of string values; keys before the first section belong to `DEFAULT` (left out when
 * empty). Comment lines before a section or a key (and a value's inline comment) are
 * that section's or key's comment, bound to the section. The metadata is the `[sops]`
 * section, flattened, newlines written as `\n`. Written as ini.v1 writes: `=` aligned
 * within a section, a blank line between sections.
 */
import { Document, Pair, Scalar, YAMLMap, isMap, isScalar, isSeq, type Node } from 'yaml';
import { FormatError, UsageError } from '../../kernel/errors.js';
import { MAX_FILE_BYTES } from '../../kernel/limits.js';
import { flattenMetadata, unflattenMetadata } from './flatten.js';
import { notSops } from './nested-metadata.js';
import type { SopsStore } from './store.js';
import { valToString } from './val-to-string.js';
import { utf8Text } from './yaml.js';

const DEFAULT = 'DEFAULT';

export const iniStore: SopsStore = {
  name: 'ini',
  load(text: string, file: string) {
    const doc = parseIni(text, file);
    const root = doc.contents as YAMLMap;
    const idx = root.items.findIndex((p) => (p.key as Scalar).value === 'sops');
    if (idx < 0) throw notSops(file);
    if (root.items.findIndex((p, i) => i > idx && (p.key as Scalar).value === 'sops') >= 0) throw new FormatError(`${file}: more than one [sops] section`, { file });
    const [section] = root.items.splice(idx, 1);
    const pairs = ((section!.value as YAMLMap).items as Pair<Scalar, Scalar>[]).map((p) => [String(p.key.value), String(p.value?.value ?? '').replaceAll('\\n', '\n')] as [string, string]);
    return { doc, meta: unflattenMetadata(pairs, file) };
  },
  emit(doc: Document, meta: Record<string, unknown>) {
    const sops = new YAMLMap();
    for (const [k, v] of flattenMetadata(meta)) sops.items.push(new Pair(new Scalar(k), new Scalar(v.replaceAll('\n', '\\n'))));
    const copy = doc.clone();
    if (!isMap(copy.contents)) copy.contents = new YAMLMap() as never;
    (copy.contents as YAMLMap).items.push(new Pair(new Scalar('sops'), sops));
    return emitIni(copy);
  },
  loadPlain: (bytes: Uint8Array, file: string) => parseIni(utf8Text(bytes, file), file),
  emitPlain: (doc: Document) => Buffer.from(emitIni(doc), 'utf8'),
  indentOf: () => undefined,
  mayBeEncrypted: (text: string) => /^\s*\[sops\]/m.test(text),
  hasMetadata: (doc: Document) => isMap(doc.contents) && doc.contents.has('sops'),
};

/** ini.v1's reader with sops' options (non-unique sections, inline comments, continuations). */
export function parseIni(text: string, file: string): Document {
  if (Buffer.byteLength(text, 'utf8') > MAX_FILE_BYTES) throw new FormatError(`${file} is larger than ${MAX_FILE_BYTES / 1024 / 1024} MiB`, { file });
  const lines = text.replace(/^\uFEFF/, '').split('\n');
  const root = new YAMLMap();
  const defaults = new YAMLMap();
  root.items.push(new Pair(new Scalar(DEFAULT), defaults));
  let section = defaults;
  let comment: string[] = [];
  let n = 0;
  const fail = (why: string): never => {
    throw new FormatError(`${file}:${n}: not valid INI (${why})`, { file });
  };
  const next = (): string | undefined => (n < lines.length ? lines[n++] : undefined);
  for (let raw = next(); raw !== undefined; raw = next()) {
    const line = raw.trimStart();
    if (line.trim() === '') continue;
    if (line[0] === '#' || line[0] === ';') {
      comment.push(line.trim());
      continue;
    }
    if (line[0] === '[') {
      const close = line.lastIndexOf(']');
      if (close < 0) fail('unclosed section header');
      const name = line.slice(1, close);
      const rest = line.slice(close + 1);
      const c = rest.search(/[#;]/);
      if (c >= 0) comment.push(rest.slice(c).trim());
      if (name === DEFAULT && defaults.items.length === 0 && section === defaults) section = defaults;
      else {
        section = new YAMLMap();
        root.items.push(new Pair(new Scalar(name), section));
      }
      if (comment.length) section.commentBefore = stripComments(comment);
      comment = [];
      continue;
    }
    const [key, offset] = keyName(line, fail);
    const value = readValue(line.slice(offset), next, comment, fail);
    const existing = section.items.find((p) => (p.key as Scalar).value === key);
    const k = (existing?.key as Scalar | undefined) ?? new Scalar(key);
    if (existing) (existing.value as Scalar).value = value;
    else section.items.push(new Pair(k, new Scalar(value)));
    k.commentBefore = comment.length ? stripComments(comment) : undefined;
    comment = [];
  }
  if (defaults.items.length === 0 && !defaults.commentBefore) root.items.shift();
  const doc = new Document(null, { intAsBigInt: true });
  doc.contents = root;
  return doc;
}

/** sops' stripCommentChar on ini.v1's comment block, one line per comment line. */
function stripComments(lines: string[]): string {
  return lines.map((l) => (l[0] === ';' ? l.replace(/^[; ]+/, '') : l.replace(/^[# ]+/, ''))).join('\n');
}

function keyName(line: string, fail: (why: string) => never): [string, number] {
  const quote = line.startsWith('"""') && line.length > 6 ? '"""' : line[0] === '"' ? '"' : line[0] === '`' ? '`' : '';
  if (quote) {
    const end = line.indexOf(quote, quote.length);
    if (end < 0) fail('missing closing key quote');
    const d = line.slice(end + quote.length).search(/[=:]/);
    if (d < 0) fail('no "=" after the key');
    return [line.slice(quote.length, end).trim(), end + quote.length + d + 1];
  }
  const d = line.search(/[=:]/);
  if (d < 0) fail('a line that is neither a section, a key nor a comment');
  if (d === 0) fail('empty key name');
  return [line.slice(0, d).trim(), d + 1];
}

function readValue(input: string, next: () => string | undefined, comment: string[], fail: (why: string) => never): string {
  let line = input.trimStart();
  if (line.trim() === '') return '';
  const quote = line.length > 3 && line.startsWith('"""') ? '"""' : line[0] === '`' ? '`' : '';
  if (quote) {
    const body = line.slice(quote.length);
    const end = body.lastIndexOf(quote);
    if (end >= 0) return body.slice(0, end);
    let value = body + '\n';
    for (;;) {
      const more = next();
      if (more === undefined) return fail('missing closing quote of a multi-line value');
      const pos = more.lastIndexOf(quote);
      if (pos >= 0) {
        const c = more.slice(pos).search(/[#;]/);
        if (c >= 0) comment.push(more.slice(pos + c).trim());
        return value + more.slice(0, pos);
      }
      value += more + '\n';
    }
  }
  line = line.trim();
  if (line.endsWith('\\')) {
    let value = line.slice(0, -1);
    for (;;) {
      const more = next()?.trim() ?? '';
      if (more === '') return value;
      value += more;
      if (!value.endsWith('\\')) return value;
      value = value.slice(0, -1);
    }
  }
  const c = line.search(/[#;]/);
  if (c >= 0) {
    comment.push(line.slice(c));
    line = line.slice(0, c).trim();
  }
  for (const q of ['"', "'"]) {
    if (line.length >= 2 && line.startsWith(q) && line.endsWith(q) && line.indexOf(q, 1) === line.length - 1) return line.slice(1, -1);
  }
  return line;
}

/** The document as ini.v1 writes it. */
function emitIni(doc: Document): string {
  const root = doc.contents as Node | null;
  if (root !== null && !isMap(root)) throw new UsageError('an INI file holds a map of sections');
  const out: string[] = [];
  const items = (root?.items ?? []) as Pair[];
  items.forEach((pair, i) => {
    const name = isScalar(pair.key) ? String(pair.key.value) : String(pair.key);
    const section = pair.value as Node | null;
    if (!isMap(section)) throw new UsageError(`cannot write ${name.slice(0, 100)} as INI: a top-level value must be a section (a map)`, { hint: 'use yaml or json' });
    commentLines(section.commentBefore, (l) => out.push(l), false);
    const pairs = section.items as Pair[];
    if (i > 0 || name.toUpperCase() !== DEFAULT) out.push(`[${name}]`);
    else if (pairs.length === 0) return;
    const keys = pairs.map((p) => quoteKey(isScalar(p.key) ? String(p.key.value) : String(p.key)));
    const width = Math.max(0, ...keys.map((k) => k.length));
    pairs.forEach((p, j) => {
      if (isScalar(p.key)) commentLines(p.key.commentBefore, (l) => out.push(l), true);
      const v = p.value as Node | null;
      if (isMap(v) || isSeq(v)) throw new UsageError(`cannot write ${name.slice(0, 60)}.${keys[j]!.slice(0, 60)} as INI: it is a map or list`, { hint: 'use yaml or json' });
      const value = isScalar(v) ? v.value : v;
      out.push(`${keys[j]!.padEnd(width)} = ${quoteValue(typeof value === 'string' ? value : valToString(value))}`);
    });
    if (i < items.length - 1) out.push('');
  });
  return out.map((l) => `${l}\n`).join('');
}

function commentLines(comment: string | null | undefined, push: (line: string) => void, trim: boolean): void {
  if (comment === null || comment === undefined) return;
  for (const line of comment.split('\n')) {
    if (line.startsWith('#') || line.startsWith(';')) push(`${line[0]} ${line.slice(1).trim()}`);
    else push(`; ${trim ? line.trim() : line}`);
  }
}

function quoteKey(k: string): string {
  if (k.includes('"') || /[=:]/.test(k)) return `\`${k}\``;
  if (k.includes('`')) return `"""${k}"""`;
  return k;
}

function quoteValue(v: string): string {
  if (/[\n`]/.test(v)) return `"""${v}"""`;
  if (/[#;]/.test(v)) return `\`${v}\``;
  if (v.trim() !== v) return `"${v}"`;
  return v;
}
