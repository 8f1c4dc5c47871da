/** `access`: who can read and write what, now, by the policy and by the files' recipients. */

import { breakglassCovers, membersWith, memberCan, rolesOf } from '../../core/policy.js';
import { NotFoundError } from '../../kernel/errors.js';
import { snapshotOf } from '../../core/file-diff.js';
import { type AccessPolicy } from '../../config/access-policy.js';
import { resolveCommit } from '../../repo/git/refs.js';
import { showFile } from '../../repo/git/blobs.js';
import { listFilesAt } from '../../repo/git/tree.js';
import { readHistory } from '../audit/log.js';
import { scanRefFiles, type RefScan, type SkippedFile } from '../../repo/secrets-tree.js';
import { ExitCode } from '../../kernel/errors.js';
import type { Workspace } from '../context/workspace.js';
import { parseRef, repoPathToRef } from '../../kernel/ref.js';
import { checkAccessPolicy } from '../../core/policy-check.js';

export interface RefAccess {
  ref: string;
  exists: boolean;
  readers: string[];
  writers: string[];
  breakglass: string[];
}

export interface MemberAccess {
  member: string;
  kind: string;
  roles: string[];
  read: string[];
  write: string[];
  breakglass: string[];
  /** Entries under secrets/ that are not listed (symlinks, names that are not refs). */
  skipped: SkippedFile[];
}

/**
 * Access to one ref (existing or not), or to every existing ref. Only file names are
 * read: a symlink or a name that is not a ref is skipped and reported, never fatal.
 */
export async function refAccess(ws: Workspace, ref?: string): Promise<RefScan<RefAccess>> {
  const policy = await ws.policy();
  const wanted = ref ? parseRef(ref).join('/') : undefined;
  const scan = scanRefFiles(ws.root, wanted);
  const existing = new Set(scan.refs.map((e) => e.ref));
  const refs = wanted ? [wanted] : [...existing];
  return {
    refs: refs.map((r) => ({
      ref: r,
      exists: existing.has(r),
      readers: membersWith(policy, 'read', r),
      writers: membersWith(policy, 'write', r),
      breakglass: breakglassCovers(policy, r) ? [...policy.breakglass!.custodians] : [],
    })),
    skipped: scan.skipped,
  };
}

/** What one member can read and write among the existing refs. */
export async function memberAccess(ws: Workspace, member: string): Promise<MemberAccess> {
  const policy = await ws.policy();
  const m = policy.members[member];
  if (!m) throw new NotFoundError(`member ${member} not found`, { hint: `members: ${Object.keys(policy.members).join(', ')}` });
  const scan = scanRefFiles(ws.root);
  const refs = scan.refs.map((e) => e.ref);
  const custodian = policy.breakglass?.custodians.includes(member) ?? false;
  return {
    member,
    kind: m.kind,
    roles: rolesOf(policy, member),
    read: refs.filter((r) => memberCan(policy, member, 'read', r)),
    write: refs.filter((r) => memberCan(policy, member, 'write', r)),
    breakglass: custodian ? refs.filter((r) => breakglassCovers(policy, r)) : [],
    skipped: scan.skipped,
  };
}


export interface RefAccessAt extends RefAccess {
  /** Recipients in the file at that revision that no member of the policy then had. */
  unknownRecipients: string[];
}

/**
 * Who could read refs at a past revision: the file's recipients then (the
 * cryptographic truth), named by the policy then; writers by that policy.
 */
export async function accessAt(ws: Workspace, rev: string, ref?: string): Promise<{ commit: string; refs: RefAccessAt[]; skipped: SkippedFile[] }> {
  const commit = await resolveCommit(ws.root, rev);
  if (!commit) throw new NotFoundError(`revision ${rev.slice(0, 80)} not found`, { hint: 'give a commit, tag or branch of this repository' });
  // `./`: relative to the keyfold root, which may be a subdirectory of the repository.
  const policyText = await showFile(ws.root, commit, 'policies/access.yaml');
  const policy: AccessPolicy = policyText ? checkAccessPolicy(policyText).policy : { members: {}, roles: {}, grants: [] };
  const names = new Map(Object.entries(policy.members).map(([n, m]) => [m.recipient, n] as const));
  const paths = (await listFilesAt(ws.root, commit, 'secrets')).filter((p) => /\.ya?ml$/.test(p));
  const wanted = ref ? parseRef(ref).join('/') : undefined;
  const refs: RefAccessAt[] = [];
  const skipped: SkippedFile[] = [];
  for (const path of paths) {
    const r = repoPathToRef(path)!;
    if (wanted && r !== wanted) continue;
    if (!isRef(r)) {
      skipped.push({ file: path, code: 'format', exitCode: ExitCode.failure, message: 'the file name is not a ref' });
      continue;
    }
    const snap = snapshotOf((await showFile(ws.root, commit, path)) ?? '', path);
    if (!snap) {
      skipped.push({ file: path, code: 'format', exitCode: ExitCode.failure, message: 'not a readable SOPS file at that revision: its readers are unknown' });
      continue;
    }
    const recipients = [...new Set(snap.groups.flat())];
    refs.push({
      ref: r,
      exists: true,
      readers: recipients.filter((x) => names.has(x)).map((x) => names.get(x)!).sort(),
      unknownRecipients: recipients.filter((x) => !names.has(x)).sort(),
      writers: membersWith(policy, 'write', r),
      breakglass: policy.breakglass && breakglassCovers(policy, r) ? [...policy.breakglass.custodians] : [],
    });
  }
  if (wanted && refs.length === 0 && skipped.length === 0) throw new NotFoundError(`ref ${wanted} did not exist at ${rev.slice(0, 80)}`);
  return { commit, refs, skipped };
}

export interface AccessChange {
  sha: string;
  date: string;
  author: string;
  subject: string;
  added: string[];
  removed: string[];
  /** The readers after this commit. */
  readers: string[];
}

/** How the set of readers of a ref changed over its history (oldest first). */
export async function accessHistory(ws: Workspace, ref: string): Promise<AccessChange[]> {
  const { entries } = await readHistory(ws, { target: parseRef(ref).join('/'), fullHistory: true });
  const changes: AccessChange[] = [];
  let readers = new Set<string>();
  for (const e of [...entries].reverse()) {
    for (const f of e.files) {
      if (f.status === 'deleted') {
        if (readers.size) changes.push({ sha: e.sha, date: e.date, author: e.author, subject: e.subject, added: [], removed: [...readers].sort(), readers: [] });
        readers = new Set();
        continue;
      }
      if (f.readersAdded.length === 0 && f.readersRemoved.length === 0) continue;
      for (const r of f.readersAdded) readers.add(r);
      for (const r of f.readersRemoved) readers.delete(r);
      changes.push({ sha: e.sha, date: e.date, author: e.author, subject: e.subject, added: f.readersAdded, removed: f.readersRemoved, readers: [...readers].sort() });
    }
  }
  return changes;
}

function isRef(ref: string): boolean {
  try {
    parseRef(ref);
    return true;
  } catch {
    return false;
  }
}
