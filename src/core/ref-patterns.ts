/**
 * Policy globs seen as file patterns, for the generators that must express keyfold's
 * per-ref policy in other tools' pattern languages (`.sops.yaml` regexes, CODEOWNERS
 * paths). Pure.
 *
 * A policy glob (`dev/**`, `*\/providers/**`, `{dev,staging}/api/*`) matches refs with
 * picomatch (`dot: true`). Here each glob is brace-expanded and specialised to one
 * environment (its first segment made literal), so that every pattern belongs to exactly
 * one environment and patterns of different environments never overlap. The supported
 * subset is what picomatch and both target languages agree on: literal characters,
 * `*`, `?`, `**` as a whole segment, positive or `^`-negated bracket classes of plain
 * characters, and brace lists. Extglobs, `!` negation, `[!…]`, POSIX classes and numeric
 * brace ranges are reported as unsupported rather than guessed at.
 */
import { matchesAny } from './policy.js';

/** One piece of a path segment. */
type Part = { t: 'lit'; s: string } | { t: 'star' } | { t: 'one' } | { t: 'class'; body: string; negated: boolean };

/** A path segment: `**` (any number of segments, including none) or a one-segment glob. */
export type Segment = { t: 'globstar' } | { t: 'seg'; parts: Part[] };

/** A glob restricted to one environment: its first segment is the environment's name. */
export interface EnvPattern {
  env: string;
  /** The specialised glob, e.g. `prod/providers/**` (picomatch syntax). */
  glob: string;
  segments: Segment[];
}

const MAX_EXPANSIONS = 64;
const REF_SEGMENT_RE = /^[A-Za-z0-9_][A-Za-z0-9._-]*$/;

/**
 * Expands brace lists (`{dev,staging}/**` → `dev/**`, `staging/**`), nested ones too.
 * Undefined when the glob uses a numeric range (`{1..3}`), an unbalanced brace, or
 * expands to more than 64 globs.
 */
export function expandBraces(glob: string): string[] | undefined {
  const open = findUnescaped(glob, '{', 0);
  if (open < 0) return findUnescaped(glob, '}', 0) < 0 ? [glob] : undefined;
  let depth = 0;
  const commas: number[] = [];
  let close = -1;
  for (let i = open; i < glob.length; i++) {
    const c = glob[i];
    if (c === '\\') {
      i++;
      continue;
    }
    if (c === '{') depth++;
    else if (c === '}' && --depth === 0) {
      close = i;
      break;
    } else if (c === ',' && depth === 1) commas.push(i);
  }
  if (close < 0) return undefined;
  const inner = glob.slice(open + 1, close);
  if (commas.length === 0 || inner.includes('..')) return undefined;
  const bounds = [open, ...commas, close];
  const out: string[] = [];
  for (let k = 0; k + 1 < bounds.length; k++) {
    const expanded = expandBraces(glob.slice(0, open) + glob.slice(bounds[k]! + 1, bounds[k + 1]) + glob.slice(close + 1));
    if (!expanded) return undefined;
    out.push(...expanded);
    if (out.length > MAX_EXPANSIONS) return undefined;
  }
  return [...new Set(out)];
}

function findUnescaped(s: string, ch: string, from: number): number {
  for (let i = from; i < s.length; i++) {
    if (s[i] === '\\') i++;
    else if (s[i] === ch) return i;
  }
  return -1;
}

/** Parses a brace-free glob into segments; undefined when it is outside the supported subset. */
export function parseGlob(glob: string): Segment[] | undefined {
  if (glob === '' || glob.startsWith('!') || /[@!+*?]\(|[()|]/.test(glob.replace(/\\./g, ''))) return undefined;
  const segments: Segment[] = [];
  for (const raw of splitSegments(glob)) {
    if (raw === '') return undefined; // leading, trailing or doubled slash
    if (raw === '**') {
      // `**/**` means `**`.
      if (segments[segments.length - 1]?.t !== 'globstar') segments.push({ t: 'globstar' });
      continue;
    }
    const parts = parseSegment(raw);
    if (!parts) return undefined;
    segments.push({ t: 'seg', parts });
  }
  return segments;
}

function splitSegments(glob: string): string[] {
  const out: string[] = [];
  let cur = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i]!;
    if (c === '\\' && i + 1 < glob.length) {
      cur += c + glob[++i];
    } else if (c === '/') {
      out.push(cur);
      cur = '';
    } else cur += c;
  }
  out.push(cur);
  return out;
}

