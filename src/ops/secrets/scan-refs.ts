/**
 * The ref files of a listing that goes on past damage: each file parsed (well-formed
 * SOPS within the metadata allowlist, nothing decrypted), and every one that is not —
 * a symlink, a name that is not a ref, malformed YAML, refused metadata — skipped and
 * reported by name, so one damaged file does not stop `ls`, `report`, `member remove`
 * or `recipients sync` for all the others.
 */
import { parseSopsFile, type ParsedSopsFile } from '../../sops/file.js';
import { scanRefTexts, type RefScan, type RefText } from '../../repo/secrets-tree.js';

export interface ParsedRef extends RefText {
  parsed: ParsedSopsFile;
}

/**
 * Each file mapped as soon as it is parsed (`scanRefTexts`, one file at a time), so a
 * listing of 10,000 files holds 10,000 results, not 10,000 documents. A file that does
 * not parse within the allowlist is skipped.
 */
export function mapParsedRefs<T>(root: string, prefix: string | undefined, map: (entry: ParsedRef) => T): RefScan<T> {
  return scanRefTexts(root, prefix, (e) => map({ ...e, parsed: parseSopsFile(e.text, e.display, { strict: true, readOnly: true }) }));
}
