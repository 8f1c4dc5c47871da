/**
 * The exposure ledger: every ref and key a member could read at any point in history
 * (from the files' recipient lists in every committed version, and the working tree),
 * and the rotation status of those keys after the member was removed.
 *
 * Removals are recorded in `policies/rotations.yaml` (written by `member remove`), so
 * `rotation status` can later tell which exposed keys changed value since.
 */
import { existsSync } from 'node:fs';
import { join, relative } from 'node:path';
import { parseDocument } from 'yaml';
import * as z from 'zod/mini';
import '../core/zod-locale.js';
import { snapshotOf } from '../core/history.js';
import { writeFileAtomic } from '../repo/atomic-write.js';
import { BlobReader, readLog } from '../repo/git-history.js';
import { listRefFiles, readTextFile } from '../repo/secrets-tree.js';
import { parseYamlConfig } from '../config/load-yaml-config.js';
import { readHistory } from './history.js';
import type { Workspace } from './workspace.js';

export const ROTATIONS_FILE = 'policies/rotations.yaml';

export interface ExposedRef {
  ref: string;
  keys: string[];
  /** The file no longer exists (its values may still be live elsewhere). */
  deleted: boolean;
}

/** Refs and keys whose files ever listed `recipient`, in git history or the working tree. */
export async function exposureOf(ws: Workspace, recipient: string): Promise<ExposedRef[]> {
  const exposed = new Map<string, Set<string>>();
  const note = (ref: string, keys: Iterable<string>) => {
    let set = exposed.get(ref);
    if (!set) exposed.set(ref, (set = new Set()));
    for (const k of keys) set.add(k);
  };
  const hasGit = existsSync(join(ws.root, '.git'));
  if (hasGit) {
    const commits = await readLog(ws.root, { paths: ['secrets'] }).catch(() => []);
    const blobs = new BlobReader(ws.root);
    try {
      const versions = commits.flatMap((c) => c.changes.filter((ch) => ch.newBlob).map((ch) => ({ path: ch.path, oid: ch.newBlob! })));
      const seen = new Set<string>();
      await Promise.all(
        versions
          .filter((v) => !seen.has(v.oid) && seen.add(v.oid))
          .map(async (v) => {
            const snap = snapshotOf(await blobs.read(v.oid), v.path);
            const ref = v.path.replace(/^secrets\//, '').replace(/\.ya?ml$/, '');
            if (snap && snap.groups.some((g) => g.includes(recipient))) note(ref, snap.keys.keys());
          }),
      );
    } finally {
      blobs.close();
    }
  }
  const live = new Set<string>();
  for (const entry of listRefFiles(ws.root)) {
    live.add(entry.ref);
    const display = relative(ws.root, entry.path);
    const snap = snapshotOf(readTextFile(entry.path, display, { root: ws.root, dirsChecked: true }), display);
    if (snap && snap.groups.some((g) => g.includes(recipient))) note(entry.ref, snap.keys.keys());
  }
  return [...exposed]
    .map(([ref, keys]) => ({ ref, keys: [...keys].sort(), deleted: !live.has(ref) }))
    .sort((a, b) => (a.ref < b.ref ? -1 : 1));
}

const RemovalSchema = z.strictObject({
  member: z.string(),
  recipient: z.string(),
  removed: z.string(),
  exposed: z.record(z.string(), z.array(z.string())),
});
const RotationsSchema = z.strictObject({ removals: z._default(z.array(RemovalSchema), () => []) });
export type Removal = z.infer<typeof RemovalSchema>;

export function loadRemovals(ws: Workspace): Removal[] {
  const path = join(ws.root, ROTATIONS_FILE);
  if (!existsSync(path)) return [];
  return parseYamlConfig(readTextFile(path, ROTATIONS_FILE), ROTATIONS_FILE, RotationsSchema, 'it is written by `keyfold member remove`').value.removals;
}

/** Append a removal to policies/rotations.yaml (call under the repository lock). */
export function recordRemoval(ws: Workspace, removal: Removal): void {
  const path = join(ws.root, ROTATIONS_FILE);
  const text = existsSync(path)
    ? readTextFile(path, ROTATIONS_FILE)
    : '# Written by `keyfold member remove`: what each removed member could ever read.\n# `keyfold rotation status` reports which of those values have been rotated since.\nremovals: []\n';
  const doc = parseDocument(text);
  const list = doc.get('removals', true);
  const node = doc.createNode(removal);
  if (list && typeof list === 'object' && 'add' in list && Array.isArray((list as { items?: unknown }).items)) {
    (list as { add(n: unknown): void; flow?: boolean }).flow = false;
    (list as { add(n: unknown): void }).add(node);
  } else {
    doc.set('removals', doc.createNode([removal]));
  }
  writeFileAtomic(path, doc.toString({ lineWidth: 0 }));
}

export interface RotationItem {
  member: string;
  removed: string;
  ref: string;
  key: string;
  status: 'done' | 'pending' | 'deleted';
  /** The commit that changed the value after the removal. */
  sha?: string;
}

/**
 * For every key each removed member could read: `done` when a commit after the removal
 * changed its value (re-encryptions do not count unless --decrypt confirms a change),
 * `deleted` when the ref is gone, else `pending`.
 */
export async function rotationStatus(ws: Workspace, options: { decrypt?: boolean } = {}): Promise<RotationItem[]> {
  const removals = loadRemovals(ws);
  const live = new Set(listRefFiles(ws.root).map((e) => e.ref));
  const items: RotationItem[] = [];
  for (const r of removals) {
    const history = await readHistory(ws, { since: r.removed, decrypt: options.decrypt });
    for (const [ref, keys] of Object.entries(r.exposed)) {
      for (const key of keys) {
        const hit = history.entries.find((e) =>
          e.files.some((f) => (f.ref === ref || f.from === ref) && (f.added.includes(key) || (f.reencrypted ? (f.confirmed ?? []) : f.changed).includes(key))),
        );
        const status = hit ? 'done' : live.has(ref) ? 'pending' : 'deleted';
        items.push({ member: r.member, removed: r.removed, ref, key, status, ...(hit ? { sha: hit.sha } : {}) });
      }
    }
  }
  return items;
}