function parseSegment(raw: string): Part[] | undefined {
  const parts: Part[] = [];
  const lit = (s: string) => {
    const last = parts[parts.length - 1];
    if (last?.t === 'lit') last.s += s;
    else parts.push({ t: 'lit', s });
  };
  for (let i = 0; i < raw.length; i++) {
    const c = raw[i]!;
    if (c === '\\') {
      if (i + 1 >= raw.length) return undefined;
      lit(raw[++i]!);
    } else if (c === '*') {
      if (parts[parts.length - 1]?.t !== 'star') parts.push({ t: 'star' });
    } else if (c === '?') {
      parts.push({ t: 'one' });
    } else if (c === '[') {
      const end = raw.indexOf(']', i + 2);
      if (end < 0) return undefined;
      let body = raw.slice(i + 1, end);
      const negated = body.startsWith('^');
      if (negated) body = body.slice(1);
      // Plain characters and ranges only: `[!…]` and POSIX classes mean different
      // things to picomatch, RE2 and CODEOWNERS.
      if (body === '' || !/^[A-Za-z0-9._-]+$/.test(body) || body.startsWith('-')) return undefined;
      parts.push({ t: 'class', body, negated });
      i = end;
    } else if (c === ']' || c === '{' || c === '}') {
      return undefined;
    } else lit(c);
  }
  return parts;
}

function isLiteral(seg: Segment): seg is { t: 'seg'; parts: Array<{ t: 'lit'; s: string }> } {
  return seg.t === 'seg' && seg.parts.every((p) => p.t === 'lit');
}

function segmentGlob(seg: Segment): string {
  if (seg.t === 'globstar') return '**';
  return seg.parts
    .map((p) => {
      switch (p.t) {
        case 'lit':
          return p.s.replace(/[\\*?[\]{}()!+@|]/g, '\\$&');
        case 'star':
          return '*';
        case 'one':
          return '?';
        case 'class':
          return `[${p.negated ? '^' : ''}${p.body}]`;
      }
    })
    .join('');
}

function toGlob(segments: Segment[]): string {
  return segments.map(segmentGlob).join('/');
}

/** Regex source (RE2- and JS-compatible, unanchored) for one non-globstar segment. */
function segmentRegex(seg: { t: 'seg'; parts: Part[] }): string {
  if (seg.parts.length === 1 && seg.parts[0]!.t === 'star') return '[^/]+';
  return seg.parts
    .map((p) => {
      switch (p.t) {
        case 'lit':
          return p.s.replace(/[\\^$.|?*+()[\]{}]/g, '\\$&');
        case 'star':
          return '[^/]*';
        case 'one':
          return '[^/]';
        case 'class':
          return p.negated ? `[^/${p.body}]` : `[${p.body}]`;
      }
    })
    .join('');
}

function segmentMatches(seg: Segment, name: string): boolean {
  return seg.t === 'globstar' || new RegExp(`^${segmentRegex(seg)}$`).test(name);
}

/**
 * The regex source, over a ref (no `secrets/` prefix, no extension, no anchors), that
 * matches exactly the refs picomatch matches with the pattern. picomatch lets a trailing
 * `/**` match nothing (`prod/analytics/**` matches the ref `prod/analytics`) unless the
 * segment before it ends in `*` (`dev/a*\/**` does not match `dev/ab`); a ref has at
 * least two segments. Uses only syntax Go's RE2 and JavaScript agree on (no lookaround,
 * no backreferences). The first segment must not be `**` (specialise first).
 */
