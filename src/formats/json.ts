/** JSON output that keeps integers beyond 2^53 exact (they are bigint in keyfold). */

export function encodeJson(value: unknown, indent = 2): string {
  // Plain data (the common case: --json results) goes through the native encoder,
  // which writes the same text; the escapes `str` adds are applied to the whole output
  // (those characters can only occur inside strings).
  if (isPlainJson(value, 0)) return JSON.stringify(value, null, indent || undefined).replace(RAW_CONTROL_RE, escapeControl);
  return write(value, indent, '');
}

/**
 * Whether `write` and JSON.stringify agree on `v`: strings, finite numbers, booleans,
 * null, arrays and plain objects only (no Map, bigint, bytes, toJSON, undefined in a list).
 */
function isPlainJson(v: unknown, depth: number): boolean {
  if (v === null || typeof v === 'string' || typeof v === 'boolean') return true;
  if (typeof v === 'number') return Number.isFinite(v);
  if (typeof v !== 'object' || depth > 64) return false;
  if (Array.isArray(v)) {
    for (const x of v) if (x === undefined || !isPlainJson(x, depth + 1)) return false;
    return true;
  }
  const proto = Object.getPrototypeOf(v) as unknown;
  if (proto !== Object.prototype && proto !== null) return false;
  for (const k in v) {
    const x = (v as Record<string, unknown>)[k];
    if (x !== undefined && !isPlainJson(x, depth + 1)) return false;
  }
  return true;
}

/**
 * One member of a JSON object as `encodeJson` writes it at the top level (indent 2):
 * `joinJsonMembers` of the members of an object equals `encodeJson` of the object. For
 * output built a member at a time (in worker threads), byte for byte the same.
 */
export function encodeJsonMember(key: string, value: unknown): string {
  // A document (maps as Map) without integer-like keys is the same as plain objects, which
  // encodeJson gives the native encoder; re-indented (raw newlines occur only between tokens).
  return `  ${str(key)}: ${encodeJson(asPlainObjects(value, 0) ?? value).replace(/\n/g, '\n  ')}`;
}

/** Maps as plain objects where that keeps their order (no integer-like or `__proto__` key); undefined otherwise. */
function asPlainObjects(v: unknown, depth: number): unknown {
  if (depth > 64) return undefined;
  if (Array.isArray(v)) {
    const out: unknown[] = [];
    for (const x of v) {
      const y = asPlainObjects(x, depth + 1);
      if (y === undefined) return undefined;
      out.push(y);
    }
    return out;
  }
  if (!(v instanceof Map)) return v;
  const out: Record<string, unknown> = {};
  for (const [k, x] of v) {
    const key = String(k);
    if (/^(0|[1-9][0-9]*)$/.test(key) || key === '__proto__' || Object.hasOwn(out, key)) return undefined;
    const y = asPlainObjects(x, depth + 1);
    if (y === undefined) return undefined;
    out[key] = y;
  }
  return out;
}

/** The object whose members `encodeJsonMember` wrote, as `encodeJson` writes it. */
export function joinJsonMembers(members: readonly string[]): string {
  return members.length === 0 ? '{}' : `{\n${members.join(',\n')}\n}`;
}

/** `encodeJson` without the native fast path (exported for the test that both agree). */
export function encodeJsonPortable(value: unknown, indent = 2): string {
  return write(value, indent, '');
}

function write(v: unknown, indent: number, pad: string): string {
  if (typeof v === 'bigint') return v.toString(10);
  if (v === null || v === undefined) return 'null';
  if (typeof v === 'number') return Number.isFinite(v) ? JSON.stringify(v) : 'null';
  if (typeof v === 'string') return str(v);
  if (typeof v === 'boolean') return JSON.stringify(v);
  // Bytes that are not UTF-8 (a binary file's data): JSON has no bytes, so their text.
  if (v instanceof Uint8Array) return str(Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('utf8'));
  const inner = indent ? pad + ' '.repeat(indent) : '';
  const nl = indent ? '\n' : '';
  const sep = indent ? ': ' : ':';
  if (Array.isArray(v)) {
    if (v.length === 0) return '[]';
    return `[${nl}${v.map((x) => inner + write(x, indent, inner)).join(',' + nl)}${nl}${pad}]`;
  }
  if (typeof v === 'object') {
    // A Map keeps its insertion order even for integer-like keys ("123"), which a plain
    // object would move to the front.
    const entries = (v instanceof Map ? [...v].map(([k, x]) => [String(k), x] as const) : Object.entries(v as Record<string, unknown>)).filter(
      ([, x]) => x !== undefined,
    );
    if (entries.length === 0) return '{}';
    return `{${nl}${entries.map(([k, x]) => inner + str(k) + sep + write(x, indent, inner)).join(',' + nl)}${nl}${pad}}`;
  }
  return str(String(v));
}

// JSON.stringify escapes C0 but leaves DEL, C1 (a terminal may take U+009B for CSI) and
// the line separators raw; the same string, escaped, reads the same to every parser.
// eslint-disable-next-line no-control-regex
const RAW_CONTROL_RE = /[\u007f-\u009f\u2028\u2029]/g;

const escapeControl = (c: string): string => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`;

function str(s: string): string {
  return JSON.stringify(s).replace(RAW_CONTROL_RE, escapeControl);
}

/** Convert bigint values that fit exactly into numbers (for JS consumers and tests). */
export function normalizeNumbers(v: unknown): unknown {
  if (typeof v === 'bigint') return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v;
  if (Array.isArray(v)) return v.map(normalizeNumbers);
  if (v && typeof v === 'object' && !(v instanceof Uint8Array)) {
    return Object.fromEntries(Object.entries(v as Record<string, unknown>).map(([k, x]) => [k, normalizeNumbers(x)]));
  }
  return v;
}
