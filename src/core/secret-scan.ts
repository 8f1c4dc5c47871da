/**
 * The secret scan: private keys and provider credentials in files that should hold
 * none (everything tracked outside `secrets/`). Pure: text in, findings out. A finding
 * carries the matched text only wrapped in `Secret`, for the allow-list's `pattern`;
 * messages name the kind of secret and its line, never the text.
 */
import { matchesAny } from './policy.js';
import { MAX_LOOKBEHIND, MAX_MATCH_LENGTH, SECRET_PATTERNS, type SecretPattern } from './secret-scan-rules.js';
import { Secret } from '../kernel/secret.js';

export { SECRET_PATTERNS, type SecretPattern } from './secret-scan-rules.js';

export interface ScanFinding {
  line: number;
  kind: string;
  label: string;
  /** The matched text: for allow-list patterns only, never for output. */
  match: Secret<string>;
}

/** Whether `bytes` look binary (a NUL in the first 8 KiB, as git decides). */
export function looksBinary(bytes: Uint8Array): boolean {
  const n = Math.min(bytes.length, 8192);
  for (let i = 0; i < n; i++) if (bytes[i] === 0) return true;
  return false;
}

/** Every secret-looking match in `text`, in order, with 1-based lines. */
export function scanText(text: string): ScanFinding[] {
  const scanner = new TextScanner();
  return [...scanner.push(text), ...scanner.end()];
}

/**
 * A scan of a text that arrives in pieces (a file read block by block), with the
 * findings scanText would give for the whole text: in order, each once, with its line.
 * It holds back only the last MAX_MATCH_LENGTH characters, which a match starting
 * there may still need, and MAX_LOOKBEHIND characters before them.
 */
export class TextScanner {
  /** The text held, from offset #start of the whole. */
  #text = '';
  #start = 0;
  /** Every match starting before this offset has been reported. */
  #done = 0;
  /** The line of offset #done. */
  #line = 1;
  readonly #patterns: readonly SecretPattern[];
  readonly #res: RegExp[];
  /** Per pattern, where its next search starts: matches of one pattern never overlap. */
  readonly #resume: number[];

  /** `patterns` must keep to the bounds of SECRET_PATTERNS (MAX_MATCH_LENGTH, MAX_LOOKBEHIND). */
  constructor(patterns: readonly SecretPattern[] = SECRET_PATTERNS) {
    this.#patterns = patterns;
    this.#res = patterns.map((p) => new RegExp(p.re.source, p.re.flags));
    this.#resume = patterns.map(() => 0);
  }

  /** Add the next piece; returns the findings now certain. */
  push(piece: string): ScanFinding[] {
    this.#text += piece;
    return this.#scan(this.#start + this.#text.length - MAX_MATCH_LENGTH);
  }

  /** The text is complete; returns the remaining findings. */
  end(): ScanFinding[] {
    return this.#scan(this.#start + this.#text.length);
  }

  /** Report the matches starting before `upTo`, then drop the text no later match needs. */
  #scan(upTo: number): ScanFinding[] {
    if (upTo <= this.#done) return [];
    const text = this.#text;
    const base = this.#start;
    const found: Array<ScanFinding & { index: number }> = [];
    this.#patterns.forEach((p, i) => {
      const re = this.#res[i]!;
      re.lastIndex = Math.max(this.#resume[i]!, this.#done) - base;
      for (let m = re.exec(text); m && base + m.index < upTo; m = re.exec(text)) {
        if (m[0] === '') re.lastIndex++;
        this.#resume[i] = base + re.lastIndex;
        if (p.accept && !p.accept(m[0])) continue;
        found.push({ index: base + m.index, line: 0, kind: p.kind, label: p.label, match: new Secret(m[0]) });
      }
    });
    // In order of position (the sort is stable: at one position, the first rule wins),
    // counting lines in one pass.
    found.sort((a, b) => a.index - b.index);
    const out: ScanFinding[] = [];
    let pos = this.#done;
    let last = -1;
    for (const { index, ...f } of found) {
      if (index === last) continue;
      last = index;
      for (; pos < index; pos++) if (text.charCodeAt(pos - base) === 10) this.#line++;
      out.push({ ...f, line: this.#line });
    }
    for (; pos < upTo; pos++) if (text.charCodeAt(pos - base) === 10) this.#line++;
    this.#done = upTo;
    const drop = Math.max(0, upTo - MAX_LOOKBEHIND - base);
    this.#text = text.slice(drop);
    this.#start = base + drop;
    return out;
  }
}

export interface AllowRule {
  path: string;
  pattern?: string;
}

/**
 * Whether an allow-list entry covers a finding: its `path` glob matches the file and
 * its `pattern` (when given) matches the matched text.
 */
export function isAllowed(allow: readonly AllowRule[], file: string, finding: ScanFinding): boolean {
  return allow.some((a) => matchesAny([a.path], file) && (a.pattern === undefined || new RegExp(a.pattern).test(finding.match.reveal())));
}
