import { describe, expect, it } from 'vitest';
import { AccessPolicySchema, type AccessPolicy } from '../config/access-policy.js';
import { CONTROL_PLANE, authorizeChanges, isAdmin, onboardedMember, resolveAuthor, type FileChange } from './change-authorization.js';
import { matchesAny } from './policy.js';

const R = (c: string) => `age1${c.repeat(58)}`;
const POLICY: AccessPolicy = AccessPolicySchema.parse({
  members: {
    carol: { recipient: R('c'), github: 'Carol', github_id: 42 },
    alice: { recipient: R('a'), github: 'alice' },
    cron: { recipient: R('q'), github: 'cron-bot', kind: 'agent' },
    ci: { recipient: R('e'), kind: 'machine', github: 'ci-bot' },
    ops: { recipient: R('d'), github: 'ops' },
  },
  roles: { admin: ['carol'], developer: ['alice'], agents: ['cron'], ci: ['ci'], ops: ['ops'] },
  grants: [
    { role: 'admin', read: ['**'], write: ['**'] },
    { role: 'developer', read: ['dev/**'], write: ['dev/**', '*/providers/**'] },
    { role: 'agents', read: ['prod/analytics/**'] },
    { role: 'ci', read: ['prod/**'] },
    { role: 'ops', read: ['**'], write: ['**'] },
  ],
});

const secret = (ref: string, status: FileChange['status'] = 'modified', recipientsChanged = false): FileChange => ({ path: `secrets/${ref}.yaml`, status, ref, recipientsChanged });

