/**
 * The exposure ledger: every ref and key a member could read at any point in history
 * (from the files' recipient lists in every committed version, and the working tree),
 * and the rotation status of those keys after the member was removed (removals are
 * recorded by `member remove`, see removals.ts).
 */
import { repoPathToRef } from '../../kernel/ref.js';
import { snapshotOf } from '../../core/file-diff.js';
import { DEFAULT_UNENCRYPTED_SUFFIX } from '../../sops/metadata.js';
import { BlobReader } from '../../repo/git/blobs.js';
import { readLog } from '../../repo/git/log.js';
import { isAncestor } from '../../repo/git/refs.js';
import { isWorkTree } from '../../repo/git/tree.js';
import { scanRefTexts, skippedFile, sortSkipped, type SkippedFile } from '../../repo/secrets-tree.js';
import { KeyfoldError } from '../../kernel/errors.js';
import { parseSopsFile } from '../../sops/file.js';
import { readHistory } from './log.js';
import type { Workspace } from '../context/workspace.js';
import { loadRemovals, loadRotationState } from '../../repo/control-files.js';
import { NotFoundError } from '../../kernel/errors.js';
import { parseDuration } from '../../kernel/duration.js';
import type { RotationEntry } from '../../config/rotation-state.js';
import { blame } from './blame.js';

export interface ExposedRef {
  ref: string;
  keys: string[];
  /** The file no longer exists (its values may still be live elsewhere). */
  deleted: boolean;
}

/**
 * Refs and keys whose files ever listed `recipient`, in git history or the working tree.
 * Working-tree files it cannot read (symlinks, names that are not refs, damaged files)
 * are skipped and reported; their committed versions still count.
 */
export async function exposureOf(ws: Workspace, recipient: string): Promise<{ exposure: ExposedRef[]; skipped: SkippedFile[] }> {
  const exposed = new Map<string, Set<string>>();
  const note = (ref: string, keys: Iterable<string>) => {
    let set = exposed.get(ref);
    if (!set) exposed.set(ref, (set = new Set()));
    // `_unencrypted` values were never secret: nothing to rotate.
    for (const k of keys) if (!k.split('.').some((seg) => seg.endsWith(DEFAULT_UNENCRYPTED_SUFFIX))) set.add(k);
  };
  // The keyfold root may be a subdirectory of the git work tree (a monorepo).
  const hasGit = await isWorkTree(ws.root);
  if (hasGit) {
    // Full history: a version on a merged side branch counts even if the merge dropped it.
    const commits = await readLog(ws.root, { paths: ['secrets'], fullHistory: true });
    const blobs = new BlobReader(ws.root);
    try {
      const versions = commits.flatMap((c) => c.changes.filter((ch) => ch.newBlob).map((ch) => ({ path: ch.path, oid: ch.newBlob! })));
      const seen = new Set<string>();
      await Promise.all(
        versions
          .filter((v) => !seen.has(v.oid) && seen.add(v.oid))
          .map(async (v) => {
            const snap = snapshotOf(await blobs.read(v.oid), v.path);
            const ref = repoPathToRef(v.path, { anyFile: true })!;
            if (snap && snap.groups.some((g) => g.includes(recipient))) note(ref, snap.keys.keys());
          }),
      );
    } finally {
      blobs.close();
    }
  }
  const live = new Set<string>();
  const scan = scanRefTexts(ws.root);
  const skipped = [...scan.skipped];
  for (const entry of scan.refs) {
    live.add(entry.ref);
    const problem = parseProblem(entry.text, entry.display);
    if (problem) {
      skipped.push({ ...problem, message: `${problem.message} (its committed versions are counted)` });
      continue;
    }
    const snap = snapshotOf(entry.text, entry.display);
    if (snap && snap.groups.some((g) => g.includes(recipient))) note(entry.ref, snap.keys.keys());
  }
  const exposure = [...exposed]
    .map(([ref, keys]) => ({ ref, keys: [...keys].sort(), deleted: !live.has(ref) }))
    .sort((a, b) => (a.ref < b.ref ? -1 : 1));
  return { exposure, skipped: sortSkipped(skipped) };
}