export function refRegexSource(segments: readonly Segment[]): string {
  const [first, ...rest] = segments;
  if (!first || first.t === 'globstar') throw new Error('refRegexSource: the pattern must start with a one-segment glob');
  let out = segmentRegex(first);
  rest.forEach((seg, i) => {
    if (seg.t !== 'globstar') {
      out += `/${segmentRegex(seg)}`;
      return;
    }
    const trailing = i === rest.length - 1;
    const prev = i === 0 ? first : rest[i - 1]!;
    const prevEndsInStar = prev.t === 'seg' && prev.parts[prev.parts.length - 1]?.t === 'star';
    out += trailing && (i === 0 || prevEndsInStar) ? '(?:/[^/]+)+' : '(?:/[^/]+)*';
  });
  return out;
}

function specialise(segments: Segment[], env: string): Segment[][] {
  const [first, ...rest] = segments;
  if (!first) return [];
  const envSeg: Segment = { t: 'seg', parts: [{ t: 'lit', s: env }] };
  if (first.t === 'globstar') {
    // `**` takes the environment and any number of segments after it, or nothing at all.
    const out = rest.length === 0 ? [[envSeg, first]] : [[envSeg, first, ...rest]];
    return [...out, ...specialise(rest, env)];
  }
  return segmentMatches(first, env) ? [[envSeg, ...rest]] : [];
}

/** Whether some valid ref (two or more segments) can match the segments. */
function canMatchRef(segments: Segment[]): boolean {
  return segments.length >= 2;
}

export interface EnvPatterns {
  /** Per environment, deduplicated, in no particular order. */
  byEnv: Map<string, EnvPattern[]>;
  /** Input globs outside the supported subset, sorted. */
  unsupported: string[];
}

/**
 * The globs, brace-expanded and specialised to each environment. Unless `fallback` is
 * false, every environment also gets its whole-environment pattern `<env>/**`, so that
 * each ref of a known environment is covered by at least one pattern.
 */
export function envPatterns(globs: Iterable<string>, environments: readonly string[], options: { fallback?: boolean } = {}): EnvPatterns {
  const byEnv = new Map<string, Map<string, EnvPattern>>(environments.map((e) => [e, new Map()]));
  const unsupported = new Set<string>();
  const add = (env: string, segments: Segment[]) => {
    if (!canMatchRef(segments)) return;
    const glob = toGlob(segments);
    byEnv.get(env)!.set(glob, { env, glob, segments });
  };
  if (options.fallback !== false) {
    for (const env of environments) add(env, [{ t: 'seg', parts: [{ t: 'lit', s: env }] }, { t: 'globstar' }]);
  }
  for (const glob of new Set(globs)) {
    const expanded = expandBraces(glob);
    const parsed = expanded?.map(parseGlob);
    if (!parsed || parsed.some((p) => p === undefined)) {
      unsupported.add(glob);
      continue;
    }
    for (const segments of parsed as Segment[][]) {
      for (const env of environments) for (const s of specialise(segments, env)) add(env, s);
    }
  }
  return {
    byEnv: new Map([...byEnv].map(([env, m]) => [env, [...m.values()]])),
    unsupported: [...unsupported].sort(),
  };
}

function stats(p: EnvPattern) {
  const st = { literal: 0, globstars: 0, length: p.segments.length, chars: 0, stars: 0, classes: 0, ones: 0 };
  for (const s of p.segments) {
    if (s.t === 'globstar') {
      st.globstars++;
      continue;
    }
    if (isLiteral(s)) st.literal++;
    for (const part of s.parts) {
      if (part.t === 'lit') st.chars += part.s.length;
      else if (part.t === 'star') st.stars++;
      else if (part.t === 'class') st.classes++;
      else st.ones++;
    }
  }
  return st;
}

/**
 * Orders patterns most specific first: more literal segments, fewer `**`, more
 * segments, more literal characters, fewer `*`, more bracket classes, more `?`; ties
 * broken by the glob text, so the order is deterministic. For the globs policies use —
 * literal segments, `*` and `**` segments — a pattern sorts before every pattern that
 * contains it. With wildcards inside segments (`a*` within `*`) the order follows the
 * counts above, which fits the common cases but is not a containment proof.
 */
