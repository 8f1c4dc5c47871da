/**
 * The JSON store (sops `stores/json`): key order kept, integers within int64 as ints
 * and every other number as a float (Go's `json.Number` rules), metadata under a
 * `sops` key, written as Go's `json.Marshal` + `json.Indent` write it (tab indentation
 * by default; a rewritten file keeps its own), except that an integral float is
 * written `7.0`, not `7`, so that it stays a float.
 */
import { Document, Pair, Scalar, YAMLMap, YAMLSeq, isMap, isScalar, isSeq, type Node } from 'yaml';
import { FormatError, UsageError } from '../../kernel/errors.js';
import { MAX_DEPTH, MAX_FILE_BYTES } from '../../kernel/limits.js';
import { attachSopsBlock, detachSopsBlock, hasSopsKey } from './nested-metadata.js';
import type { Indent, SopsStore } from './store.js';
import { utf8Text } from './yaml.js';

export const jsonStore: SopsStore = {
  name: 'json',
  load(text: string, file: string) {
    const doc = parseJsonDocument(text, file);
    return { doc, meta: detachSopsBlock(doc, file) };
  },
  emit(doc: Document, meta: Record<string, unknown>, indent?: Indent) {
    attachSopsBlock(doc, meta);
    return emitJson(doc, indent);
  },
  loadPlain: (bytes: Uint8Array, file: string) => parseJsonDocument(utf8Text(bytes, file), file),
  emitPlain: (doc: Document, indent?: Indent) => Buffer.from(emitJson(doc, indent), 'utf8'),
  indentOf(text: string) {
    const m = /^[{[][ \t]*\r?\n([ \t]+)\S/.exec(text.trimStart());
    if (!m) return undefined;
    return m[1]!.startsWith('\t') ? 'tab' : m[1]!.length;
  },
  mayBeEncrypted: (text: string) => /"sops"\s*:/.test(text),
  hasMetadata: hasSopsKey,
};

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

/** Parse a JSON object into a Document. Errors name the line, never the content. */
export function parseJsonDocument(text: string, file: string): Document {
  if (Buffer.byteLength(text, 'utf8') > MAX_FILE_BYTES) {
    throw new FormatError(`${file} is larger than ${MAX_FILE_BYTES / 1024 / 1024} MiB`, { file });
  }
  let i = 0;
  const fail = (what: string): never => {
    const line = text.slice(0, i).split('\n').length;
    throw new FormatError(`${file}:${line}: not valid JSON (${what})`, { file, hint: 'fix the JSON syntax' });
  };
  const ws = () => {
    while (i < text.length && ' \t\r\n'.includes(text[i]!)) i++;
  };
  const string = (): string => {
    const start = i++;
    while (i < text.length && text[i] !== '"') {
      const c = text.charCodeAt(i);
      if (c < 0x20) fail('control character in a string');
      i += text[i] === '\\' ? 2 : 1;
    }
    if (i >= text.length) fail('unterminated string');
    i++;
    try {
      return JSON.parse(text.slice(start, i)) as string;
    } catch {
      return fail('bad escape in a string');
    }
  };
  const value = (depth: number): Node => {
    if (depth > MAX_DEPTH) fail('nesting too deep');
    ws();
    const c = text[i];
    if (c === '{') {
      i++;
      const map = new YAMLMap();
      const seen = new Set<string>();
      ws();
      if (text[i] === '}') return i++, map;
      for (;;) {
        ws();
        if (text[i] !== '"') fail('expected a key');
        const key = string();
        if (seen.has(key)) fail('duplicate key');
        seen.add(key);
        ws();
        if (text[i++] !== ':') fail('expected ":"');
        map.items.push(new Pair(new Scalar(key), value(depth + 1)));
        ws();
        const d = text[i++];
        if (d === '}') return map;
        if (d !== ',') fail('expected "," or "}"');
      }
    }
    if (c === '[') {
      i++;
      const seq = new YAMLSeq();
      ws();
      if (text[i] === ']') return i++, seq;
      for (;;) {
        seq.items.push(value(depth + 1));
        ws();
        const d = text[i++];
        if (d === ']') return seq;
        if (d !== ',') fail('expected "," or "]"');
      }
    }
    if (c === '"') return new Scalar(string());
    for (const [word, v] of [['true', true], ['false', false], ['null', null]] as const) {
      if (text.startsWith(word, i)) {
        i += word.length;
        return new Scalar(v);
      }
    }
    const m = /^-?(?:0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/.exec(text.slice(i, i + 1100));
    if (!m) return fail('unexpected character');
    i += m[0].length;
    if (!m[1] && !m[2]) {
      const n = BigInt(m[0]);
      if (n >= INT64_MIN && n <= INT64_MAX) return new Scalar(n);
    }
    const f = Number(m[0]);
    if (!Number.isFinite(f)) fail('number out of range');
    return new Scalar(f);
  };
  ws();
  if (text[i] !== '{') fail('sops reads only JSON files whose top level is an object');
  const root = value(1);
  ws();
  if (i < text.length) fail('data after the top-level object');
  const doc = new Document(null, { intAsBigInt: true });
  doc.contents = root;
  return doc;
}

/** A document as Go's json.Marshal and json.Indent would write it, with a final newline. */
export function emitJson(doc: Document, indent: Indent = 'tab'): string {
  const step = indent === 'tab' ? '\t' : ' '.repeat(indent);
  const write = (node: unknown, pad: string): string => {
    const inner = pad + step;
    if (isMap(node)) {
      const items = (node.items as Pair[]).map((p) => `${inner}${goString(keyOf(p.key))}: ${write(p.value, inner)}`);
      return items.length ? `{\n${items.join(',\n')}\n${pad}}` : '{}';
    }
    if (isSeq(node)) {
      const items = node.items.map((x) => inner + write(x, inner));
      return items.length ? `[\n${items.join(',\n')}\n${pad}]` : '[]';
    }
    return goScalar(isScalar(node) ? node.value : node);
  };
  return write(doc.contents, '') + '\n';
}

function keyOf(key: unknown): string {
  const v = isScalar(key) ? key.value : key;
  return typeof v === 'string' ? v : String(v);
}

function goScalar(v: unknown): string {
  if (v === null || v === undefined) return 'null';
  if (typeof v === 'string') return goString(v);
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  if (typeof v === 'bigint') return v.toString(10);
  if (v instanceof Uint8Array) return goString(Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('utf8'));
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) throw new UsageError('JSON cannot hold NaN or an infinite number', { hint: 'use another output format' });
    // Go uses an exponent below 1e-6 and from 1e21 on, as JavaScript does. Unlike Go, an
    // integral float keeps a `.0`, so that it reads back as a float (not an int).
    const text = Object.is(v, -0) ? '-0' : String(v);
    return /[.e]/.test(text) ? text : `${text}.0`;
  }
  if (v instanceof Map || (typeof v === 'object' && v !== null)) throw new UsageError('JSON: unexpected value in the document');
  return goString(String(v));
}

const ESCAPES: Record<string, string> = { '"': '\\"', '\\': '\\\\', '\b': '\\b', '\f': '\\f', '\n': '\\n', '\r': '\\r', '\t': '\\t' };

/** json.Marshal of a string: HTML characters, U+2028/2029 and lone surrogates escaped too. */
export function goString(s: string): string {
  // eslint-disable-next-line no-control-regex
  const body = s.replace(/[\u0000-\u001f"\\<>&\u2028\u2029]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, (c) => {
    if (ESCAPES[c]) return ESCAPES[c];
    if (c.length === 1 && c.charCodeAt(0) >= 0xd800 && c.charCodeAt(0) <= 0xdfff) return '\\ufffd';
    return `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`;
  });
  return `"${body}"`;
}