/** Why a working-tree file is not a SOPS file keyfold reads (strict), or undefined. */
function parseProblem(text: string, file: string): SkippedFile | undefined {
  try {
    parseSopsFile(text, file, { strict: true, readOnly: true });
    return undefined;
  } catch (e) {
    if (!(e instanceof KeyfoldError)) throw e;
    return skippedFile(file, e);
  }
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
 * `deleted` when the ref or the key is gone from keyfold (rotate it at the provider if
 * it is still in use elsewhere), else `pending`.
 */
export async function rotationStatus(ws: Workspace, options: { decrypt?: boolean } = {}): Promise<RotationItem[]> {
  const removals = loadRemovals(ws.root);
  const live = new Map(scanRefTexts(ws.root, undefined, (e) => [e.ref, snapshotOf(e.text, e.display)?.keys] as const).refs);
  const items: RotationItem[] = [];
  for (const r of removals) {
    // Commits after the removal: those on top of HEAD-at-removal when it is still an
    // ancestor, else (history rewritten) those dated after it.
    const anchored = r.commit !== undefined && (await isAncestor(ws.root, r.commit, 'HEAD'));
    const history = await readHistory(ws, anchored ? { rev: `${r.commit}..HEAD`, decrypt: options.decrypt } : { since: r.removed, decrypt: options.decrypt });
    for (const [ref, keys] of Object.entries(r.exposed)) {
      for (const key of keys) {
        const hit = history.entries.find((e) =>
          e.files.some((f) => (f.ref === ref || f.from === ref) && (f.added.includes(key) || f.changed.includes(key))),
        );
        // A file that is there but cannot be read counts as still holding the key.
        const status = hit ? 'done' : live.has(ref) && (live.get(ref) === undefined || live.get(ref)!.has(key)) ? 'pending' : 'deleted';
        items.push({ member: r.member, removed: r.removed, ref, key, status, ...(hit ? { sha: hit.sha } : {}) });
      }
    }
  }
  return items;
}

/** When a key's value last changed (git history; re-encryptions do not count); undefined before its first commit. */
export async function lastChanged(ws: Workspace, ref: string, key: string): Promise<Date | undefined> {
  try {
    const line = (await blame(ws, ref)).find((b) => b.key === key);
    return line ? new Date(line.date) : undefined;
  } catch (e) {
    if (e instanceof NotFoundError) return undefined;
    throw e;
  }
}

export interface ConfiguredRotation {
  rotation: string;
  ref: string;
  key: string;
  rotator: string;
  every: string;
  grace: string;
  /** When the value last changed (git history). */
  lastRotated?: string;
  nextDue?: string;
  due: boolean;
  /** The provider id of the credential in the secret (rotation/state.yaml). */
  current?: string;
  /** Old credentials waiting for revoke (rotation/state.yaml). */
  pending: RotationEntry['pending'];
}

/** The rotations keyfold.yaml declares: last rotated and next due (git history), pending revokes (rotation/state.yaml). */
export async function configuredRotations(ws: Workspace, now = new Date()): Promise<ConfiguredRotation[]> {
  let config;
  try {
    config = await ws.config();
  } catch (e) {
    if (e instanceof NotFoundError) return [];
    throw e;
  }
  const state = loadRotationState(ws.root);
  const out: ConfiguredRotation[] = [];
  for (const [name, r] of Object.entries(config.rotation)) {
    const last = await lastChanged(ws, r.ref, r.key);
    const every = parseDuration(r.every)!;
    const entry = state.rotations[name];
    out.push({
      rotation: name,
      ref: r.ref,
      key: r.key,
      rotator: r.rotator,
      every: r.every,
      grace: r.grace,
      ...(last ? { lastRotated: iso(last), nextDue: iso(new Date(last.getTime() + every)) } : {}),
      due: !last || now.getTime() - last.getTime() >= every,
      ...(entry?.current ? { current: entry.current } : {}),
      pending: entry?.pending ?? [],
    });
  }
  return out;
}

const iso = (d: Date) => d.toISOString().replace(/\.\d{3}Z$/, 'Z');
