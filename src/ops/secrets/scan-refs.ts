/**
 * The ref files of a listing that goes on past damage: each file parsed (well-formed
 * SOPS within the metadata allowlist, nothing decrypted), and every one that is not —
 * a symlink, a name that is not a ref, malformed YAML, refused metadata — skipped and
 * reported by name, so one damaged file does not stop `ls`, `report`, `member remove`
 * or `recipients sync` for all the others.
 */
import { KeyfoldError } from '../../kernel/errors.js';
import { parseSopsFile, type ParsedSopsFile } from '../../sops/file.js';
import { scanRefTexts, skippedFile, sortSkipped, type RefScan, type RefText } from '../../repo/secrets-tree.js';

export interface ParsedRef extends RefText {
  parsed: ParsedSopsFile;
}

export function scanParsedRefs(root: string, prefix?: string): RefScan<ParsedRef> {
  const scan = scanRefTexts(root, prefix);
  const refs: ParsedRef[] = [];
  const skipped = [...scan.skipped];
  for (const entry of scan.refs) {
    try {
      refs.push({ ...entry, parsed: parseSopsFile(entry.text, entry.display, { strict: true, readOnly: true }) });
    } catch (e) {
      if (!(e instanceof KeyfoldError)) throw e;
      skipped.push(skippedFile(entry.display, e, entry.ref));
    }
  }
  return { refs, skipped: sortSkipped(skipped) };
}
