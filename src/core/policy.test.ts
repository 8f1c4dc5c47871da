/**
 * Access-policy evaluation (docs/access-policy.md: break-glass, grants; S2, S3): glob semantics,
 * who reads and writes, the key-group layout a file must have, and the policy's own
 * consistency rules.
 */
import { describe, expect, it } from 'vitest';
import { AccessPolicySchema, type AccessPolicy } from '../config/access-policy.js';
import { generateIdentity, identityToRecipient } from '../crypto/age/index.js';
import { layoutKey, matchesAny, memberCan, membersWith, policyProblems, recipientLayout, rolesOf } from './policy.js';

const R: Record<string, string> = {};
for (const name of ['alice', 'bob', 'carol', 'dave', 'erin', 'frank', 'ci-prod', 'cron', 'extra']) R[name] = identityToRecipient(generateIdentity());
const r = (name: string) => R[name]!;

/** The policy of docs/access-policy.md, with bob as a second developer. */
function designPolicy(overrides: Record<string, unknown> = {}): AccessPolicy {
  return AccessPolicySchema.parse({
    members: {
      alice: { recipient: r('alice'), github: 'alice' },
      bob: { recipient: r('bob'), github: 'bob' },
      carol: { recipient: r('carol'), github: 'carol' },
      dave: { recipient: r('dave'), github: 'dave' },
      erin: { recipient: r('erin'), github: 'erin' },
      frank: { recipient: r('frank'), github: 'frank' },
      'ci-prod': { recipient: r('ci-prod'), kind: 'machine' },
      cron: { recipient: r('cron'), kind: 'agent' },
    },
    roles: { developer: ['alice', 'bob'], admin: ['carol'], 'ci-prod': ['ci-prod'], 'agent-prod-readonly': ['cron'] },
    grants: [
      { role: 'developer', read: ['dev/**', 'staging/**'], write: ['dev/**', '*/providers/**'] },
      { role: 'admin', read: ['**'], write: ['**'] },
      { role: 'ci-prod', read: ['prod/**'] },
      { role: 'agent-prod-readonly', read: ['prod/analytics/**'] },
    ],
    breakglass: { custodians: ['dave', 'erin', 'frank'], threshold: 2, read: ['prod/**'] },
    ...overrides,
  });
}

describe('matchesAny', () => {
  it('dev/** matches every ref of dev, at any depth, and nothing else', () => {
    for (const ref of ['dev/api', 'dev/api/db', 'dev/providers/openrouter', 'dev/a/b/c/d', 'dev/.hidden/x']) expect(matchesAny(['dev/**'], ref), ref).toBe(true);
    for (const ref of ['development/api/db', 'prod/dev/api', 'staging/api/db', 'xdev/api', 'prod/api/db']) expect(matchesAny(['dev/**'], ref), ref).toBe(false);
  });

  it('*/providers/** matches the providers folder of every environment, only as the second segment', () => {
    for (const ref of ['dev/providers/openrouter', 'prod/providers/openrouter', 'staging/providers/a/b']) expect(matchesAny(['*/providers/**'], ref), ref).toBe(true);
    for (const ref of ['providers/openrouter', 'prod/api/providers/x', 'prod/providers-old/x', 'prod/xproviders/x', 'prod/analytics/warehouse']) {
      expect(matchesAny(['*/providers/**'], ref), ref).toBe(false);
    }
  });

  it('** matches every ref, dot segments included', () => {
    for (const ref of ['dev/a', 'prod/providers/openrouter', 'staging/a/b/c', 'prod/.x/y']) expect(matchesAny(['**'], ref), ref).toBe(true);
  });

  it('prod/analytics/** matches only the analytics folder of prod', () => {
    expect(matchesAny(['prod/analytics/**'], 'prod/analytics/warehouse')).toBe(true);
    expect(matchesAny(['prod/analytics/**'], 'prod/analytics/cron/revenue')).toBe(true);
    for (const ref of ['prod/analytics-old/x', 'prod/analyticsx/x', 'dev/analytics/warehouse', 'prod/api/analytics', 'prod/providers/x']) {
      expect(matchesAny(['prod/analytics/**'], ref), ref).toBe(false);
    }
  });

  it('matches when any glob matches; an empty list matches nothing', () => {
    expect(matchesAny(['dev/**', 'staging/**'], 'staging/api/db')).toBe(true);
    expect(matchesAny(['dev/**', 'staging/**'], 'prod/api/db')).toBe(false);
    expect(matchesAny([], 'dev/api/db')).toBe(false);
  });
});

