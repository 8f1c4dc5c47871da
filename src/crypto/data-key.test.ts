import { describe, expect, it } from 'vitest';
import { AccessError, IntegrityError } from '../kernel/errors.js';
import { generateIdentity, identityToRecipient, parseIdentities, type X25519Identity } from './age/index.js';
import { newDataKey, unwrapDataKey, wrapDataKey } from './data-key.js';

function member(): { id: X25519Identity; recipient: string } {
  const secret = generateIdentity();
  return { id: parseIdentities(secret)[0]!, recipient: identityToRecipient(secret) };
}

describe('unwrapDataKey', () => {
  const [alice, bob, carol] = [member(), member(), member()];

  it('opens the envelope labelled with our recipient', () => {
    const key = newDataKey();
    const groups = wrapDataKey(key, [[alice.recipient, bob.recipient]], 1);
    expect(Buffer.from(unwrapDataKey(groups, 1, [bob.id], 'f'))).toEqual(key);
  });

  it('falls back to the other envelopes when the (unauthenticated) labels are swapped', () => {
    const key = newDataKey();
    const [[a, b]] = wrapDataKey(key, [[alice.recipient, bob.recipient]], 1) as [[{ recipient: string; enc: string }, { recipient: string; enc: string }]];
    const swapped = [[{ recipient: b.recipient, enc: a.enc }, { recipient: a.recipient, enc: b.enc }]];
    expect(Buffer.from(unwrapDataKey(swapped, 1, [alice.id], 'f'))).toEqual(key);
    expect(Buffer.from(unwrapDataKey(swapped, 1, [bob.id], 'f'))).toEqual(key);
  });

  it('opens a mislabelled envelope with an identity that matches no label', () => {
    const key = newDataKey();
    const [[env]] = wrapDataKey(key, [[carol.recipient]], 1) as [[{ recipient: string; enc: string }]];
    const relabelled = [[{ recipient: alice.recipient, enc: env.enc }]];
    expect(Buffer.from(unwrapDataKey(relabelled, 1, [carol.id], 'f'))).toEqual(key);
  });

  it('reports an envelope labelled for us that does not open as an integrity failure', () => {
    const key = newDataKey();
    const [[env]] = wrapDataKey(key, [[carol.recipient]], 1) as [[{ recipient: string; enc: string }]];
    expect(() => unwrapDataKey([[{ recipient: alice.recipient, enc: env.enc }]], 1, [alice.id], 'f')).toThrow(IntegrityError);
  });

  it('refuses with AccessError when no identity is a recipient', () => {
    const groups = wrapDataKey(newDataKey(), [[alice.recipient]], 1);
    expect(() => unwrapDataKey(groups, 1, [carol.id], 'f')).toThrow(AccessError);
    expect(() => unwrapDataKey(groups, 1, [], 'f')).toThrow(AccessError);
  });

  it('combines Shamir key groups: a reader in every group alone, t custodians together, t-1 never', () => {
    const [reader, c1, c2, c3] = [member(), member(), member(), member()];
    const key = newDataKey();
    const groups = wrapDataKey(key, [[reader.recipient, c1.recipient], [reader.recipient, c2.recipient], [reader.recipient, c3.recipient]], 2);
    expect(Buffer.from(unwrapDataKey(groups, 2, [reader.id], 'f'))).toEqual(key);
    expect(Buffer.from(unwrapDataKey(groups, 2, [c1.id, c3.id], 'f'))).toEqual(key);
    expect(Buffer.from(unwrapDataKey(groups, 2, [c2.id, c3.id], 'f'))).toEqual(key);
    for (const alone of [c1, c2, c3]) expect(() => unwrapDataKey(groups, 2, [alone.id], 'f')).toThrow(AccessError);
  });
});