export function compareSpecificity(a: EnvPattern, b: EnvPattern): number {
  const x = stats(a);
  const y = stats(b);
  return (
    y.literal - x.literal ||
    x.globstars - y.globstars ||
    y.length - x.length ||
    y.chars - x.chars ||
    x.stars - y.stars ||
    y.classes - x.classes ||
    y.ones - x.ones ||
    (a.glob < b.glob ? -1 : a.glob > b.glob ? 1 : 0)
  );
}

const FILLER = '_';

function instantiateSegment(seg: { t: 'seg'; parts: Part[] }): string {
  return seg.parts
    .map((p) => {
      switch (p.t) {
        case 'lit':
          return p.s;
        case 'star':
          return FILLER;
        case 'one':
          return FILLER;
        case 'class': {
          if (!p.negated) return p.body[0]!;
          return [FILLER, 'x', '0', 'Z'].find((c) => !new RegExp(`[${p.body}]`).test(c)) ?? FILLER;
        }
      }
    })
    .join('');
}

function candidates(segments: readonly Segment[]): string[] {
  let acc: string[][] = [[]];
  for (const seg of segments) {
    const next: string[][] = [];
    for (const prefix of acc) {
      if (seg.t === 'globstar') {
        for (let n = 0; n <= 2; n++) next.push([...prefix, ...Array<string>(n).fill(FILLER)]);
      } else next.push([...prefix, instantiateSegment(seg)]);
    }
    acc = next.slice(0, 256);
  }
  return acc.filter((s) => s.length >= 2 && s.every((x) => REF_SEGMENT_RE.test(x))).map((s) => s.join('/'));
}

/**
 * A ref that stands for the pattern: it matches the pattern and as few of `before`
 * (patterns that take precedence) and then of `others` as possible; ties go to the
 * shorter, then the lexically smaller ref. Undefined when no valid ref matches.
 */
export function representativeRef(pattern: EnvPattern, before: readonly EnvPattern[], others: readonly EnvPattern[] = []): string | undefined {
  let best: { ref: string; score: number[] } | undefined;
  for (const ref of candidates(pattern.segments)) {
    if (!matchesAny([pattern.glob], ref)) continue;
    const score = [
      before.filter((p) => matchesAny([p.glob], ref)).length,
      others.filter((p) => p !== pattern && matchesAny([p.glob], ref)).length,
      ref.split('/').length,
    ];
    if (!best || lexLess(score, ref, best.score, best.ref)) best = { ref, score };
  }
  return best?.ref;
}

function lexLess(a: number[], aRef: string, b: number[], bRef: string): boolean {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return a[i]! < b[i]!;
  return aRef < bRef;
}

/** Whether the pattern matches every ref of its environment (`env/**` or `env/**\/*`). */
export function coversWholeEnv(pattern: EnvPattern): boolean {
  const [a, b, ...more] = pattern.segments.slice(1);
  if (a?.t !== 'globstar' || more.length > 0) return false;
  return b === undefined || (b.t === 'seg' && b.parts.length === 1 && b.parts[0]!.t === 'star');
}

/**
 * The pattern as a CODEOWNERS/gitignore path under `/secrets/`, or undefined when a
 * segment uses syntax CODEOWNERS lacks (bracket classes) or characters it cannot
 * express. A last segment that is not `**` names files: it gets `.yaml` and `.yml`. A
 * trailing `**` is a directory pattern, so the file named like the directory
 * (`prod/analytics.yaml` for `prod/analytics/**`) falls to a broader line.
 */
export function codeownersPaths(pattern: EnvPattern): string[] | undefined {
  const segs: string[] = [];
  for (const seg of pattern.segments) {
    if (seg.t === 'globstar') segs.push('**');
    else {
      let s = '';
      for (const p of seg.parts) {
        if (p.t === 'class') return undefined;
        if (p.t === 'lit') {
          if (!/^[A-Za-z0-9._-]+$/.test(p.s)) return undefined;
          s += p.s;
        } else s += p.t === 'star' ? '*' : '?';
      }
      segs.push(s);
    }
  }
  const base = `/secrets/${segs.join('/')}`;
  return pattern.segments[pattern.segments.length - 1]!.t === 'globstar' ? [base] : [`${base}.yaml`, `${base}.yml`];
}
