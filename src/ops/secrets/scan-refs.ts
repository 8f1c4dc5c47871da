/**
 * The ref files of a listing that goes on past damage: each file parsed (well-formed
 * SOPS within the metadata allowlist, nothing decrypted), and every one that is not —
 * a symlink, a name that is not a ref, malformed YAML, refused metadata — skipped and
 * reported by name, so one damaged file does not stop `ls`, `report`, `member remove`
 * or `recipients sync` for all the others.
 */
import { KeyfoldError } from '../../kernel/errors.js';
import { parseSopsFile, type ParsedSopsFile } from '../../sops/file.js';
import { readTextFile, scanRefFiles, skippedFile, sortSkipped, type RefScan, type RefText } from '../../repo/secrets-tree.js';
import { relative } from 'node:path';

export interface ParsedRef extends RefText {
  parsed: ParsedSopsFile;
}

/**
 * Each file mapped as soon as it is parsed, one file at a time: what `map` does not keep
 * (the text, the document) is not held for the others, so a listing of 10,000 files
 * holds 10,000 results, not 10,000 documents.
 */
export function mapParsedRefs<T>(root: string, prefix: string | undefined, map: (entry: ParsedRef) => T): RefScan<T> {
  const scan = scanRefFiles(root, prefix);
  const refs: T[] = [];
  const skipped = [...scan.skipped];
  for (const e of scan.refs) {
    const display = relative(root, e.path);
    try {
      const text = readTextFile(e.path, display, { root, dirsChecked: true });
      refs.push(map({ ...e, display, text, parsed: parseSopsFile(text, display, { strict: true, readOnly: true }) }));
    } catch (err) {
      if (!(err instanceof KeyfoldError)) throw err;
      skipped.push(skippedFile(display, err, e.ref));
    }
  }
  return { refs, skipped: sortSkipped(skipped) };
}
