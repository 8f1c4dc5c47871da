/**
 * Every name rule in one place: member, role, environment, service and target names;
 * GitHub logins; age recipients; secret key names and how they address nested keys;
 * environment-variable names and the one flattening rule (nested `a.b` → `a_b`);
 * the names refused because they change how programs start; and how names are shown
 * in human-readable output.
 */
import { UsageError } from './errors.js';

/** Members, roles, environments, services, targets: letters, digits, `. _ -`, not starting with `.` or `-`. */
export const NAME_RE = /^[A-Za-z0-9_][A-Za-z0-9._-]*$/;
export const NAME_HINT = 'use letters, digits, . _ -';

/** GitHub's login syntax (1–39 characters, single inner hyphens). */
export const GITHUB_LOGIN_RE = /^[A-Za-z0-9](?:[A-Za-z0-9]|-(?=[A-Za-z0-9])){0,38}$/;

/** An age X25519 recipient (`age1…`, 62 characters of lower-case Bech32). */
export const RECIPIENT_RE = /^age1[02-9ac-hj-np-z]{58}$/;

/** A full git object id (SHA-1). */
export const COMMIT_RE = /^[0-9a-f]{40}$/;

/** An environment-variable name as env-style targets, dotenv and `run` accept it. */
export const ENV_NAME_RE = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** The word for `n` things in human-readable output: `one` for 1, else `many` (`plural(n, 'was', 'were')`). */
export function plural(n: number, one: string, many: string): string {
  return n === 1 ? one : many;
}

/** `n` and a noun with a regular plural: `1 ref`, `3 refs`. */
export function count(n: number, noun: string): string {
  return `${n} ${plural(n, noun, `${noun}s`)}`;
}

/** The environment-variable name of a key path: nested keys joined with `_` (`db`,`url` → `db_url`). */
export function envName(path: readonly string[]): string {
  return path.join('_');
}

/** A recipient for messages: the label is file content, so only a well-formed one is quoted. */
export function describeRecipientLabel(label: string): string {
  return RECIPIENT_RE.test(label) ? label : 'a malformed recipient label';
}

/** Refuse a member/role/… name that breaks NAME_RE. */
export function assertName(name: string, what: string): void {
  if (!NAME_RE.test(name)) throw new UsageError(`invalid ${what} "${printableName(name.slice(0, 60))}"`, { hint: NAME_HINT });
}

/**
 * Variables that change how programs start, load code, trust TLS, reach the network
 * or run helpers: a secret may not carry such a name, since `run`, `export` and the
 * env-style targets would set it. Compared upper-case. One documented list
 * (docs/threat-model.md); a service can allow a name explicitly (`allow_env`).
 */
export const DANGEROUS_ENV_NAMES: ReadonlySet<string> = new Set([
  // shells
  'BASH_ENV', 'ENV', 'PATH', 'IFS', 'CDPATH', 'GLOBIGNORE', 'SHELLOPTS', 'BASHOPTS', 'PROMPT_COMMAND', 'PS1', 'PS2', 'PS3', 'PS4', 'HOME', 'SHELL', 'TMPDIR',
  // Node.js
  'NODE_OPTIONS', 'NODE_PATH', 'NODE_EXTRA_CA_CERTS', 'NODE_TLS_REJECT_UNAUTHORIZED', 'NODE_REPL_EXTERNAL_MODULE', 'NODE_REDIRECT_WARNINGS', 'NODE_V8_COVERAGE', 'NODE_ICU_DATA', 'ELECTRON_RUN_AS_NODE',
  // Python, Perl, Ruby, Java, PHP, Lua, .NET
  'PYTHONPATH', 'PYTHONSTARTUP', 'PYTHONHOME', 'PYTHONWARNINGS', 'PYTHONINSPECT', 'PYTHONUSERBASE', 'PYTHONBREAKPOINT', 'PYTHONEXECUTABLE', 'PYTHONSAFEPATH',
  'PERL5OPT', 'PERL5LIB', 'PERLLIB', 'PERL5DB', 'PERL_MB_OPT', 'PERL_MM_OPT',
  'RUBYOPT', 'RUBYLIB', 'GEM_HOME', 'GEM_PATH', 'BUNDLE_GEMFILE',
  'JAVA_TOOL_OPTIONS', '_JAVA_OPTIONS', 'JDK_JAVA_OPTIONS', 'CLASSPATH', 'JAVA_HOME',
  'PHPRC', 'PHP_INI_SCAN_DIR', 'LUA_INIT', 'LUA_PATH', 'LUA_CPATH', 'DOTNET_STARTUP_HOOKS', 'DOTNET_ADDITIONAL_DEPS',
  // the C library and the loader
  'GCONV_PATH', 'GLIBC_TUNABLES', 'LOCPATH', 'NLSPATH', 'HOSTALIASES', 'RESOLV_HOST_CONF', 'MALLOC_CHECK_', 'MALLOC_PERTURB_',
  // git and ssh
  'GIT_SSH', 'GIT_SSH_COMMAND', 'GIT_ASKPASS', 'SSH_ASKPASS', 'GIT_EXEC_PATH', 'GIT_PROXY_COMMAND', 'GIT_EXTERNAL_DIFF', 'GIT_EDITOR', 'GIT_PAGER',
  'GIT_TEMPLATE_DIR', 'GIT_CONFIG', 'GIT_CONFIG_GLOBAL', 'GIT_CONFIG_SYSTEM', 'GIT_CONFIG_NOSYSTEM', 'GIT_CONFIG_PARAMETERS', 'GIT_CONFIG_COUNT', 'GIT_DIR', 'GIT_WORK_TREE',
  // helpers programs run
  'EDITOR', 'VISUAL', 'PAGER', 'MANPAGER', 'BROWSER', 'LESSOPEN', 'LESSCLOSE',
  // network and TLS trust
  'HTTP_PROXY', 'HTTPS_PROXY', 'ALL_PROXY', 'FTP_PROXY', 'NO_PROXY', 'SSL_CERT_FILE', 'SSL_CERT_DIR', 'CURL_CA_BUNDLE', 'REQUESTS_CA_BUNDLE',
]);

