/** `.env` output: one `NAME=value` line per top-level key, nested keys as `A_B`. */
import { envName, ENV_NAME_RE } from '../kernel/names.js';
import { UsageError } from '../kernel/errors.js';
import { scalarText } from './scalar-codec.js';

/** Flatten a plain document into environment variables (nested maps join with `_`). */
export function flattenEnv(doc: Record<string, unknown>): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  const visit = (v: unknown, path: string[]): void => {
    if (v && typeof v === 'object' && !Array.isArray(v)) {
      for (const [k, x] of Object.entries(v as Record<string, unknown>)) visit(x, [...path, k]);
      return;
    }
    const name = envName(path);
    if (!ENV_NAME_RE.test(name)) {
      throw new UsageError(`key "${name.slice(0, 100)}" is not a valid environment variable name`, {
        hint: 'dotenv output needs names of letters, digits and _',
      });
    }
    out.push([name, envText(v)]);
  };
  visit(doc, []);
  return out;
}

function envText(v: unknown): string {
  if (v === null || v === undefined) return '';
  if (typeof v === 'string' || typeof v === 'bigint' || typeof v === 'number' || typeof v === 'boolean') return scalarText(v);
  return JSON.stringify(v, (_k, x: unknown) => (typeof x === 'bigint' ? x.toString(10) : x));
}

/** Quote a value so dotenv parsers (dotenv, dotenvx, docker) read it back unchanged. */
export function quoteDotenv(value: string): string {
  if (!value.includes("'") && !value.includes('\n') && !value.includes('\r')) return `'${value}'`;
  return '"' + value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n').replace(/\r/g, '\\r').replace(/\$/g, '\\$') + '"';
}

export function encodeDotenv(entries: Array<[string, string]>): string {
  return entries.map(([k, v]) => `${k}=${quoteDotenv(v)}\n`).join('');
}
