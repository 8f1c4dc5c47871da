import { describe, expect, it } from 'vitest';
import { AccessPolicySchema } from '../config/access-policy.js';
import { diffLayout } from './layout-diff.js';

const R = (c: string) => `age1${c.repeat(58)}`;
const policy = AccessPolicySchema.parse({ members: { carol: { recipient: R('c') }, ci: { recipient: R('e'), kind: 'machine' }, dave: { recipient: R('d') }, erin: { recipient: R('f') } } });

describe('diffLayout (S2)', () => {
  it('equal layouts: nothing, whatever the order', () => {
    expect(diffLayout({ groups: [[R('e'), R('c')]], threshold: 1 }, { groups: [[R('c'), R('e')]], threshold: 1 }, [policy])).toEqual([]);
  });

  it('names extra and missing recipients by member, unknown ones by recipient', () => {
    const found = diffLayout({ groups: [[R('c'), R('g')]], threshold: 1 }, { groups: [[R('c'), R('e')]], threshold: 1 }, [policy]);
    expect(found).toEqual([
      { rule: 'recipients', recipient: R('g'), message: `recipient not allowed by the policy: ${R('g')} (not a member)` },
      { rule: 'recipients', recipient: R('e'), message: `missing recipient required by the policy: ci (${R('e')})` },
    ]);
    expect(diffLayout({ groups: [['not-a-recipient']], threshold: 1 }, { groups: [[]], threshold: 1 }, [policy])[0]!.message).toMatch(/a malformed recipient label$/);
  });

  it('group count, threshold, and recipients spread over groups', () => {
    const want = { groups: [[R('c'), R('d')], [R('c'), R('f')]], threshold: 2 };
    expect(diffLayout({ groups: [[R('c'), R('d'), R('f')]], threshold: 1 }, want, [policy])).toEqual([
      { rule: 'key-groups', message: 'has 1 key group; the policy demands 2 key groups with threshold 2' },
    ]);
    // A custodian in both groups could open the file alone.
    expect(diffLayout({ groups: [[R('c'), R('d'), R('f')], [R('c'), R('f')]], threshold: 2 }, want, [policy])[0]).toMatchObject({ rule: 'key-groups' });
  });
});
