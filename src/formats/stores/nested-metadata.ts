/**
 * The metadata of a YAML or JSON sops file: the top-level `sops` map, split off after
 * parsing and appended before printing (sops' MetadataFlattenNone).
 */
import { isMap, isScalar, YAMLMap, type Document, type Node } from 'yaml';
import { normalizeNumbers } from '../json.js';
import { FormatError } from '../../kernel/errors.js';

/** Split the `sops` key off a parsed document; returns its raw JS value. */
export function detachSopsBlock(doc: Document, file: string): Record<string, unknown> {
  const root = doc.contents;
  if (!isMap(root)) throw new FormatError(`${file} is not a SOPS file (no top-level mapping)`, { file });
  const idx = (root as YAMLMap<unknown, unknown>).items.findIndex((p) => isScalar(p.key) && p.key.value === 'sops');
  if (idx < 0) throw notSops(file);
  const [pair] = root.items.splice(idx, 1);
  // Ints parse as bigint; the metadata schema wants plain numbers.
  const value = normalizeNumbers((pair!.value as Node | null)?.toJSON() ?? null);
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new FormatError(`${file}: the sops metadata is not a mapping`, { file });
  }
  return value as Record<string, unknown>;
}

/** A well-formed file of the format that carries no sops metadata. */
export class NotSopsError extends FormatError {}

export function notSops(file: string): FormatError {
  return new NotSopsError(`${file} is not a SOPS-encrypted file (no sops metadata)`, {
    file,
    hint: 'encrypt it first with `keyfold encrypt`',
  });
}

/** Append the `sops` block to an encrypted document. */
export function attachSopsBlock(doc: Document, sops: Record<string, unknown>): void {
  let root = doc.contents as Node | null;
  if (!isMap(root)) {
    root = new YAMLMap();
    doc.contents = root;
  }
  (root as YAMLMap).add(doc.createPair('sops', sops));
}

/** Whether a plaintext document has a top-level `sops` key. */
export const hasSopsKey = (doc: Document): boolean => isMap(doc.contents) && (doc.contents as YAMLMap).has('sops');
