/**
 * `import FILE --ref REF`: the keys of a plaintext .env, JSON or YAML file (or, with
 * `fromSops`, of any sops file keyfold can decrypt) into a ref, nested maps kept.
 * Existing keys are overwritten only with `overwrite`; the refusal names them and
 * nothing is written. Written like any ref (write access, key names, stable ciphertext).
 */
import { resolve, relative, sep } from 'node:path';
import { isMap, type Document, type Pair, type YAMLMap } from 'yaml';
import { ConflictError, UsageError } from '../../kernel/errors.js';
import { encodeJson } from '../../formats/json.js';
import { importFormatFor, parseImport, type ImportFormat } from '../../formats/plain-import.js';
import { withRepoLock } from '../../repo/lock.js';
import { readTextFile } from '../../repo/secrets-tree.js';
import type { Workspace } from '../context/workspace.js';
import { openSopsPath } from './file-crypt.js';
import { emptyDocument, locateRef, openRef, parseRefFile, saveRef } from './store.js';

export interface ImportOptions {
  ref: string;
  format?: ImportFormat;
  /** FILE is a sops file: decrypt it (any format) and import its document. */
  fromSops?: boolean;
  overwrite?: boolean;
}

export interface ImportResult {
  ref: string;
  file: string;
  added: string[];
  overwritten: string[];
  unchanged: string[];
}

const keyOf = (p: Pair<unknown, unknown>) => String((p.key as { value?: unknown })?.value ?? p.key);

export async function importFile(ws: Workspace, file: string, options: ImportOptions): Promise<ImportResult> {
  const path = resolve(ws.cwd, file);
  const display = relative(ws.cwd, path).split(sep).join('/');
  const source: Document = options.fromSops
    ? openSopsPath({ abs: path, display, explicit: true }, ws.identities, { readOnly: true })!.plain
    : parseImport(readTextFile(path, display), options.format ?? importFormatFor(path), display);
  const incoming = isMap(source.contents) ? (source.contents as YAMLMap).items : [];
  if (incoming.length === 0) throw new UsageError(`${display} holds no keys to import`);
  const loc = locateRef(ws, options.ref);
  return withRepoLock(ws.root, async () => {
    const opened = parseRefFile(ws, loc) ? await openRef(ws, loc) : undefined;
    const plain = opened?.plain ?? emptyDocument();
    const result: ImportResult = { ref: loc.ref, file: loc.display, added: [], overwritten: [], unchanged: [] };
    for (const pair of incoming) {
      const key = keyOf(pair);
      const value = source.createNode((pair.value as { toJSON?: () => unknown })?.toJSON?.() ?? pair.value);
      const before = plain.get(key, true) as { toJSON?: () => unknown } | undefined;
      if (before === undefined) result.added.push(key);
      else if (encodeJson(before.toJSON?.() ?? before) === encodeJson(value.toJSON())) {
        result.unchanged.push(key);
        continue;
      } else result.overwritten.push(key);
      plain.set(key, value);
    }
    if (result.overwritten.length > 0 && !options.overwrite) {
      throw new ConflictError(`${loc.ref} already holds ${result.overwritten.join(', ')}`, { hint: 'pass --overwrite to replace them (nothing was written)' });
    }
    if (result.added.length + result.overwritten.length > 0) await saveRef(ws, loc, plain, opened);
    return result;
  });
}
