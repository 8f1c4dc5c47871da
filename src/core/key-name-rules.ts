/**
 * The name rules for the keys of a secrets file, the same at every write (`set`, `edit`,
 * `encrypt`, `import`, `promote`) and in `validate`: top-level names match the repository's
 * `key_pattern` (policies/rules.yaml; `_unencrypted` suffix aside), no name at any depth
 * holds a control character (they would reach terminals and CI logs), and no name —
 * nested ones flattened as `a_b` — is one that changes how programs start. Pure.
 */
import { dangerousNameReason, hasControlChars } from '../kernel/names.js';

export interface KeyNameProblem {
  /** The key path the problem is about. */
  path: string[];
  /** What is wrong, without the file (the caller names it). */
  message: string;
}

export function keyNameProblems(
  topLevel: readonly string[],
  envNames: ReadonlyArray<{ name: string; path: string[] }>,
  keyPattern: RegExp,
  patternSource: string,
  show: (name: string) => string,
): KeyNameProblem[] {
  const out: KeyNameProblem[] = [];
  // Every map key, at any depth, is the last segment of exactly one entry.
  const controlled = new Set<string>();
  for (const { path } of envNames) {
    const last = path[path.length - 1] ?? '';
    if (!hasControlChars(last)) continue;
    out.push({ path, message: `key name ${show(last)} holds a control character` });
    controlled.add(path.join('\u0000'));
  }
  const under = (path: readonly string[]) => path.some((_, i) => controlled.has(path.slice(0, i + 1).join('\u0000')));
  for (const key of topLevel) {
    if (hasControlChars(key)) continue;
    const bare = key.endsWith('_unencrypted') ? key.slice(0, -'_unencrypted'.length) : key;
    if (!keyPattern.test(bare)) out.push({ path: [key], message: `${show(key)} does not match key_pattern ${patternSource}` });
  }
  for (const { name, path } of envNames) {
    if (under(path)) continue;
    const reason = dangerousNameReason(name);
    if (reason) out.push({ path, message: `refused name ${show(name)}: ${reason}` });
  }
  return out;
}