/**
 * Variables that carry identities or an agent session (`KEYFOLD_AGE_KEY`, `…_FILE`,
 * `SOPS_AGE_KEY`, `SOPS_AGE_KEY_FILE`, `SOPS_AGE_KEY_CMD`, `KEYFOLD_SESSION`): never
 * passed to a program keyfold starts (`run`'s command, `edit`'s editor).
 */
export const IDENTITY_ENV_RE = /^(?:KEYFOLD_AGE_KEY|SOPS_AGE_KEY|KEYFOLD_SESSION)/i;

/** `env` without the identity variables (IDENTITY_ENV_RE). */
export function withoutIdentityVariables(env: NodeJS.ProcessEnv): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(env)) if (v !== undefined && !IDENTITY_ENV_RE.test(k)) out[k] = v;
  return out;
}

/** Name prefixes with the same effect (the loader, git config injection, package managers, keyfold and sops identities). */
export const DANGEROUS_ENV_PREFIXES: readonly string[] = [
  'LD_', 'DYLD_', 'GIT_CONFIG_KEY_', 'GIT_CONFIG_VALUE_', 'NPM_CONFIG_', 'YARN_', 'PNPM_', 'CORECLR_', 'COMPLUS_', 'KEYFOLD_', 'SOPS_',
];

/** Why a name may not be a secret or service variable name, or undefined when it may. */
export function dangerousNameReason(name: string): string | undefined {
  const upper = name.toUpperCase();
  if (DANGEROUS_ENV_NAMES.has(upper)) return `${printableName(name)} changes how programs start or whom they trust`;
  const prefix = DANGEROUS_ENV_PREFIXES.find((p) => upper.startsWith(p));
  if (prefix) return `${prefix}* variables change how programs start or whom they trust`;
  return undefined;
}

// No `:`, no leading whitespace or `#`, and no control character anywhere (CONTROL_CHAR_RE).
// eslint-disable-next-line no-control-regex
const KEY_SEGMENT_RE = /^[^\s:#\u0000-\u001f\u007f-\u009f][^:\u0000-\u001f\u007f-\u009f]*$/;

/**
 * The map-key path a user-supplied KEY addresses: a top-level key as is when the
 * document has it, else split on dots (`db.password`).
 */
export function parseKeyPath(key: string, hasTopLevel: (k: string) => boolean): string[] {
  if (key === '') throw new UsageError('the key name is empty');
  const path = hasTopLevel(key) || !key.includes('.') ? [key] : key.split('.');
  for (const seg of path) {
    if (!KEY_SEGMENT_RE.test(seg) || seg.length > 256) {
      throw new UsageError(`invalid key name "${printableName(key.slice(0, 100))}"`, {
        hint: 'key names are non-empty, contain no ":" or control characters and do not start with "#" or whitespace',
      });
    }
  }
  return path;
}

/** Refuse names that must not be secret names. */
export function assertSettableKey(path: string[]): void {
  // Nested keys reach env-style targets flattened as A_B, so check that name too.
  const reason = dangerousNameReason(path[0]!) ?? dangerousNameReason(envName(path));
  if (reason) throw new UsageError(`refused: ${reason}`, { hint: 'choose another name for this secret' });
}

/** C0 and C1 control characters and DEL: refused in every name keyfold writes. */
// eslint-disable-next-line no-control-regex
export const CONTROL_CHAR_RE = /[\u0000-\u001f\u007f-\u009f]/;

/** Whether a name holds a C0/C1 control character or DEL (refused at write, skipped in listings). */
export function hasControlChars(name: string): boolean {
  return CONTROL_CHAR_RE.test(name);
}

/**
 * What is never printed raw in human-readable output: C0 and C1 control characters and
 * DEL (terminal escapes, OSC sequences, a newline starting an `::error` line in a CI
 * log), and the Unicode line separators and bidirectional overrides that make text
 * read differently from what it is.
 */
// eslint-disable-next-line no-control-regex
const UNPRINTABLE_RE = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;
// eslint-disable-next-line no-control-regex
const UNPRINTABLE_BUT_NEWLINE_RE = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u2028\u2029\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

function escapeChar(c: string): string {
  if (c === '\n') return '\\n';
  if (c === '\r') return '\\r';
  if (c === '\t') return '\\t';
  const code = c.charCodeAt(0);
  return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
}

/**
 * A name (ref, key, member, file, git author, commit subject…) as it may appear in a
 * human-readable line: control characters escaped (`\n`, `\x1b`, `\u202e`). The one
 * escaping rule for every text output, validate's messages and CI annotations included.
 */
export function printableName(name: string): string {
  return name.replace(UNPRINTABLE_RE, escapeChar);
}

/** `printableName`, cut to `max` characters (with `…`). */
export function printableNameCut(name: string, max: number): string {
  const clean = printableName(name);
  return clean.length > max ? clean.slice(0, Math.max(0, max - 1)) + '…' : clean;
}

/** Multi-line human-readable text: like `printableName`, but line breaks are kept. */
export function printableText(text: string): string {
  return text.replace(UNPRINTABLE_BUT_NEWLINE_RE, escapeChar);
}
