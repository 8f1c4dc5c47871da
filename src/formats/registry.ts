/**
 * Output formats for decrypted documents, keyed by name. A new format is one entry
 * here (and its encoder in its own file). The CLI never touches the `yaml` package:
 * it asks this registry.
 */
import { Document } from 'yaml';
import { UsageError } from '../kernel/errors.js';
import { encodeDotenv, flattenEnv } from './dotenv.js';
import { encodeJson, encodeJsonMember, joinJsonMembers } from './json.js';
import { scalarText } from './scalar-codec.js';
import { encodeShell } from './shell.js';
import { stringifyYaml } from './yaml.js';

export interface DocumentFormat {
  /** The whole document as this format's text. */
  encode(doc: Document): string;
}

const plainOf = (doc: Document): unknown => doc.toJS({ mapAsMap: true }) ?? new Map();

const FORMATS = {
  yaml: { encode: (doc) => stringifyYaml(doc) },
  // mapAsMap: map order survives even for number-like keys.
  json: { encode: (doc) => encodeJson(doc.toJS({ mapAsMap: true }) ?? {}) + '\n' },
  dotenv: { encode: (doc) => encodeDotenv(flattenEnv(plainOf(doc))) },
  shell: { encode: (doc) => encodeShell(flattenEnv(plainOf(doc))) },
} satisfies Record<string, DocumentFormat>;

export type DocumentFormatName = keyof typeof FORMATS;
export const DOCUMENT_FORMATS = Object.keys(FORMATS) as DocumentFormatName[];

export function documentFormat(name: string): DocumentFormat {
  const f = Object.hasOwn(FORMATS, name) ? (FORMATS as Record<string, DocumentFormat>)[name] : undefined;
  if (!f) throw new UsageError(`unknown format "${name.slice(0, 40)}"`, { hint: `formats: ${DOCUMENT_FORMATS.join(', ')}` });
  return f;
}

/** Several documents keyed by name (e.g. file path), as one JSON object or one YAML map. */
export function encodeDocumentMap(docs: ReadonlyArray<readonly [string, Document]>, format: 'json' | 'yaml'): string {
  const data = new Map(docs.map(([name, doc]) => [name, doc.toJS({ mapAsMap: true }) ?? new Map()]));
  return format === 'json' ? encodeJson(data) + '\n' : stringifyYaml(new Document(data));
}

/**
 * One entry of `encodeDocumentMap(…, 'json')`, encoded on its own (bulk decrypt encodes
 * each file where it was decrypted, in a worker thread); `joinDocumentEntries` of the
 * entries in order is byte-identical to encodeDocumentMap of the documents.
 */
export function encodeDocumentEntry(name: string, doc: Document): string {
  return encodeJsonMember(name, doc.toJS({ mapAsMap: true }) ?? new Map());
}

export function joinDocumentEntries(entries: readonly string[]): string {
  return joinJsonMembers(entries) + '\n';
}

/** One value as `get` prints it: a scalar as plain text, `null` as `null`, a map or list as YAML. */
export function encodeValue(v: unknown): string {
  if (v === null) return 'null';
  if (typeof v === 'string' || typeof v === 'bigint' || typeof v === 'number' || typeof v === 'boolean' || v instanceof Uint8Array) return scalarText(v);
  return new Document(v).toString({ indent: 2 });
}
