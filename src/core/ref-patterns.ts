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
import { REF_SEGMENT_RE } from '../kernel/ref.js';
import { matchesAny } from './policy.js';
import { expandBraces, isLiteral, parseGlob, segmentMatches, toGlob, type Part, type Segment } from './glob-segments.js';

export { expandBraces, parseGlob, refRegexSource, type Segment } from './glob-segments.js';

/** A glob restricted to one environment: its first segment is the environment's name. */
export interface EnvPattern {
  env: string;
  /** The specialised glob, e.g. `prod/providers/**` (picomatch syntax). */
  glob: string;
  segments: Segment[];
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
