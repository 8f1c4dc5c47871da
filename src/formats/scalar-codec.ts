/**
 * Conversion between YAML scalar values and the plaintext bytes sops encrypts
 * (docs/file-format.md): what Go's sops would produce, so MACs and ciphertexts interoperate.
 */
import type { Scalar } from 'yaml';
import { IntegrityError, UsageError } from '../kernel/errors.js';
import { canonicalTime, timeText } from './go-time.js';

export type SopsType = 'str' | 'int' | 'float' | 'bool' | 'time';

/**
 * A scalar as keyfold holds it: ints are bigint so that `1` and `1.0` stay distinct;
 * bytes that are not UTF-8 (a binary file, a `str` value holding such bytes) are a
 * Uint8Array. A `time` value is its text on a node marked with `markTime`.
 */
export type ScalarValue = string | bigint | number | boolean | Uint8Array | null;

export interface EncodedScalar {
  /** The plaintext as text (for bytes: their UTF-8 decoding, for messages only). */
  text: string;
  type: SopsType;
  /** The plaintext bytes when they are not `text` in UTF-8. */
  raw?: Uint8Array;
}

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

/** Encode a non-null scalar as sops would; `time` when the node is marked as a time. */
export function encodeScalar(value: Exclude<ScalarValue, null>, time = false): EncodedScalar {
  switch (typeof value) {
    case 'string': {
      if (!time) return { text: value, type: 'str' };
      const t = timeText(value);
      if (t === undefined) throw new UsageError('a time value must be an RFC 3339 timestamp (2006-01-02T15:04:05Z)');
      return { text: t, type: 'time' };
    }
    case 'bigint':
      // Go's YAML and JSON readers take an integer beyond int64 for a float64, which sops
      // then encrypts as a float; an `int` that large is one sops cannot read back.
      if (value < INT64_MIN || value > INT64_MAX) return { text: formatGoFloat(Number(value)), type: 'float' };
      return { text: value.toString(10), type: 'int' };
    case 'number':
      // Integers are bigint in keyfold's documents, so a number is always a float.
      return { text: formatGoFloat(value), type: 'float' };
    case 'boolean':
      return { text: value ? 'True' : 'False', type: 'bool' };
    default: {
      const raw = Buffer.from(value.buffer, value.byteOffset, value.byteLength);
      return { text: raw.toString('utf8'), type: 'str', raw };
    }
  }
}

/** The bytes sops hashes into the MAC for an encoded scalar. */
export const plaintextBytes = (e: EncodedScalar): Buffer => (e.raw ? Buffer.from(e.raw) : Buffer.from(e.text, 'utf8'));

/**
 * The value of a decrypted plaintext of the given type. Errors never quote the
 * plaintext (it is a secret). A `time` decodes to its text (the caller marks the node).
 */
export function decodeScalar(text: string, type: string, where: () => string): ScalarValue {
  switch (type) {
    case 'str':
    case 'bytes':
      return text;
    case 'int':
      if (!/^[+-]?\d+$/.test(text)) throw new IntegrityError(`value at ${where()} is not a valid int`);
      return BigInt(text);
    case 'float': {
      const f = parseGoFloat(text);
      if (f === undefined) throw new IntegrityError(`value at ${where()} is not a valid float`);
      return f;
    }
    case 'bool':
      if (GO_TRUE.has(text)) return true;
      if (GO_FALSE.has(text)) return false;
      throw new IntegrityError(`value at ${where()} is not a valid bool`);
    case 'time':
      if (canonicalTime(text) === undefined) throw new IntegrityError(`value at ${where()} is not a valid time`);
      return text;
    default:
      throw new IntegrityError(`value at ${where()} has unknown type "${sanitizeType(type)}"`);
  }
}

/**
 * What sops hashes for a decrypted value (its `ToBytes` of the parsed value): the
 * canonical text of the type; `raw` for strings. Ints beyond int64 keep their digits.
 */
export function macText(value: Exclude<ScalarValue, null>, type: string, raw: Buffer): Buffer {
  if (type === 'time' && typeof value === 'string') return Buffer.from(timeText(value) ?? value, 'utf8');
  if (typeof value === 'bigint') return Buffer.from(value.toString(10), 'utf8');
  if (typeof value === 'string' || value instanceof Uint8Array) return raw;
  return Buffer.from(encodeScalar(value).text, 'utf8');
}

const TIME = Symbol('sops time');

/** Mark a scalar node as a `time` value (sops ≥ 3.10), or clear the mark. */
export function markTime(node: Scalar, on = true): void {
  if (on) (node as unknown as Record<symbol, boolean>)[TIME] = true;
  else delete (node as unknown as Record<symbol, boolean>)[TIME];
}

/** Whether a scalar node holds a `time` value. */
export const isTimeNode = (node: Scalar): boolean => (node as unknown as Record<symbol, boolean>)[TIME] === true;

// strconv.ParseBool accepts exactly these.
const GO_TRUE = new Set(['1', 't', 'T', 'TRUE', 'true', 'True']);
const GO_FALSE = new Set(['0', 'f', 'F', 'FALSE', 'false', 'False']);

function sanitizeType(type: string): string {
  return type.replace(/[^A-Za-z0-9_-]/g, '?').slice(0, 16);
}

/**
 * Go's `strconv.FormatFloat(f, 'f', -1, 64)`: the shortest decimal that round-trips,
 * never with an exponent.
 */
export function formatGoFloat(f: number): string {
  if (Number.isNaN(f)) return 'NaN';
  if (f === Infinity) return '+Inf';
  if (f === -Infinity) return '-Inf';
  const s = Object.is(f, -0) ? '-0' : String(f);
  const e = s.indexOf('e');
  if (e < 0) return s;
  // Expand the exponent of JS's shortest representation.
  const negative = s.startsWith('-');
  const mantissa = s.slice(negative ? 1 : 0, e);
  const exp = Number(s.slice(e + 1));
  const [intPart, fracPart = ''] = mantissa.split('.') as [string, string?];
  const digits = intPart + fracPart;
  const point = intPart.length + exp;
  let out: string;
  if (point <= 0) out = '0.' + '0'.repeat(-point) + digits;
  else if (point >= digits.length) out = digits + '0'.repeat(point - digits.length);
  else out = digits.slice(0, point) + '.' + digits.slice(point);
  return (negative ? '-' : '') + out;
}

/** Parse what Go's `strconv.ParseFloat` accepts for the floats sops writes. */
export function parseGoFloat(text: string): number | undefined {
  switch (text) {
    case 'NaN':
      return NaN;
    case '+Inf':
    case 'Inf':
    case 'inf':
    case '+inf':
      return Infinity;
    case '-Inf':
    case '-inf':
      return -Infinity;
  }
  if (!/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(text)) return undefined;
  return Number(text);
}

/** A decrypted scalar as plain text (`get`, env-style outputs): ints in decimal, floats as Go prints them, booleans lower-case. */
export function scalarText(v: string | bigint | number | boolean | Uint8Array): string {
  if (typeof v === 'string') return v;
  if (v instanceof Uint8Array) return Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('utf8');
  if (typeof v === 'bigint') return v.toString(10);
  if (typeof v === 'number') return formatGoFloat(v);
  return v ? 'true' : 'false';
}