describe('membersWith / memberCan', () => {
  const policy = designPolicy();

  it('readers of a dev ref: developers and admins; agents, machines and custodians are not', () => {
    expect(membersWith(policy, 'read', 'dev/api/db')).toEqual(['alice', 'bob', 'carol']);
    expect(membersWith(policy, 'write', 'dev/api/db')).toEqual(['alice', 'bob', 'carol']);
  });

  it('readers of prod: admin and ci-prod; analytics adds the agent; custodians never read through a role', () => {
    expect(membersWith(policy, 'read', 'prod/api/db')).toEqual(['carol', 'ci-prod']);
    expect(membersWith(policy, 'read', 'prod/analytics/warehouse')).toEqual(['carol', 'ci-prod', 'cron']);
    expect(membersWith(policy, 'write', 'prod/api/db')).toEqual(['carol']);
  });

  it('developers write prod providers without reading them (write-only)', () => {
    expect(membersWith(policy, 'write', 'prod/providers/openrouter')).toEqual(['alice', 'bob', 'carol']);
    expect(membersWith(policy, 'read', 'prod/providers/openrouter')).toEqual(['carol', 'ci-prod']);
    expect(memberCan(policy, 'alice', 'write', 'prod/providers/openrouter')).toBe(true);
    expect(memberCan(policy, 'alice', 'read', 'prod/providers/openrouter')).toBe(false);
  });

  it('memberCan per member', () => {
    expect(memberCan(policy, 'alice', 'read', 'dev/api/db')).toBe(true);
    expect(memberCan(policy, 'alice', 'read', 'staging/api/db')).toBe(true);
    expect(memberCan(policy, 'alice', 'write', 'staging/api/db')).toBe(false);
    expect(memberCan(policy, 'alice', 'read', 'prod/api/db')).toBe(false);
    expect(memberCan(policy, 'carol', 'write', 'prod/api/db')).toBe(true);
    expect(memberCan(policy, 'cron', 'read', 'prod/analytics/warehouse')).toBe(true);
    expect(memberCan(policy, 'cron', 'read', 'prod/api/db')).toBe(false);
    expect(memberCan(policy, 'cron', 'write', 'prod/analytics/warehouse')).toBe(false);
    expect(memberCan(policy, 'ci-prod', 'read', 'dev/api/db')).toBe(false);
    expect(memberCan(policy, 'dave', 'read', 'prod/api/db')).toBe(false);
    expect(memberCan(policy, 'nobody', 'read', 'dev/api/db')).toBe(false);
  });

  it('rolesOf', () => {
    expect(rolesOf(policy, 'alice')).toEqual(['developer']);
    expect(rolesOf(policy, 'dave')).toEqual([]);
  });
});

describe('recipientLayout', () => {
  const policy = designPolicy();

  it('outside break-glass: one group holding exactly the readers, threshold 1', () => {
    const layout = recipientLayout(policy, 'dev/api/db');
    expect(layout.threshold).toBe(1);
    expect(layout.groups).toEqual([[r('alice'), r('bob'), r('carol')].sort()]);
  });

  it('under break-glass: one group per custodian, every reader in every group, custodian i only in group i', () => {
    const layout = recipientLayout(policy, 'prod/api/db');
    expect(layout.threshold).toBe(2);
    expect(layout.groups).toHaveLength(3);
    const custodians = ['dave', 'erin', 'frank'];
    layout.groups.forEach((g, i) => {
      expect(g).toEqual([r('carol'), r('ci-prod'), r(custodians[i]!)].sort());
      for (const [j, c] of custodians.entries()) expect(g.includes(r(c)), `${c} in group ${i}`).toBe(i === j);
      // Writers without read (developers) are never recipients.
      expect(g).not.toContain(r('alice'));
    });
  });

  it('the agent role adds its recipient to every group of its folder only', () => {
    const analytics = recipientLayout(policy, 'prod/analytics/warehouse');
    for (const g of analytics.groups) expect(g).toContain(r('cron'));
    for (const g of recipientLayout(policy, 'prod/api/db').groups) expect(g).not.toContain(r('cron'));
  });

  it('the threshold follows the policy; break-glass read globs limit where groups apply', () => {
    const p = designPolicy({ breakglass: { custodians: ['dave', 'erin', 'frank'], threshold: 3, read: ['prod/api/**'] } });
    expect(recipientLayout(p, 'prod/api/db').threshold).toBe(3);
    expect(recipientLayout(p, 'prod/analytics/warehouse')).toEqual({ groups: [[r('carol'), r('ci-prod'), r('cron')].sort()], threshold: 1 });
  });

  it('no readers: one empty group', () => {
    expect(recipientLayout(designPolicy({ breakglass: undefined }), 'qa/x/y')).toEqual({ groups: [[r('carol')]], threshold: 1 });
    const noAdmin = designPolicy({ breakglass: undefined, grants: [] });
    expect(recipientLayout(noAdmin, 'dev/x')).toEqual({ groups: [[]], threshold: 1 });
  });
});

