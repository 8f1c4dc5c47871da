/**
 * Secret key names: addressing (`a.b` for nested keys) and the names refused because
 * they change how programs start (DESIGN §2).
 */
import { UsageError } from './errors.js';

const DANGEROUS_EXACT = new Set([
  'NODE_OPTIONS',
  'NODE_PATH',
  'BASH_ENV',
  'ENV',
  'PATH',
  'PYTHONPATH',
  'PYTHONSTARTUP',
  'PYTHONHOME',
  'PERL5OPT',
  'PERL5LIB',
  'PERLLIB',
  'RUBYOPT',
  'RUBYLIB',
  'JAVA_TOOL_OPTIONS',
  '_JAVA_OPTIONS',
  'JDK_JAVA_OPTIONS',
  'SHELLOPTS',
  'PS4',
  'PROMPT_COMMAND',
  'IFS',
  'GIT_SSH_COMMAND',
  'GIT_EXEC_PATH',
  'HOME',
  'SHELL',
]);
const DANGEROUS_PREFIXES = ['LD_', 'DYLD_'];

/** Why a name may not be a secret name, or undefined when it may. */
export function dangerousNameReason(name: string): string | undefined {
  const upper = name.toUpperCase();
  if (DANGEROUS_EXACT.has(upper)) return `${name} changes how programs start`;
  const prefix = DANGEROUS_PREFIXES.find((p) => upper.startsWith(p));
  if (prefix) return `${prefix}* variables change how programs start`;
  return undefined;
}

const KEY_SEGMENT_RE = /^[^\s:#][^:]*$/;

/**
 * The map-key path a user-supplied KEY addresses: a top-level key as is when the
 * document has it, else split on dots (`db.password`).
 */
export function parseKeyPath(key: string, hasTopLevel: (k: string) => boolean): string[] {
  if (key === '') throw new UsageError('the key name is empty');
  const path = hasTopLevel(key) || !key.includes('.') ? [key] : key.split('.');
  for (const seg of path) {
    if (!KEY_SEGMENT_RE.test(seg) || seg.length > 256) {
      throw new UsageError(`invalid key name "${key.slice(0, 100)}"`, {
        hint: 'key names are non-empty, contain no ":" and do not start with "#" or whitespace',
      });
    }
  }
  return path;
}

/** Refuse names that must not be secret names. */
export function assertSettableKey(path: string[]): void {
  // Nested keys reach env-style targets flattened as A_B, so check that name too.
  const reason = dangerousNameReason(path[0]!) ?? dangerousNameReason(path.join('_'));
  if (reason) throw new UsageError(`refused: ${reason}`, { hint: 'choose another name for this secret' });
}
