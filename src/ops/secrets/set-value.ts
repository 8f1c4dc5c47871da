/** `set`, `unset`: change one key of a ref, with stable ciphertext. */
import { isMap, isScalar, type Document, type YAMLMap } from 'yaml';
import { AccessError, NotFoundError, UsageError } from '../../kernel/errors.js';
import { topLevelKeys } from '../../formats/document-keys.js';
import { assertSettableKey, parseKeyPath } from '../../kernel/names.js';
import type { Secret } from '../../kernel/secret.js';
import { withRepoLock } from '../../repo/lock.js';
import { canReadLayout, emptyDocument, locateRef, openRef, parseRefFile, saveRef } from './store.js';
import type { Workspace } from '../context/workspace.js';
import { openSopsFile, type OpenedSopsFile } from '../../sops/file.js';

export interface SetResult {
  ref: string;
  key: string;
  /** `replaced`: a write-only author replaced a file holding only this key. */
  action: 'created' | 'added' | 'updated' | 'replaced' | 'unchanged';
  file: string;
  /** Our identities cannot read the file back (a write-only contribution). */
  writeOnly: boolean;
}

const hasTopLevel = (doc: Document) => (k: string) => isMap(doc.contents) && (doc.contents as YAMLMap).has(k);

/**
 * Set `key` in `ref` to `value` (a string), creating the file when needed. An author who
 * cannot read an existing file (write-only, docs/access-policy.md) may replace it only when every
 * key it holds is the one being set; anything else is refused.
 */
export async function setValue(ws: Workspace, ref: string, key: string, value: Secret<string>, options: { allowEmpty?: boolean } = {}): Promise<SetResult> {
  // An empty value is almost always a mistake (`printf %s "$UNSET" | keyfold set …`).
  if (value.reveal() === '' && !options.allowEmpty) {
    throw new UsageError(`refused to set ${key.slice(0, 100)} to an empty value`, { hint: 'check the input (an unset variable?); pass --allow-empty if empty is what you mean' });
  }
  const loc = locateRef(ws, ref);
  return withRepoLock(ws.root, async () => {
    const parsed = parseRefFile(ws, loc);
    let opened: OpenedSopsFile | undefined;
    let replacing = false;
    if (parsed) {
      try {
        opened = openSopsFile(parsed, ws.identities, loc.display);
      } catch (e) {
        if (!(e instanceof AccessError)) throw e;
        const keys = topLevelKeys(parsed.doc);
        const path = parseKeyPath(key, (k) => keys.includes(k));
        if (keys.length !== 1 || keys[0] !== path[0] || path.length !== 1) {
          throw new AccessError(`${loc.ref} holds keys you cannot read, so it cannot be rewritten without them`, {
            hint: 'write-only authors may create a new file, or replace one whose only key is the one being set; put the key in its own ref, or ask a reader',
          });
        }
        replacing = true;
      }
    }
    const plain = opened?.plain ?? emptyDocument();
    const path = parseKeyPath(key, hasTopLevel(plain));
    assertSettableKey(path);
    const before = plain.getIn(path, true);
    if (before !== undefined && !isScalar(before)) {
      throw new UsageError(`${loc.ref}: ${path.join('.')} is a map or list, not a value`, { hint: 'set one of its keys instead (a.b)' });
    }
    const result = (action: SetResult['action'], writeOnly: boolean): SetResult => ({ ref: loc.ref, key: path.join('.'), action, file: loc.display, writeOnly });
    if (isScalar(before) && before.value === value.reveal()) return result('unchanged', false);
    plain.setIn(path, value.reveal());
    // A new file, or a write-only replacement, is encrypted to the policy's recipients.
    const keying = await saveRef(ws, loc, plain, opened);
    if (keying.kind !== 'fresh' || opened) return result(before === undefined ? 'added' : 'updated', false);
    return result(replacing ? 'replaced' : 'created', !canReadLayout(ws, keying.layout));
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