describe('layoutKey', () => {
  const a = r('alice');
  const b = r('bob');
  const c = r('carol');
  const d = r('dave');
  const e = r('erin');

  it('ignores group order and recipient order', () => {
    const one = layoutKey({ groups: [[a, b, d], [a, b, e]], threshold: 2 });
    expect(layoutKey({ groups: [[e, b, a], [d, a, b]], threshold: 2 })).toBe(one);
    expect(layoutKey({ groups: [[b, a, c]], threshold: 1 })).toBe(layoutKey({ groups: [[c, b, a]], threshold: 1 }));
  });

  it('tells apart different recipients, groups and thresholds', () => {
    const base = layoutKey({ groups: [[a, b, d], [a, b, e]], threshold: 2 });
    expect(layoutKey({ groups: [[a, b, d], [a, b, e]], threshold: 1 })).not.toBe(base);
    expect(layoutKey({ groups: [[a, d], [a, b, e]], threshold: 2 })).not.toBe(base);
    expect(layoutKey({ groups: [[a, b, d, e], [a, b]], threshold: 2 })).not.toBe(base);
    expect(layoutKey({ groups: [[a, b, d, e]], threshold: 1 })).not.toBe(base);
    expect(layoutKey({ groups: [[a, b]], threshold: 1 })).not.toBe(layoutKey({ groups: [[a, b, c]], threshold: 1 }));
  });

  it('equals what a policy layout gives when the file lists the same groups shuffled', () => {
    const want = recipientLayout(designPolicy(), 'prod/api/db');
    const have = { groups: [...want.groups].reverse().map((g) => [...g].reverse()), threshold: 2 };
    expect(layoutKey(have)).toBe(layoutKey(want));
  });
});

describe('policyProblems', () => {
  const messages = (p: AccessPolicy) => policyProblems(p).map((x) => `${x.path.join('.')}: ${x.message}`);

  it('the documented default policy has none', () => {
    expect(policyProblems(designPolicy())).toEqual([]);
  });

  it('a role member that is not a member', () => {
    const p = designPolicy();
    p.roles['developer'] = ['alice', 'ghost'];
    expect(messages(p)).toEqual([expect.stringMatching(/^roles\.developer\.1: .*"ghost" is not a member/)]);
  });

  it('a grant naming an undefined role', () => {
    const p = designPolicy();
    p.grants.push({ role: 'auditor', read: ['**'], write: [] });
    expect(messages(p)).toEqual([expect.stringMatching(/^grants\.4\.role: role "auditor" is not defined/)]);
  });

  it('a custodian that is not a member', () => {
    const p = designPolicy();
    p.breakglass!.custodians = ['dave', 'erin', 'zed'];
    expect(messages(p)).toEqual([expect.stringMatching(/^breakglass\.custodians\.2: custodian "zed" is not a member/)]);
  });

  it('a custodian holding a role', () => {
    const p = designPolicy();
    p.roles['developer'] = ['alice', 'bob', 'erin'];
    expect(messages(p)).toEqual([expect.stringMatching(/^breakglass\.custodians\.1: custodian erin holds a role/)]);
  });

  it('a threshold above the number of custodians', () => {
    const p = designPolicy();
    p.breakglass!.threshold = 4;
    expect(messages(p)).toEqual([expect.stringMatching(/^breakglass\.threshold: threshold 4 exceeds the 3 custodians/)]);
    p.breakglass!.threshold = 3;
    expect(policyProblems(p)).toEqual([]);
  });

  it('an agent or a machine holding a role with write', () => {
    const agent = designPolicy();
    agent.grants[3] = { role: 'agent-prod-readonly', read: ['prod/analytics/**'], write: ['prod/analytics/**'] };
    expect(messages(agent)).toEqual([expect.stringMatching(/^grants\.3\.write: .*cron is an agent/)]);
    const machine = designPolicy();
    machine.roles['admin'] = ['carol', 'ci-prod'];
    expect(messages(machine)).toEqual([expect.stringMatching(/^grants\.1\.write: .*ci-prod is a machine/)]);
  });

  it('a recipient used by two members', () => {
    const p = designPolicy();
    p.members['bob'] = { ...p.members['bob']!, recipient: r('alice') };
    expect(messages(p)).toEqual([expect.stringMatching(/^members\.bob\.recipient: same recipient as member alice/)]);
  });

  it('a GitHub login used by two members, case-insensitively', () => {
    const p = designPolicy();
    p.members['bob'] = { ...p.members['bob']!, github: 'ALICE' };
    expect(messages(p)).toEqual([expect.stringMatching(/^members\.bob\.github: same GitHub login as member alice/)]);
  });

  it('a custodian listed twice', () => {
    const p = designPolicy();
    p.breakglass!.custodians = ['dave', 'erin', 'dave'];
    expect(messages(p).some((m) => /listed twice/.test(m))).toBe(true);
  });
});
