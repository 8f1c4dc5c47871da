/**
 * `.env` output: one `NAME=value` line per variable, nested keys flattened as `A_B`.
 *
 * The file must read back exactly through the `dotenv` package *and* be safe to
 * `source` in bash and sh (`set -a; . ./.env`): nothing in it may run code or change
 * meaning. Single quotes satisfy both for any value without `'` (and without CR or
 * NUL, which neither can carry): the shell takes them literally, dotenv keeps the text
 * verbatim, newlines included — except a final `\`, which dotenv takes for an escaped
 * closing quote. A value with `'` is written in double quotes, which both
 * read alike only when the value has no `"`, `\`, `$` or backtick — dotenv has no escape
 * the shell also honours. Anything else is refused, naming the key (use the `shell` or
 * `json` format).
 */
import { UsageError } from '../kernel/errors.js';
import { ENV_NAME_RE, printableName } from '../kernel/names.js';
import { flattenVariables } from './env-vars.js';

/** A plain document as `[name, text]` pairs (see env-vars.ts); names must be valid variable names. */
export function flattenEnv(doc: unknown): Array<[string, string]> {
  return flattenVariables(doc).map(({ name, text }) => {
    if (!ENV_NAME_RE.test(name)) {
      throw new UsageError(`key "${printableName(name.slice(0, 100))}" is not a valid environment variable name`, {
        hint: 'env-style output needs names of letters, digits and _ (not starting with a digit)',
      });
    }
    return [name, text];
  });
}

/** Why a value cannot be written to a .env file safely, or undefined when it can. */
export function dotenvRefusal(value: string): string | undefined {
  if (value.includes('\0')) return 'it contains a NUL character';
  if (value.includes('\r')) return 'it contains a carriage return, which .env readers turn into a newline';
  if (value.endsWith('\\')) return 'it ends with a backslash, which dotenv reads as an escaped closing quote';
  if (value.includes("'") && /["\\$`]/.test(value)) {
    return 'it contains a single quote together with " \\ $ or a backtick, which no .env quoting carries safely for both dotenv and a shell';
  }
  return undefined;
}

/** Quote a value for a .env file (see the module comment); throws for a value that cannot be carried. */
export function quoteDotenv(name: string, value: string): string {
  const refusal = dotenvRefusal(value);
  if (refusal) {
    throw new UsageError(`cannot write ${name} as dotenv: ${refusal}`, { hint: 'use --format shell or --format json for this value' });
  }
  return value.includes("'") ? `"${value}"` : `'${value}'`;
}

export function encodeDotenv(entries: ReadonlyArray<readonly [string, string]>): string {
  return entries.map(([k, v]) => `${k}=${quoteDotenv(k, v)}\n`).join('');
}
