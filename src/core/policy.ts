/**
 * Access-policy evaluation (docs/access-policy.md): who reads and writes a ref, the recipients and
 * key-group structure a file must have, and the policy's own consistency. Pure.
 */
import picomatch from 'picomatch';
import type { AccessPolicy } from '../config/access-policy.js';

export type Access = 'read' | 'write';

const matcherCache = new Map<string, (ref: string) => boolean>();

/** Whether `ref` matches any of the globs (`dev/**`, `*\/providers/**`, `**`). */
export function matchesAny(globs: readonly string[], ref: string): boolean {
  for (const g of globs) {
    let m = matcherCache.get(g);
    if (!m) {
      m = picomatch(g, { dot: true });
      matcherCache.set(g, m);
    }
    if (m(ref)) return true;
  }
  return false;
}

/** The roles a member holds, sorted. */
export function rolesOf(policy: AccessPolicy, member: string): string[] {
  return Object.entries(policy.roles)
    .filter(([, members]) => members.includes(member))
    .map(([role]) => role)
    .sort();
}

/** Whether `member` may read or write `ref` through a role grant (break-glass excluded). */
export function memberCan(policy: AccessPolicy, member: string, access: Access, ref: string): boolean {
  const roles = new Set(rolesOf(policy, member));
  return policy.grants.some((g) => roles.has(g.role) && matchesAny(g[access], ref));
}

/** Members who may `access` the ref through a role grant, sorted. */
export function membersWith(policy: AccessPolicy, access: Access, ref: string): string[] {
  return Object.keys(policy.members)
    .filter((m) => memberCan(policy, m, access, ref))
    .sort();
}

/** Whether break-glass applies to `ref`. */
export function breakglassCovers(policy: AccessPolicy, ref: string): boolean {
  return policy.breakglass !== undefined && matchesAny(policy.breakglass.read, ref);
}

/** The key-group structure a file must have: recipients per group, and the threshold. */
export interface RecipientLayout {
  /** Sorted `age1…` recipients of each key group. */
  groups: string[][];
  /** 1 for a single group; the break-glass threshold otherwise. */
  threshold: number;
}

/**
 * The recipients of a ref: exactly the members whose roles grant read. Under
 * break-glass, one group per custodian, each holding every reader plus that custodian.
 */
export function recipientLayout(policy: AccessPolicy, ref: string): RecipientLayout {
  const readers = uniqueSorted(membersWith(policy, 'read', ref).map((m) => policy.members[m]!.recipient));
  const bg = policy.breakglass;
  if (!bg || !breakglassCovers(policy, ref)) return { groups: [readers], threshold: 1 };
  return {
    groups: bg.custodians.map((c) => uniqueSorted([...readers, policy.members[c]?.recipient ?? ''].filter(Boolean))),
    threshold: bg.threshold,
  };
}

/** Canonical form of a key-group structure, for comparing a file against the policy. */
export function layoutKey(layout: RecipientLayout): string {
  const groups = layout.groups.map((g) => uniqueSorted(g).join(','));
  // Group order does not matter to decryption; compare as a multiset.
  return `${layout.groups.length > 1 ? layout.threshold : 1}|${groups.sort().join(';')}`;
}

export function uniqueSorted(xs: readonly string[]): string[] {
  return [...new Set(xs)].sort();
}

/** A problem in the policy itself, located by its path in policies/access.yaml. */
export interface PolicyProblem {
  path: Array<string | number>;
  message: string;
}

/**
 * Cross-field rules the schema cannot express (S3: role, grant and custodian names
 * must be members; docs/access-policy.md: agents and machines never write; custodians hold no role).
 */
export function policyProblems(policy: AccessPolicy): PolicyProblem[] {
  const problems: PolicyProblem[] = [];
  const isMember = (m: string) => Object.hasOwn(policy.members, m);
  for (const [role, members] of Object.entries(policy.roles)) {
    members.forEach((m, i) => {
      if (!isMember(m)) problems.push({ path: ['roles', role, i], message: `"${m}" is not a member; add it under members or remove it from role ${role}` });
    });
  }
  policy.grants.forEach((g, i) => {
    if (!Object.hasOwn(policy.roles, g.role)) problems.push({ path: ['grants', i, 'role'], message: `role "${g.role}" is not defined under roles` });
    for (const access of ['read', 'write'] as const) {
      g[access].forEach((glob, j) => {
        try {
          picomatch.makeRe(glob);
        } catch {
          problems.push({ path: ['grants', i, access, j], message: 'invalid glob' });
        }
      });
    }
    if (g.write.length > 0) {
      for (const m of policy.roles[g.role] ?? []) {
        const kind = policy.members[m]?.kind;
        if (kind === 'agent' || kind === 'machine') {
          problems.push({ path: ['grants', i, 'write'], message: `role ${g.role} grants write, but its member ${m} is ${kind === 'agent' ? 'an agent' : 'a machine'}; agents and machines never write` });
        }
      }
    }
  });
  const bg = policy.breakglass;
  if (bg) {
    bg.custodians.forEach((c, i) => {
      if (!isMember(c)) problems.push({ path: ['breakglass', 'custodians', i], message: `custodian "${c}" is not a member` });
      else if (rolesOf(policy, c).length > 0) {
        problems.push({ path: ['breakglass', 'custodians', i], message: `custodian ${c} holds a role; custodians must hold none, so that none can read alone` });
      }
    });
    if (new Set(bg.custodians).size !== bg.custodians.length) problems.push({ path: ['breakglass', 'custodians'], message: 'a custodian is listed twice' });
    if (bg.threshold > bg.custodians.length) {
      problems.push({ path: ['breakglass', 'threshold'], message: `threshold ${bg.threshold} exceeds the ${bg.custodians.length} custodians` });
    }
  }
  const byRecipient = new Map<string, string>();
  const byGithub = new Map<string, string>();
  for (const [name, m] of Object.entries(policy.members)) {
    const other = byRecipient.get(m.recipient);
    if (other) problems.push({ path: ['members', name, 'recipient'], message: `same recipient as member ${other}` });
    byRecipient.set(m.recipient, name);
    if (m.github) {
      const login = m.github.toLowerCase();
      const o = byGithub.get(login);
      if (o) problems.push({ path: ['members', name, 'github'], message: `same GitHub login as member ${o}` });
      byGithub.set(login, name);
    }
  }
  return problems;
}
