/**
 * Conversion between YAML scalar values and the plaintext bytes sops encrypts
 * (DESIGN §3): what Go's sops would produce, so MACs and ciphertexts interoperate.
 */
import { IntegrityError } from '../kernel/errors.js';

export type SopsType = 'str' | 'int' | 'float' | 'bool';

/** A scalar as keyfold holds it: ints are bigint so that `1` and `1.0` stay distinct. */
export type ScalarValue = string | bigint | number | boolean | null;

export interface EncodedScalar {
  text: string;
  type: SopsType;
}

/** Encode a non-null scalar as sops would. */
export function encodeScalar(value: Exclude<ScalarValue, null>): EncodedScalar {
  switch (typeof value) {
    case 'string':
      return { text: value, type: 'str' };
    case 'bigint':
      return { text: value.toString(10), type: 'int' };
    case 'number':
      // Integers are bigint in keyfold's documents, so a number is always a float.
      return { text: formatGoFloat(value), type: 'float' };
    case 'boolean':
      return { text: value ? 'True' : 'False', type: 'bool' };
  }
}

/**
 * The value of a decrypted plaintext of the given type. Errors never quote the
 * plaintext (it is a secret).
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
    default:
      throw new IntegrityError(`value at ${where()} has unknown type "${sanitizeType(type)}"`);
  }
}

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
export function scalarText(v: string | bigint | number | boolean): string {
  if (typeof v === 'string') return v;
  if (typeof v === 'bigint') return v.toString(10);
  if (typeof v === 'number') return formatGoFloat(v);
  return v ? 'true' : 'false';
}
