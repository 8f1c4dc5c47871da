/** The `sops` metadata key of a SOPS document: split off after parsing, appended before printing. */
import { isMap, isScalar, YAMLMap, type Document, type Node } from 'yaml';
import { normalizeNumbers } from '../formats/json.js';
import { FormatError } from '../kernel/errors.js';

/** Split the `sops` key off a parsed document; returns its raw JS value. */
export function detachSopsBlock(doc: Document, file: string): Record<string, unknown> {
  const root = doc.contents;
  if (!isMap(root)) throw new FormatError(`${file} is not a SOPS file (no top-level mapping)`, { file });
  const idx = (root as YAMLMap<unknown, unknown>).items.findIndex((p) => isScalar(p.key) && p.key.value === 'sops');
  if (idx < 0) {
    throw new FormatError(`${file} is not a SOPS-encrypted file (no sops metadata)`, {
      file,
      hint: 'encrypt it first with `keyfold encrypt`',
    });
  }
  const [pair] = root.items.splice(idx, 1);
  // Ints parse as bigint; the metadata schema wants plain numbers.
  const value = normalizeNumbers((pair!.value as Node | null)?.toJSON() ?? null);
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new FormatError(`${file}: the sops metadata is not a mapping`, { file });
  }
  return value as Record<string, unknown>;
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
