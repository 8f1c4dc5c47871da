/** A decrypted ref's leaf values by dotted key, for comparing refs (promote, diff). */
import type { Document } from 'yaml';
import { flattenVariables } from '../../formats/env-vars.js';
import { AccessError } from '../../kernel/errors.js';
import { topLevelKeys, leafKeyPaths } from '../../formats/document-keys.js';
import type { OpenedSopsFile } from '../../sops/file.js';
import type { Workspace } from '../context/workspace.js';
import { locateRef, parseRefFile, type RefLocation } from './store.js';
import { openSopsFile } from '../../sops/file.js';

export interface RefState {
  loc: RefLocation;
  exists: boolean;
  /** Dotted key → canonical text; undefined when our identities cannot open the file. */
  values?: Map<string, string>;
  /** Key names (from the file, without decrypting). */
  keys: string[];
  opened?: OpenedSopsFile;
}

export function leafValues(plain: Document): Map<string, string> {
  return new Map(flattenVariables(plain.toJS({ mapAsMap: true })).map((v) => [v.path.join('.'), v.text]));
}

/** A ref's keys and, when we can read it, its values. Never throws AccessError. */
export function readRefState(ws: Workspace, ref: string): RefState {
  const loc = locateRef(ws, ref);
  const parsed = parseRefFile(ws, loc);
  if (!parsed) return { loc, exists: false, keys: [] };
  const keys = leafKeyPaths(parsed.doc).map((p) => p.join('.'));
  const top = topLevelKeys(parsed.doc);
  try {
    const opened = openSopsFile(parsed, ws.identities, loc.display);
    return { loc, exists: true, keys, values: leafValues(opened.plain), opened };
  } catch (e) {
    if (!(e instanceof AccessError)) throw e;
    return { loc, exists: true, keys: keys.length ? keys : top };
  }
}
