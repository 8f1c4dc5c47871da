/**
 * A decrypted document as environment variables: every leaf (nested maps flattened,
 * `db.url` → `db_url`), its text as programs see it. The one flattening used by
 * `show --format dotenv`, `export`, `run` and the env-style sync targets.
 */
import { envName } from '../kernel/names.js';
import { scalarText } from './scalar-codec.js';

export interface EnvVar {
  name: string;
  /** The key path in the document. */
  path: string[];
  /** The value as text: scalars as sops prints them, lists as JSON, null as empty. */
  text: string;
}

/** Leaves of a plain document (Maps or objects), in document order. */
export function flattenVariables(doc: unknown): EnvVar[] {
  const out: EnvVar[] = [];
  const visit = (v: unknown, path: string[]): void => {
    if (v instanceof Map) {
      for (const [k, x] of v) visit(x, [...path, String(k)]);
      return;
    }
    if (v && typeof v === 'object' && !Array.isArray(v) && !(v instanceof Uint8Array)) {
      for (const [k, x] of Object.entries(v as Record<string, unknown>)) visit(x, [...path, k]);
      return;
    }
    if (path.length === 0) return;
    out.push({ name: envName(path), path, text: envText(v) });
  };
  visit(doc, []);
  return out;
}

function envText(v: unknown): string {
  if (v === null || v === undefined) return '';
  if (typeof v === 'string' || typeof v === 'bigint' || typeof v === 'number' || typeof v === 'boolean' || v instanceof Uint8Array) return scalarText(v);
  return JSON.stringify(v, (_k, x: unknown) => (x instanceof Map ? Object.fromEntries(x) : typeof x === 'bigint' ? x.toString(10) : x));
}
