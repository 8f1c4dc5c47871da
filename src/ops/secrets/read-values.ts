/** `get`, `show`, `ls`: reading refs. */
import { isMap, isScalar, isSeq, type Document, type Node, type YAMLMap } from 'yaml';
import { ExitCode, NotFoundError } from '../../kernel/errors.js';
import { hasControlChars, parseKeyPath, printableNameCut } from '../../kernel/names.js';
import { Secret } from '../../kernel/secret.js';
import { leafKeyPaths } from '../../formats/document-keys.js';
import { sortSkipped, type RefScan } from '../../repo/secrets-tree.js';
import { mapParsedRefs } from './scan-refs.js';
import { locateRef, openRef } from './store.js';
import type { Workspace } from '../context/workspace.js';

const hasTopLevel = (doc: Document) => (k: string) => isMap(doc.contents) && (doc.contents as YAMLMap).has(k);

/** The value of one key; a map or list comes back as a plain JS structure. */
export async function getValue(ws: Workspace, ref: string, key: string): Promise<Secret<unknown>> {
  const loc = locateRef(ws, ref);
  const opened = await openRef(ws, loc, { readOnly: true });
  const path = parseKeyPath(key, hasTopLevel(opened.plain));
  const node = opened.plain.getIn(path, true) as Node | undefined;
  if (node === undefined) {
    throw new NotFoundError(`key ${path.join('.')} not found in ${loc.ref}`, { hint: `list its keys with \`keyfold ls ${loc.ref}\`` });
  }
  ws.recordUse('get', [loc.ref], [path.join('.')]);
  // Maps come back as Map so number-like keys keep their order.
  return new Secret(isScalar(node) ? node.value : node.toJS(opened.plain, { mapAsMap: true }));
}

/** The whole decrypted document of a ref. */
export async function showRef(ws: Workspace, ref: string): Promise<Secret<Document>> {
  const loc = locateRef(ws, ref);
  const plain = (await openRef(ws, loc, { readOnly: true })).plain;
  ws.recordUse('show', [loc.ref], leafKeyPaths(plain).map((p) => p.join('.')));
  return new Secret(plain);
}

export interface RefListing {
  ref: string;
  file: string;
  keys: string[];
}

/**
 * Refs under a prefix with their key names (nested keys dotted), without decrypting.
 * Goes on past what it cannot use, reporting it in `skipped`: symlinks and file names
 * that are not refs, files that are not well-formed SOPS within the metadata allowlist,
 * and key names with control characters (the ref is listed without them).
 */
export function listRefs(ws: Workspace, prefix?: string): RefScan<RefListing> {
  const badNames: RefScan<RefListing>['skipped'] = [];
  // Each file's listing is made as it is parsed (its document is not kept).
  const scan = mapParsedRefs(ws.root, prefix, (entry): RefListing => {
    const parsed = entry.parsed;
    const keys: string[] = [];
    for (const p of leafKeyPaths(parsed.doc)) {
      const name = p.join('.') + (isSeq(parsed.doc.getIn(p, true)) ? '[]' : '');
      if (p.some(hasControlChars)) {
        badNames.push({ file: entry.display, code: 'format', exitCode: ExitCode.failure, message: `key ${printableNameCut(name, 100)} not listed: its name holds a control character` });
      } else keys.push(name);
    }
    return { ref: entry.ref, file: entry.display, keys };
  });
  return { refs: scan.refs, skipped: sortSkipped([...scan.skipped, ...badNames]) };
}
