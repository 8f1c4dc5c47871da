/**
 * A lean reader for the YAML layout that sops and keyfold write: block mappings and
 * sequences, `ENC[…]` values, double-quoted strings without escapes, `|`/`|-` block
 * scalars, and a few unambiguous plain scalars. It builds the same `yaml` Document a
 * full parse would (values, key order, nesting) several times faster, for read-only
 * bulk work.
 *
 * Anything outside that layout — comments, flow collections, anchors, tags, escapes,
 * other plain scalars, tabs, CRLF, duplicate keys, deep nesting — returns undefined,
 * and the caller falls back to the full parser, which also produces the errors. A test
 * checks that whenever this reader answers, it agrees with the full parser.
 */
import { Document, Pair, Scalar, YAMLMap, YAMLSeq } from 'yaml';
import { MAX_DEPTH } from '../../kernel/limits.js';

/**
 * What the parser builds: yaml nodes (`parseSopsLayout`, the same Document a full parse
 * gives) or plain values (`parseSopsLayoutPlain`: Map, array, scalar; for readers that
 * only look, such as history, and should not pay for nodes).
 */
interface Builder<V, M extends V, S extends V> {
  map(): M;
  set(map: M, key: string, quoted: boolean, value: V): void;
  seq(): S;
  push(seq: S, value: V): void;
  scalar(value: string | bigint | null): V;
  isMap(v: V): boolean;
}

const NODES: Builder<Value, YAMLMap, YAMLSeq> = {
  map: () => new YAMLMap(),
  set: (map, key, quoted, value) => {
    const k = new Scalar(key);
    if (quoted) k.type = Scalar.QUOTE_DOUBLE;
    map.items.push(new Pair(k, value));
  },
  seq: () => new YAMLSeq(),
  push: (seq, value) => void seq.items.push(value),
  scalar: (value) => new Scalar(value),
  isMap: (v) => v instanceof YAMLMap,
};

/** A plain value of `parseSopsLayoutPlain`. */
export type PlainValue = string | bigint | null | PlainValue[] | Map<string, PlainValue>;

const PLAIN: Builder<PlainValue, Map<string, PlainValue>, PlainValue[]> = {
  map: () => new Map(),
  set: (map, key, _quoted, value) => void map.set(key, value),
  seq: () => [],
  push: (seq, value) => void seq.push(value),
  scalar: (value) => value,
  isMap: (v) => v instanceof Map,
};

type Value = Scalar | YAMLMap | YAMLSeq;

/** Thrown internally to abandon the fast path. */
const GIVE_UP = Symbol('give up');

interface Line {
  indent: number;
  text: string; // without indentation
}

/** Parse `text` if it is in the plain sops layout; undefined otherwise. */
export function parseSopsLayout(text: string): Document | undefined {
  const root = parseWith(text, NODES);
  if (root === undefined) return undefined;
  const doc = new Document(null, { intAsBigInt: true });
  doc.contents = root;
  return doc;
}

/**
 * The same as plain values: the top-level mapping as a Map (key order kept), lists as
 * arrays, scalars as string, bigint or null — what `parseSopsLayout(text)?.toJS({
 * mapAsMap: true })` gives, without building the nodes. Undefined outside the layout.
 */
export function parseSopsLayoutPlain(text: string): Map<string, PlainValue> | undefined {
  return parseWith(text, PLAIN) as Map<string, PlainValue> | undefined;
}

function parseWith<V, M extends V, S extends V>(text: string, b: Builder<V, M, S>): M | undefined {
  if (text.includes('\r') || text.includes('\t') || text.includes('#')) return undefined;
  const lines: Line[] = [];
  for (const raw of text.split('\n')) {
    let i = 0;
    while (raw.charCodeAt(i) === 32) i++;
    if (i === raw.length) {
      lines.push({ indent: -1, text: '' }); // blank: only meaningful inside block scalars
      continue;
    }
    lines.push({ indent: i, text: raw.slice(i) });
  }
  const p = new LayoutParser(lines, b);
  try {
    const root = p.block(0, 0);
    if (!b.isMap(root) || p.pos < p.lines.length) return undefined;
    return root as M;
  } catch (e) {
    if (e === GIVE_UP) return undefined;
    throw e;
  }
}

class LayoutParser<V, M extends V, S extends V> {
  pos = 0;
  constructor(
    readonly lines: Line[],
    readonly b: Builder<V, M, S>,
  ) {}

  private skipBlank(): Line | undefined {
    while (this.pos < this.lines.length && this.lines[this.pos]!.indent < 0) this.pos++;
    return this.lines[this.pos];
  }

  /** A block (mapping or sequence) whose lines are at exactly `indent`. */
  block(indent: number, depth: number): M | S {
    if (depth > MAX_DEPTH) throw GIVE_UP;
    const first = this.skipBlank();
    if (!first || first.indent !== indent) throw GIVE_UP;
    return first.text.startsWith('- ') || first.text === '-' ? this.sequence(indent, depth) : this.mapping(indent, depth);
  }

  private mapping(indent: number, depth: number, firstText?: string): M {
    const map = this.b.map();
    const seen = new Set<string>();
    let text = firstText;
    for (;;) {
      if (text === undefined) {
        const line = this.skipBlank();
        if (!line || line.indent < indent) break;
        if (line.indent > indent) throw GIVE_UP;
        text = line.text;
      }
      this.pos++;
      const [key, quoted, rest] = splitKey(text);
      if (seen.has(key)) throw GIVE_UP;
      seen.add(key);
      this.b.set(map, key, quoted, this.value(rest, indent, depth));
      text = undefined;
    }
    return map;
  }

