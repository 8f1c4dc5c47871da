/**
 * Plaintext files to import (`keyfold import`): a .env file read as the `dotenv` package
 * reads it (quotes removed, `\n` in double quotes), JSON or YAML kept as a document
 * (nested maps, order). The format follows the extension unless given.
 */
import dotenv from 'dotenv';
import { Document } from 'yaml';
import { UsageError } from '../kernel/errors.js';
import { parseYaml } from './yaml.js';

export const IMPORT_FORMATS = ['dotenv', 'json', 'yaml'] as const;
export type ImportFormat = (typeof IMPORT_FORMATS)[number];

/** The format of a file to import: by extension (`.env`, `.env.*`, `*.env` → dotenv; `.json`; else YAML). */
export function importFormatFor(path: string): ImportFormat {
  const name = path.split(/[\\/]/).pop() ?? path;
  if (/\.json$/i.test(name)) return 'json';
  if (/^\.env(\..*)?$/.test(name) || /\.env$/i.test(name)) return 'dotenv';
  if (/\.ya?ml$/i.test(name)) return 'yaml';
  throw new UsageError(`cannot tell the format of ${name.slice(0, 100)}`, { hint: 'pass --format dotenv, json or yaml' });
}

/** The document a plaintext file holds. */
export function parseImport(text: string, format: ImportFormat, display: string): Document {
  if (format === 'dotenv') return new Document(new Map(Object.entries(dotenv.parse(text))), { intAsBigInt: true });
  const doc = parseYaml(text, display);
  if (doc.contents !== null && !(doc.contents as { items?: unknown }).items) {
    throw new UsageError(`${display} does not hold a map of keys`, { hint: 'import reads a .env file, or a JSON/YAML object' });
  }
  return doc;
}
