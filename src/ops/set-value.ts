/** `set`, `unset`: change one key of a ref, with stable ciphertext. */
import { isMap, isScalar, type Document, type YAMLMap } from 'yaml';
import { NotFoundError, UsageError } from '../core/errors.js';
import { assertSettableKey, parseKeyPath } from '../core/key-names.js';
import type { Secret } from '../core/secret.js';
import { withRepoLock } from '../repo/lock.js';
import { emptyDocument, locateRef, openRef, parseRefFile, saveRef } from './secret-store.js';
import type { Workspace } from './workspace.js';
import { openSopsFile } from '../core/sops-file.js';

export interface SetResult {
  ref: string;
  key: string;
  action: 'created' | 'added' | 'updated' | 'unchanged';
  file: string;
}

const hasTopLevel = (doc: Document) => (k: string) => isMap(doc.contents) && (doc.contents as YAMLMap).has(k);

/** Set `key` in `ref` to `value` (a string), creating the file when needed. */
export async function setValue(ws: Workspace, ref: string, key: string, value: Secret<string>): Promise<SetResult> {
  const loc = locateRef(ws, ref);
  return withRepoLock(ws.root, async () => {
    const parsed = parseRefFile(ws, loc);
    const opened = parsed ? openSopsFile(parsed, ws.identities, loc.display) : undefined;
    const plain = opened?.plain ?? emptyDocument();
    const path = parseKeyPath(key, hasTopLevel(plain));
    assertSettableKey(path);
    const before = plain.getIn(path, true);
    if (before !== undefined && !isScalar(before)) {
      throw new UsageError(`${loc.ref}: ${path.join('.')} is a map or list, not a value`, { hint: 'set one of its keys instead (a.b)' });
    }
    if (isScalar(before) && before.value === value.reveal()) {
      return { ref: loc.ref, key: path.join('.'), action: 'unchanged', file: loc.display };
    }
    plain.setIn(path, value.reveal());
    await saveRef(ws, loc, plain, opened);
    const action = !opened ? 'created' : before === undefined ? 'added' : 'updated';
    return { ref: loc.ref, key: path.join('.'), action, file: loc.display };
  });
}

export interface UnsetResult {
  ref: string;
  key: string;
  file: string;
}

/** Remove `key` from `ref`; NotFoundError when either does not exist. */
export async function unsetValue(ws: Workspace, ref: string, key: string): Promise<UnsetResult> {
  const loc = locateRef(ws, ref);
  return withRepoLock(ws.root, async () => {
    const opened = await openRef(ws, loc);
    const path = parseKeyPath(key, hasTopLevel(opened.plain));
    if (!opened.plain.hasIn(path)) {
      throw new NotFoundError(`key ${path.join('.')} not found in ${loc.ref}`, { hint: `list its keys with \`keyfold ls ${loc.ref}\`` });
    }
    opened.plain.deleteIn(path);
    await saveRef(ws, loc, opened.plain, opened);
    return { ref: loc.ref, key: path.join('.'), file: loc.display };
  });
}
