/**
 * Refs: a secrets file named by its path under `secrets/` without `.yaml`
 * (`prod/providers/openrouter`). The one mapping between refs and paths — on disk
 * (absolute), and repository-relative POSIX paths as git names them.
 */
import { join, relative, resolve, sep } from 'node:path';
import { UsageError } from './errors.js';
import { printableName } from './names.js';

export const SECRETS_DIR = 'secrets';

/** The repository's configuration file; the folder holding it is the repository root. */
export const CONFIG_FILE = 'keyfold.yaml';

export const REF_SEGMENT_RE = /^[A-Za-z0-9_][A-Za-z0-9._-]*$/;
const YAML_EXT_RE = /\.ya?ml$/;

/** Validate a ref (`prod/providers/openrouter`, also accepted with `secrets/` and `.yaml`) and return its segments. */
export function parseRef(ref: string): string[] {
  const clean = ref.replace(YAML_EXT_RE, '').replace(/^secrets\//, '');
  const segments = clean.split('/');
  if (segments.length < 2 || segments.some((s) => !REF_SEGMENT_RE.test(s) || s === '.' || s === '..')) {
    throw new UsageError(`invalid ref "${printableName(ref.slice(0, 200))}"`, {
      hint: 'a ref is <env>/<folder…>/<name>, e.g. dev/providers/openrouter (letters, digits, . _ -)',
    });
  }
  return segments;
}

/** The environment of a ref: its first segment. */
export function refEnv(ref: string): string {
  return ref.split('/', 1)[0]!;
}

/** A ref prefix (`prod/providers`, `prod/`, `secrets/prod`) in canonical form, without slashes at either end. */
export function normalizeRefPrefix(prefix: string): string {
  return prefix.replace(/^secrets\//, '').replace(YAML_EXT_RE, '').replace(/^\/+|\/+$/g, '');
}

/** Whether `ref` is `prefix` itself or lies below it (an empty prefix matches everything). */
export function refUnder(ref: string, prefix: string | undefined): boolean {
  const p = prefix ? normalizeRefPrefix(prefix) : '';
  return p === '' || ref === p || ref.startsWith(p + '/');
}

/** The file of a ref on disk. */
export function refToPath(root: string, ref: string): string {
  return join(root, SECRETS_DIR, ...parseRef(ref)) + '.yaml';
}

/** The ref of a file path on disk inside `<root>/secrets`, or undefined when it is outside or not YAML. */
export function pathToRef(root: string, path: string): string | undefined {
  const rel = relative(join(root, SECRETS_DIR), resolve(path));
  if (rel.startsWith('..') || rel === '' || !YAML_EXT_RE.test(rel)) return undefined;
  return rel.split(sep).join('/').replace(YAML_EXT_RE, '');
}

/** The repository-relative POSIX path of a ref's file (`secrets/<ref>.yaml`), as git names it. */
export function refToRepoPath(ref: string): string {
  return `${SECRETS_DIR}/${ref}.yaml`;
}

/**
 * The ref of a repository-relative POSIX path (`secrets/dev/api.yaml`), or undefined
 * when it is not a secrets file. `anyFile`: any path under `secrets/` names a ref
 * (its extension, if YAML, removed) — for authorization, where every path counts.
 */
export function repoPathToRef(path: string, options: { anyFile?: boolean } = {}): string | undefined {
  if (!path.startsWith(SECRETS_DIR + '/') || (!options.anyFile && !YAML_EXT_RE.test(path))) return undefined;
  return path.slice(SECRETS_DIR.length + 1).replace(YAML_EXT_RE, '');
}

/** True when `path` is inside `<root>/secrets/`. */
export function isUnderSecrets(root: string, path: string): boolean {
  const rel = relative(join(root, SECRETS_DIR), resolve(path));
  return rel !== '' && !rel.startsWith('..') && !rel.startsWith(sep);
}