  private sequence(indent: number, depth: number): S {
    const seq = this.b.seq();
    for (;;) {
      const line = this.skipBlank();
      if (!line || line.indent < indent) break;
      if (line.indent > indent || !(line.text.startsWith('- ') || line.text === '-')) throw GIVE_UP;
      const rest = line.text === '-' ? '' : line.text.slice(2);
      if (rest === '' || rest.startsWith(' ')) throw GIVE_UP;
      if (isMapEntry(rest)) {
        // `- key: value` opens a mapping whose keys sit two columns right of the dash.
        this.b.push(seq, this.mapping(indent + 2, depth + 1, rest));
      } else {
        this.pos++;
        this.b.push(seq, this.scalar(rest, indent));
      }
    }
    return seq;
  }

  /** The value after `key:` on a line at `indent`. */
  private value(rest: string, indent: number, depth: number): V {
    if (rest !== '') return this.scalar(rest, indent);
    const next = this.skipBlank();
    if (!next || next.indent <= indent) {
      // `key:` with nothing below is null; a same-indent `- ` list is valid YAML but not this layout.
      if (next && next.indent === indent && next.text.startsWith('-')) throw GIVE_UP;
      return this.b.scalar(null);
    }
    return this.block(next.indent, depth + 1);
  }

  private scalar(text: string, indent: number): V {
    if (text === '|' || text === '|-') return this.b.scalar(this.blockScalar(indent, text === '|'));
    return this.b.scalar(plainOrQuoted(text));
  }

  /** A literal block scalar below a line at `indent` (clip or strip chomping). */
  private blockScalar(indent: number, clip: boolean): string {
    const out: string[] = [];
    let blockIndent = -1;
    while (this.pos < this.lines.length) {
      const line = this.lines[this.pos]!;
      if (line.indent >= 0) {
        if (line.indent <= indent) break;
        if (blockIndent < 0) blockIndent = line.indent;
        if (line.indent < blockIndent) throw GIVE_UP;
        out.push(' '.repeat(line.indent - blockIndent) + line.text);
      } else {
        out.push('');
      }
      this.pos++;
    }
    // Trailing blank lines are not content under clip/strip chomping; give them back.
    while (out.length > 0 && out[out.length - 1] === '') {
      out.pop();
      this.pos--;
    }
    if (out.length === 0 || blockIndent < 0) throw GIVE_UP;
    const body = out.join('\n');
    return clip ? body + '\n' : body;
  }
}

const PLAIN_KEY = /^[A-Za-z_][A-Za-z0-9_.\-/]*$/;
const QUOTED_SIMPLE = /^"([^"\\]*)"$/;

function isMapEntry(text: string): boolean {
  const colon = text.indexOf(':');
  if (colon <= 0) return false;
  const key = text.slice(0, colon);
  return (PLAIN_KEY.test(key) || QUOTED_SIMPLE.test(key)) && (colon === text.length - 1 || text[colon + 1] === ' ');
}

/** Split `key: rest` (rest may be empty) into key, whether it was quoted, rest; give up on any other key form. */
function splitKey(text: string): [string, boolean, string] {
  let key: string;
  let quoted = false;
  let after: number;
  if (text.startsWith('"')) {
    const end = text.indexOf('"', 1);
    if (end < 0) throw GIVE_UP;
    const m = QUOTED_SIMPLE.exec(text.slice(0, end + 1));
    if (!m) throw GIVE_UP;
    key = m[1]!;
    quoted = true;
    after = end + 1;
  } else {
    const colon = text.indexOf(':');
    if (colon <= 0) throw GIVE_UP;
    const k = text.slice(0, colon);
    if (!PLAIN_KEY.test(k) || resolvePlain(k) !== k) throw GIVE_UP;
    key = k;
    after = colon;
  }
  if (text[after] !== ':') throw GIVE_UP;
  if (after + 1 === text.length) return [key, quoted, ''];
  if (text[after + 1] !== ' ') throw GIVE_UP;
  const rest = text.slice(after + 2);
  if (rest.startsWith(' ')) throw GIVE_UP;
  return [key, quoted, rest];
}

const ENC_VALUE = /^ENC\[AES256_GCM,data:[A-Za-z0-9+/=]*,iv:[A-Za-z0-9+/=]+,tag:[A-Za-z0-9+/=]+,type:[a-z]+\]$/;

function plainOrQuoted(text: string): string | bigint | null {
  if (ENC_VALUE.test(text)) return text;
  const q = QUOTED_SIMPLE.exec(text);
  if (q) return q[1]!;
  const v = resolvePlain(text);
  if (v === undefined) throw GIVE_UP;
  return v;
}

/**
 * The few plain scalars whose YAML 1.2 core-schema meaning is unambiguous here:
 * decimal ints, and words or dotted versions (`_unencrypted`, `3.8.1`) that are not
 * null/bool spellings. Anything else is left to the full parser.
 */
function resolvePlain(text: string): string | bigint | null | undefined {
  if (/^-?(0|[1-9][0-9]{0,17})$/.test(text)) return BigInt(text);
  if (/^[A-Za-z_][A-Za-z0-9_.\-/]*$/.test(text) || /^[0-9]+\.[0-9]+\.[0-9]+[A-Za-z0-9.\-+]*$/.test(text)) {
    if (/^(null|Null|NULL|true|True|TRUE|false|False|FALSE|\.inf|\.Inf|\.INF|\.nan|\.NaN|\.NAN)$/.test(text)) return undefined;
    return text;
  }
  return undefined;
}
