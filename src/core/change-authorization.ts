/**
 * Who may make a change (docs/access-policy.md; S3, S4), judged with the base commit's policy:
 * authors resolved to members by GitHub id or login, write grants per changed ref,
 * the admin-only control plane and recipients, the onboarding exception, and agents
 * and machines that never write. Every author must be allowed every change, so the
 * least-privileged author decides. Pure.
 */
import { isDeepStrictEqual } from 'node:util';
import type { AccessPolicy } from '../config/access-policy.js';
import { matchesAny, memberCan, rolesOf } from './policy.js';

/**
 * Paths only admins may change (S3): the policy and configuration, the CI workflows
 * and the action, every CODEOWNERS GitHub reads, submodules, and — anywhere in the
 * tree, since a nested one takes effect below it — sops' creation rules, git's
 * attributes (diff and merge drivers), and every package manager's install inputs.
 */
export const CONTROL_PLANE = [
  'policies/**',
  'keyfold.yaml',
  '.github/**',
  'action.yml',
  'action.yaml',
  'CODEOWNERS',
  'docs/CODEOWNERS',
  '.gitmodules',
  '**/.sops.yaml',
  '**/.sops.yml',
  '**/.gitattributes',
  '**/package.json',
  '**/package-lock.json',
  '**/npm-shrinkwrap.json',
  '**/.npmrc',
  '**/.yarnrc',
  '**/.yarnrc.yml',
  '**/yarn.lock',
  '**/pnpm-lock.yaml',
  '**/pnpm-workspace.yaml',
  '**/.pnpmfile.cjs',
];

export interface FileChange {
  /** Repository-relative POSIX path. */
  path: string;
  status: 'added' | 'modified' | 'deleted';
  /** The ref of a path under `secrets/` (its path without `secrets/` and the extension). */
  ref?: string;
  /** The file's recipients or key groups differ between base and head. */
  recipientsChanged?: boolean;
}

export interface ChangeViolation {
  file: string;
  rule: 'author' | 'write-access' | 'control-plane';
  message: string;
}

/**
 * A member by `--author` value, in an unambiguous form: `id:NUMBER` (a GitHub user id),
 * `login:NAME`, both as `id:NUMBER,login:NAME` (as GitHub reports a user), or a bare
 * NAME — a login; a bare number is a login too, never an id. An id matches a member's
 * `github_id`; a login matches `github` case-insensitively, except a member whose
 * `github_id` differs from the id given with it. Anything else matches nobody.
 */
export function resolveAuthor(policy: AccessPolicy, author: string): string | undefined {
  let id: string | undefined;
  let login: string | undefined;
  for (const part of author.includes(':') ? author.split(',') : [`login:${author}`]) {
    if (part.startsWith('id:') && id === undefined && /^[1-9][0-9]{0,15}$/.test(part.slice(3))) id = part.slice(3);
    else if (part.startsWith('login:') && login === undefined && part.length > 6) login = part.slice(6).toLowerCase();
    else return undefined;
  }
  const entries = Object.entries(policy.members);
  if (id !== undefined) {
    const byId = entries.find(([, m]) => m.github_id !== undefined && String(m.github_id) === id);
    if (byId) return byId[0];
  }
  if (login === undefined) return undefined;
  const byLogin = entries.find(([, m]) => m.github !== undefined && m.github.toLowerCase() === login);
  if (!byLogin || (id !== undefined && byLogin[1].github_id !== undefined)) return undefined;
  return byLogin[0];
}

/** Admins: humans holding the `admin` role or a grant that writes every ref (`**`). */
export function isAdmin(policy: AccessPolicy, member: string): boolean {
  const m = policy.members[member];
  if (!m || m.kind !== 'human') return false;
  const roles = new Set(rolesOf(policy, member));
  return roles.has('admin') || policy.grants.some((g) => roles.has(g.role) && g.write.includes('**'));
}

/**
 * Onboarding (docs/access-policy.md, onboarding): the head policy only adds one member, a human with no
 * role, and nothing else changed. Returns that member's name, else undefined.
 */
export function onboardedMember(base: AccessPolicy, head: AccessPolicy): string | undefined {
  const added = Object.keys(head.members).filter((m) => !Object.hasOwn(base.members, m));
  if (added.length !== 1) return undefined;
  const name = added[0]!;
  const member = head.members[name]!;
  if (member.kind !== 'human' || rolesOf(head, name).length > 0) return undefined;
  const { [name]: _added, ...rest } = head.members;
  return isDeepStrictEqual({ ...head, members: rest }, base) ? name : undefined;
}

export interface AuthorizationInput {
  /** The base commit's policy. */
  policy: AccessPolicy;
  /** `--author` values (GitHub logins or numeric ids). */
  authors: readonly string[];
  changes: readonly FileChange[];
  /** The head policy, when policies/access.yaml changed and is valid (for onboarding). */
  headPolicy?: AccessPolicy;
}

/** Every violation of write authorization; empty when every author may make every change. */
export function authorizeChanges(input: AuthorizationInput): ChangeViolation[] {
  const { policy, changes } = input;
  const out: ChangeViolation[] = [];
  const onboarding =
    input.headPolicy && changes.length === 1 && changes[0]!.path === 'policies/access.yaml' && changes[0]!.status === 'modified'
      ? onboardedMember(policy, input.headPolicy)
      : undefined;
  for (const author of input.authors) {
    const member = resolveAuthor(policy, author);
    if (!member) {
      const newcomer = onboarding !== undefined && resolveAuthor(input.headPolicy!, author) === onboarding;
      if (!newcomer) {
        out.push({
          file: 'policies/access.yaml',
          rule: 'author',
          message: `author ${quoteLogin(author)} is not a member of the base policy (no member has this github login or github_id)`,
        });
      }
      continue;
    }
    const kind = policy.members[member]!.kind;
    if (kind !== 'human') {
      for (const c of changes) out.push({ file: c.path, rule: 'author', message: `changed by ${member}, a member of kind ${kind}; agents and machines never write` });
      continue;
    }
    const admin = isAdmin(policy, member);
    for (const c of changes) {
      if (c.ref !== undefined && !memberCan(policy, member, 'write', c.ref)) {
        out.push({ file: c.path, rule: 'write-access', message: `${member} may not write ${c.ref} (${c.status}); no grant of theirs has write on it` });
      } else if (c.recipientsChanged && !admin) {
        out.push({ file: c.path, rule: 'write-access', message: `the recipients of ${c.ref ?? c.path} changed; only admins may change recipients (author ${member})` });
      }
      if (!admin && matchesAny(CONTROL_PLANE, c.path)) {
        out.push({ file: c.path, rule: 'control-plane', message: `${c.path} is part of the control plane; only admins may change it (author ${member})` });
      }
    }
  }
  return out;
}

/** A login from the command line or environment, safe to print. */
function quoteLogin(s: string): string {
  return /^[A-Za-z0-9_.:,-]{1,200}$/.test(s) ? `"${s}"` : '(unprintable login)';
}
