/**
 * Output redaction for `run` (S7): every injected value of 6 or more characters, its
 * base64 (standard and URL-safe alphabets, at each of the three byte alignments a value
 * can have inside a longer base64 text) and its URL-encoded forms are replaced by
 * `[keyfold:NAME]` in the child's stdout and stderr. Streaming: a chunk is passed on at
 * once except for a tail that is the start of some pattern (a value split across
 * chunks); ordinary output — a prompt, "listening on :3000" — is never held back. This catches accidents, not a determined process (it can
 * print a value reversed, hex-encoded, or one character at a time).
 */
import { Transform, type TransformCallback } from 'node:stream';

/** Values shorter than this are not redacted (they would match ordinary output). */
export const MIN_REDACT_LENGTH = 6;

interface Pattern {
  /** The bytes to find, as a latin1 string (one char per byte). */
  text: string;
  name: string;
}

/** The base64 characters of `value` that do not depend on the bytes around it, for a value starting `offset` bytes into a 3-byte group. */
function base64Core(value: Buffer, offset: number, urlSafe: boolean): string {
  const padded = Buffer.concat([Buffer.alloc(offset), value, Buffer.alloc(3)]);
  let b64 = padded.toString('base64');
  if (urlSafe) b64 = b64.replace(/\+/g, '-').replace(/\//g, '_');
  const first = Math.ceil((offset * 8) / 6);
  const last = Math.floor(((offset + value.length) * 8) / 6); // exclusive
  return b64.slice(first, last);
}

/** Every form of a value that is redacted. */
export function redactionForms(value: string): string[] {
  if (value.length < MIN_REDACT_LENGTH) return [];
  const bytes = Buffer.from(value, 'utf8');
  const forms = new Set<string>([value, encodeURIComponent(value), encodeURIComponent(value).replace(/%20/g, '+')]);
  for (const offset of [0, 1, 2]) for (const urlSafe of [false, true]) forms.add(base64Core(bytes, offset, urlSafe));
  return [...forms].filter((f) => Buffer.byteLength(f, 'utf8') >= MIN_REDACT_LENGTH);
}

interface Compiled {
  re: RegExp;
  /** Pattern text → the name it stands for. */
  names: Map<string, string>;
  holdback: number;
  /** Every proper prefix of every pattern: the tails worth holding back. */
  prefixes: Set<string>;
}

/** The patterns of `values`, longest first so that a value wins over a shorter value it contains. */
function compile(values: ReadonlyMap<string, string>): Compiled {
  const patterns: Pattern[] = [];
  for (const [name, value] of values) {
    for (const form of redactionForms(value)) patterns.push({ name, text: Buffer.from(form, 'utf8').toString('latin1') });
  }
  patterns.sort((a, b) => b.text.length - a.text.length);
  const names = new Map<string, string>();
  for (const p of patterns) if (!names.has(p.text)) names.set(p.text, p.name);
  const alternatives = [...names.keys()].map((t) => t.replace(/[\\^$.*+?()[\]{}|]/g, '\\$&'));
  const prefixes = new Set<string>();
  for (const t of names.keys()) for (let i = 1; i < t.length; i++) prefixes.add(t.slice(0, i));
  return { re: new RegExp(alternatives.join('|'), 'g'), names, holdback: Math.max(0, ...[...names.keys()].map((t) => t.length - 1)), prefixes };
}

export class Redactor {
  readonly #values: ReadonlyMap<string, string>;
  /** Built when some output first arrives: a child that prints nothing costs nothing (70 values make tens of thousands of prefixes). */
  #compiled: Compiled | undefined;

  /** Whether anything would be redacted at all (a value is its own longest form). */
  readonly active: boolean;

  constructor(values: ReadonlyMap<string, string>) {
    this.#values = values;
    this.active = [...values.values()].some((v) => v.length >= MIN_REDACT_LENGTH);
  }

  /** A stream transform redacting one output stream. */
  stream(): Transform {
    let carry = '';
    const compiled = (): Compiled => (this.#compiled ??= compile(this.#values));
    /** The longest end of `text` that could begin a pattern. */
    const tailToHold = (text: string, { holdback, prefixes }: Compiled): number => {
      for (let k = Math.min(holdback, text.length); k > 0; k--) if (prefixes.has(text.slice(text.length - k))) return k;
      return 0;
    };
    const redactText = (text: string, final: boolean): { out: string; rest: string } => {
      if (text === '' || !this.active) return { out: text, rest: '' };
      const c = compiled();
      const { re, names } = c;
      let out = '';
      let last = 0;
      let safeEnd = final ? text.length : text.length - tailToHold(text, c);
      re.lastIndex = 0;
      for (let m = re.exec(text); m; m = re.exec(text)) {
        if (!final && m.index >= safeEnd) break;
        out += text.slice(last, m.index) + `[keyfold:${names.get(m[0])}]`;
        last = m.index + m[0].length;
        safeEnd = Math.max(safeEnd, last);
      }
      out += text.slice(last, safeEnd);
      return { out, rest: text.slice(safeEnd) };
    };
    return new Transform({
      transform(chunk: Buffer, _enc, done: TransformCallback) {
        const { out, rest } = redactText(carry + chunk.toString('latin1'), false);
        carry = rest;
        done(null, out.length > 0 ? Buffer.from(out, 'latin1') : undefined);
      },
      flush(done: TransformCallback) {
        const { out } = redactText(carry, true);
        carry = '';
        done(null, out.length > 0 ? Buffer.from(out, 'latin1') : undefined);
      },
    });
  }
}
