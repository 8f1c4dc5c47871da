/**
 * The glob subset shared by picomatch, RE2 and CODEOWNERS: parsing policy globs into
 * path segments (brace lists expanded), printing them back, and their regex form. Pure.
 * See ref-patterns.ts for what the subset is and why.
 */
/** One piece of a path segment. */
export type Part = { t: 'lit'; s: string } | { t: 'star' } | { t: 'one' } | { t: 'class'; body: string; negated: boolean };

/** A path segment: `**` (any number of segments, including none) or a one-segment glob. */
export type Segment = { t: 'globstar' } | { t: 'seg'; parts: Part[] };

const MAX_EXPANSIONS = 64;

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

export function isLiteral(seg: Segment): seg is { t: 'seg'; parts: Array<{ t: 'lit'; s: string }> } {
  return seg.t === 'seg' && seg.parts.every((p) => p.t === 'lit');
}

export function segmentGlob(seg: Segment): string {
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

export function toGlob(segments: Segment[]): string {
  return segments.map(segmentGlob).join('/');
}

/** Regex source (RE2- and JS-compatible, unanchored) for one non-globstar segment. */
export function segmentRegex(seg: { t: 'seg'; parts: Part[] }): string {
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

export function segmentMatches(seg: Segment, name: string): boolean {
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

