/**
 * `validate --base REV`: what the change does since the base and whether its authors
 * may do it, judged with the base commit's policy (S3, S4), and no rollback (S5).
 *
 * The change is the work tree against the fork point of the base and HEAD (what a
 * merge would apply; equal to base..HEAD when the branch contains the base), with
 * renames as a delete and an add.
 */
import { repoPathToRef } from '../../kernel/ref.js';
import type { AccessPolicy } from '../../config/access-policy.js';
import { authorizeChanges, resolveAuthor, type FileChange } from '../../core/change-authorization.js';
import { diffSnapshots, snapshotOf, type FileSnapshot } from '../../core/file-diff.js';
import { versionFacts, type VersionFacts } from '../../core/rollback.js';
import { checkRollback, type RollbackInput } from './rollback.js';
import { layoutKey, memberCan } from '../../core/policy.js';
import type { Violation } from '../../core/violation.js';
import { readAtRevisions } from '../../repo/git/blobs.js';
import { mergeBase, resolveCommit } from '../../repo/git/refs.js';
import { changesSince } from '../../repo/git/tree.js';
import type { SecretFile } from './secrets.js';

/** One changed file, as `validate --json` and the PR summary report it: names only, never values. */
export interface ChangedFile {
  file: string;
  status: 'added' | 'modified' | 'deleted';
  /** For files under `secrets/`. */
  ref?: string;
  /** Key names added, whose ciphertext changed, and removed (secrets files). */
  keys?: { added: string[]; changed: string[]; removed: string[] };
  /** A fresh data key re-encrypted every value: which values changed cannot be told. */
  reencrypted?: boolean;
  /**
   * Re-encrypted by an author who cannot read the ref (by the base policy): a write-only
   * replacement — every key in the file is new, and no reviewer can see what it holds.
   */
  writeOnly?: boolean;
  recipientsChanged?: boolean;
}

export interface ChangeCheckInput {
  root: string;
  /** The base commit id. */
  base: string;
  basePolicy?: AccessPolicy;
  /** The work tree's policy when valid (onboarding is judged from it). */
  headPolicy?: AccessPolicy;
  authors: readonly string[];
  /** The work tree's secrets files, by path. */
  headFiles: ReadonlyMap<string, SecretFile>;
}

export async function checkChanges(input: ChangeCheckInput): Promise<{ changed: ChangedFile[]; violations: Violation[] }> {
  const { root, base } = input;
  const violations: Violation[] = [];
  const head = await resolveCommit(root, 'HEAD').catch(() => undefined);
  const fork = (head && (await mergeBase(root, base, head))) ?? base;
  const changes = await changesSince(root, fork);

  // Earlier versions of changed secrets files: at the fork point, and at the base when it moved on.
  const secretPaths = changes.filter((c) => repoPathToRef(c.path, { anyFile: true }) !== undefined && !/[\n\r]/.test(c.path)).map((c) => c.path);
  const revs = fork === base ? [fork] : [fork, base];
  const blobs = await readAtRevisions(root, revs.flatMap((rev) => secretPaths.map((path) => ({ rev, path }))));
  const earlier = new Map<string, Array<string | undefined>>(
    secretPaths.map((p, i) => [p, revs.map((_, r) => blobs[r * secretPaths.length + i]?.toString('utf8'))]),
  );

  // Authors as members of the base policy (unknown authors are reported by authorizeChanges).
  const members = input.basePolicy ? input.authors.map((a) => resolveAuthor(input.basePolicy!, a)).filter((m): m is string => m !== undefined) : [];
  const someAuthorCannotRead = (ref: string) => members.some((m) => !memberCan(input.basePolicy!, m, 'read', ref));

  const changed: ChangedFile[] = [];
  const fileChanges: FileChange[] = [];
  const rollbackInputs: RollbackInput[] = [];
  for (const c of changes) {
    const entry: ChangedFile = { file: c.path, status: c.status };
    const fc: FileChange = { path: c.path, status: c.status };
    const ref = repoPathToRef(c.path, { anyFile: true });
    if (ref !== undefined) {
      // Every path under secrets/ needs write access to its ref, even one git cannot be asked about.
      entry.ref = fc.ref = ref;
      const [forkText, baseText = forkText] = earlier.get(c.path) ?? [];
      const headFile = input.headFiles.get(c.path);
      const old = forkText === undefined ? undefined : snapshotOf(forkText, c.path);
      const now = headFile?.text === undefined ? undefined : snapshotOf(headFile.text, c.path);
      if (old || now) {
        const d = diffSnapshots(old, now);
        entry.keys = { added: d.added, changed: d.changed, removed: d.removed };
        if (d.reencrypted) entry.reencrypted = true;
        if (d.reencrypted && someAuthorCannotRead(ref)) entry.writeOnly = true;
      }
      if (old && now && (layoutKey(old) !== layoutKey(now) || envelopesEdited(old, now, entry.reencrypted === true))) entry.recipientsChanged = fc.recipientsChanged = true;
      if (headFile?.parsed) {
        // Added files too: an old version restored under a new name is a rollback.
        const versions = [forkText, baseText].flatMap((t) => (t === undefined ? [] : [versionFacts(t, c.path)]));
        rollbackInputs.push({ file: headFile, base: versions.filter((v): v is VersionFacts => v !== undefined) });
      }
    }
    changed.push(entry);
    fileChanges.push(fc);
  }

  if (input.basePolicy) {
    for (const v of authorizeChanges({ policy: input.basePolicy, authors: input.authors, changes: fileChanges, headPolicy: input.headPolicy })) {
      violations.push({ ...v, line: 1 });
    }
  }
  violations.push(...(await checkRollback(root, revs, rollbackInputs)));
  return { changed, violations };
}

/**
 * Envelopes added, removed or rewritten without a re-encryption (values kept their
 * ciphertext): a recipients change even when the labels look the same, since a label
 * is not authenticated. A re-encryption (fresh data key, every value new) is judged by
 * the layout, and re-keyed after merge (S6).
 */
function envelopesEdited(old: FileSnapshot, now: FileSnapshot, reencrypted: boolean): boolean {
  if (reencrypted) return false;
  const count = (s: FileSnapshot) => s.groups.reduce((n, g) => n + g.length, 0);
  return count(old) !== count(now) || old.envelopes.size !== now.envelopes.size || [...now.envelopes].some((e) => !old.envelopes.has(e));
}

