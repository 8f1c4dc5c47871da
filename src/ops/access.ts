/** `access`: who can read and write what, now, by the policy and by the files' recipients. */

import { breakglassCovers, membersWith, memberCan, rolesOf } from '../core/policy.js';
import { NotFoundError } from '../core/errors.js';
import { parseRef, listRefFiles } from '../repo/secrets-tree.js';
import type { Workspace } from './workspace.js';

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
}

/** Access to one ref (existing or not), or to every existing ref. */
export async function refAccess(ws: Workspace, ref?: string): Promise<RefAccess[]> {
  const policy = await ws.policy();
  const existing = new Set(listRefFiles(ws.root).map((e) => e.ref));
  const refs = ref ? [parseRef(ref).join('/')] : [...existing];
  return refs.map((r) => ({
    ref: r,
    exists: existing.has(r),
    readers: membersWith(policy, 'read', r),
    writers: membersWith(policy, 'write', r),
    breakglass: breakglassCovers(policy, r) ? [...policy.breakglass!.custodians] : [],
  }));
}

/** What one member can read and write among the existing refs. */
export async function memberAccess(ws: Workspace, member: string): Promise<MemberAccess> {
  const policy = await ws.policy();
  const m = policy.members[member];
  if (!m) throw new NotFoundError(`member ${member} not found`, { hint: `members: ${Object.keys(policy.members).join(', ')}` });
  const refs = listRefFiles(ws.root).map((e) => e.ref);
  const custodian = policy.breakglass?.custodians.includes(member) ?? false;
  return {
    member,
    kind: m.kind,
    roles: rolesOf(policy, member),
    read: refs.filter((r) => memberCan(policy, member, 'read', r)),
    write: refs.filter((r) => memberCan(policy, member, 'write', r)),
    breakglass: custodian ? refs.filter((r) => breakglassCovers(policy, r)) : [],
  };
}