describe('change authorization (S3, S4)', () => {
  it('resolves authors by id:N against github_id, and by login (login:NAME or bare) case-insensitively; a bare number is a login', () => {
    expect(resolveAuthor(POLICY, 'id:42')).toBe('carol');
    expect(resolveAuthor(POLICY, '42')).toBeUndefined();
    expect(resolveAuthor(POLICY, 'login:42')).toBeUndefined();
    expect(resolveAuthor(POLICY, 'CAROL')).toBe('carol');
    expect(resolveAuthor(POLICY, 'login:carol')).toBe('carol');
    expect(resolveAuthor(POLICY, 'Alice')).toBe('alice');
    expect(resolveAuthor(POLICY, 'id:43')).toBeUndefined();
    expect(resolveAuthor(POLICY, 'id:carol')).toBeUndefined();
    expect(resolveAuthor(POLICY, 'mallory')).toBeUndefined();
    expect(resolveAuthor(POLICY, 'sha:42')).toBeUndefined();
    // Both, as GitHub reports a user: the id decides; a login alone matches only a member without github_id.
    expect(resolveAuthor(POLICY, 'id:42,login:someone-else')).toBe('carol');
    expect(resolveAuthor(POLICY, 'id:7,login:carol')).toBeUndefined();
    expect(resolveAuthor(POLICY, 'id:7,login:alice')).toBe('alice');
  });

  it('admins: the admin role, or a grant writing **; never a machine', () => {
    expect(isAdmin(POLICY, 'carol')).toBe(true);
    expect(isAdmin(POLICY, 'ops')).toBe(true);
    expect(isAdmin(POLICY, 'alice')).toBe(false);
    expect(isAdmin(POLICY, 'ci')).toBe(false);
  });

  it('the control plane covers nested .sops.yaml and .gitattributes', () => {
    for (const p of ['policies/access.yaml', 'keyfold.yaml', '.sops.yaml', 'secrets/dev/.sops.yaml', 'secrets/.gitattributes', '.github/workflows/x.yml', 'package.json', '.npmrc']) {
      expect(matchesAny(CONTROL_PLANE, p), p).toBe(true);
    }
    for (const p of ['README.md', 'src/package.json.ts', 'secrets/dev/api/db.yaml']) expect(matchesAny(CONTROL_PLANE, p), p).toBe(false);
  });

  it('the control plane covers nested package-manager inputs, every CODEOWNERS GitHub reads, submodules and .sops.yml', () => {
    const paths = ['tools/package.json', 'a/b/.npmrc', '.yarnrc.yml', 'sub/yarn.lock', 'pnpm-lock.yaml', 'x/pnpm-workspace.yaml', '.gitmodules', 'CODEOWNERS', 'docs/CODEOWNERS', 'secrets/.sops.yml', 'action.yml'];
    for (const p of paths) expect(matchesAny(CONTROL_PLANE, p), p).toBe(true);
    for (const p of ['docs/guide.md', 'src/CODEOWNERS.md', 'secrets/dev/codeowners.yaml']) expect(matchesAny(CONTROL_PLANE, p), p).toBe(false);
  });

  it('write grants per ref, for added, modified and deleted files', () => {
    const changes = [secret('dev/api/db'), secret('prod/providers/x', 'added'), secret('prod/api/db', 'deleted')];
    expect(authorizeChanges({ policy: POLICY, authors: ['alice'], changes })).toEqual([
      { file: 'secrets/prod/api/db.yaml', rule: 'write-access', message: 'alice may not write prod/api/db (deleted); no grant of theirs has write on it' },
    ]);
    expect(authorizeChanges({ policy: POLICY, authors: ['carol'], changes })).toEqual([]);
  });

  it('the least-privileged author decides; unknown authors and agents are violations', () => {
    const changes = [secret('prod/api/db')];
    expect(authorizeChanges({ policy: POLICY, authors: ['carol', 'alice'], changes }).map((v) => v.rule)).toEqual(['write-access']);
    expect(authorizeChanges({ policy: POLICY, authors: ['mallory'], changes })).toEqual([
      { file: 'policies/access.yaml', rule: 'author', message: 'author "mallory" is not a member of the base policy (no member has this github login or github_id)' },
    ]);
    expect(authorizeChanges({ policy: POLICY, authors: ['cron-bot'], changes: [secret('dev/x/y')] })[0]).toMatchObject({ rule: 'author', file: 'secrets/dev/x/y.yaml' });
    expect(authorizeChanges({ policy: POLICY, authors: ['ci-bot'], changes: [{ path: 'README.md', status: 'modified' }] })[0]).toMatchObject({ rule: 'author' });
  });

  it('only admins change recipients and the control plane', () => {
    expect(authorizeChanges({ policy: POLICY, authors: ['alice'], changes: [secret('dev/api/db', 'modified', true)] })[0]).toMatchObject({ rule: 'write-access', message: expect.stringMatching(/recipients/) });
    expect(authorizeChanges({ policy: POLICY, authors: ['alice'], changes: [{ path: 'keyfold.yaml', status: 'modified' }] })[0]).toMatchObject({ rule: 'control-plane' });
    expect(authorizeChanges({ policy: POLICY, authors: ['carol'], changes: [{ path: 'keyfold.yaml', status: 'modified' }, secret('dev/a/b', 'modified', true)] })).toEqual([]);
  });

  it('onboarding: only the author added, as a human with no role, and nothing else', () => {
    const head = AccessPolicySchema.parse({ ...POLICY, members: { ...POLICY.members, bob: { recipient: R('f'), github: 'bob' } } });
    const access: FileChange = { path: 'policies/access.yaml', status: 'modified' };
    expect(onboardedMember(POLICY, head)).toBe('bob');
    expect(authorizeChanges({ policy: POLICY, authors: ['bob'], changes: [access], headPolicy: head })).toEqual([]);
    expect(authorizeChanges({ policy: POLICY, authors: ['eve'], changes: [access], headPolicy: head })).toHaveLength(1);
    expect(authorizeChanges({ policy: POLICY, authors: ['bob'], changes: [access, { path: 'README.md', status: 'modified' }], headPolicy: head })).toHaveLength(1);
    const withRole = { ...head, roles: { ...head.roles, developer: ['alice', 'bob'] } };
    expect(onboardedMember(POLICY, withRole)).toBeUndefined();
    const plusGrant = { ...head, grants: [...head.grants, { role: 'developer', read: ['prod/**'], write: [] }] };
    expect(onboardedMember(POLICY, plusGrant)).toBeUndefined();
    const agent = AccessPolicySchema.parse({ ...POLICY, members: { ...POLICY.members, bot: { recipient: R('f'), github: 'bot', kind: 'agent' } } });
    expect(onboardedMember(POLICY, agent)).toBeUndefined();
  });
});
