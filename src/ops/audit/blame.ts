/** `blame`: for every key of a ref, the last commit that changed its value. */
import { snapshotOf } from '../../core/file-diff.js';
import { NotFoundError } from '../../kernel/errors.js';
import { refToPath } from '../../kernel/ref.js';
import { readTextFile } from '../../repo/secrets-tree.js';
import type { Workspace } from '../context/workspace.js';
import { readHistory } from './log.js';

export interface BlameLine {
  key: string;
  sha: string;
  author: string;
  date: string;
  subject: string;
  pr?: number;
  /**
   * Without --decrypt: the newest later commit that gave the file a fresh data key.
   * Such a commit may also have changed this value; `blame --decrypt` tells.
   */
  reencryptedSince?: string;
}

/**
 * For every key of a ref, the last commit that changed its value. Re-encryptions do
 * not count; with `decrypt` (a reader identity) a value changed in one does.
 */
export async function blame(ws: Workspace, ref: string, options: { decrypt?: boolean } = {}): Promise<BlameLine[]> {
  const { entries } = await readHistory(ws, { target: ref, decrypt: options.decrypt });
  const current = entries.find((e) => e.files.length > 0);
  if (!current || current.files[0]!.status === 'deleted') {
    throw new NotFoundError(`ref ${ref} has no history in this repository`, { hint: 'commit it first; blame reads git history' });
  }
  // Keys of the newest version: the newest commit's added+changed and everything
  // still present; walk back until each key has its last value change.
  const liveKeys = new Set<string>();
  const pending = new Map<string, BlameLine | undefined>();
  const reencrypted = new Map<string, string>();
  const known = currentKeys(ws, ref);
  for (const k of known) {
    liveKeys.add(k);
    pending.set(k, undefined);
  }
  for (const e of entries) {
    for (const f of e.files) {
      if (f.unconfirmed) {
        for (const k of f.unconfirmed) if (liveKeys.has(k) && pending.get(k) === undefined && !reencrypted.has(k)) reencrypted.set(k, e.sha);
      }
      for (const k of [...f.added, ...f.changed]) {
        if (liveKeys.has(k) && pending.get(k) === undefined) {
          const since = reencrypted.get(k);
          pending.set(k, {
            key: k,
            sha: e.sha,
            author: e.author,
            date: e.date,
            subject: e.subject,
            ...(e.pr !== undefined ? { pr: e.pr } : {}),
            ...(since !== undefined ? { reencryptedSince: since } : {}),
          });
        }
      }
    }
  }
  return [...pending.entries()].filter((x): x is [string, BlameLine] => x[1] !== undefined).map(([, b]) => b);
}

function currentKeys(ws: Workspace, ref: string): string[] {
  const path = refToPath(ws.root, ref);
  const snap = snapshotOf(readTextFile(path, `secrets/${ref}.yaml`, { root: ws.root }), ref);
  return snap ? [...snap.keys.keys()] : [];
}
