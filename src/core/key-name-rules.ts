/**
 * The name rules for the keys of a secrets file, the same at every write (`set`, `edit`,
 * `encrypt`, `import`, `promote`) and in `validate`: top-level names match the repository's
 * `key_pattern` (policies/rules.yaml; `_unencrypted` suffix aside), and no name — nested
 * ones flattened as `a_b` — is one that changes how programs start. Pure.
 */
import { dangerousNameReason } from '../kernel/names.js';

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
  for (const key of topLevel) {
    const bare = key.endsWith('_unencrypted') ? key.slice(0, -'_unencrypted'.length) : key;
    if (!keyPattern.test(bare)) out.push({ path: [key], message: `${show(key)} does not match key_pattern ${patternSource}` });
  }
  for (const { name, path } of envNames) {
    const reason = dangerousNameReason(name);
    if (reason) out.push({ path, message: `refused name ${show(name)}: ${reason}` });
  }
  return out;
}
