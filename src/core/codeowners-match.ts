/**
 * Who GitHub asks to review a path: CODEOWNERS rules (gitignore-like patterns; the
 * last matching line wins) applied to repository paths. Pure.
 */
import picomatch from 'picomatch';

export interface OwnerRule {
  match: (path: string) => boolean;
  owners: string[];
}

/** Parse CODEOWNERS text; lines it cannot read are skipped (GitHub ignores them too). */
export function parseCodeowners(text: string): OwnerRule[] {
  const rules: OwnerRule[] = [];
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.replace(/(^|\s)#.*$/, '').trim();
    if (!line) continue;
    const [pattern, ...owners] = line.split(/\s+/);
    const match = matcher(pattern!);
    if (match) rules.push({ match, owners });
  }
  return rules;
}

function matcher(pattern: string): ((path: string) => boolean) | undefined {
  let p = pattern;
  const dirOnly = p.endsWith('/');
  if (dirOnly) p = p.slice(0, -1);
  const anchored = p.startsWith('/') || p.slice(0, -1).includes('/');
  p = p.replace(/^\//, '');
  if (!p) return undefined;
  const glob = anchored ? p : `**/${p}`;
  try {
    const self = picomatch(glob, { dot: true });
    const below = picomatch(`${glob}/**`, { dot: true });
    return dirOnly ? (path) => below(path) : (path) => self(path) || below(path);
  } catch {
    return undefined;
  }
}

/** The owners of a path (last matching rule), empty when none. */
export function ownersOf(rules: readonly OwnerRule[], path: string): string[] {
  for (let i = rules.length - 1; i >= 0; i--) if (rules[i]!.match(path)) return rules[i]!.owners;
  return [];
}
