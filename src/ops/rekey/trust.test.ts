/** S6 trust records: the state's two formats, parsed strictly, and which refs a write-only author could have written. */
import { describe, expect, it } from 'vitest';
import type { AccessPolicy } from '../../config/access-policy.js';
import { metaFingerprint } from './fingerprints.js';
import { parseRekeyState, writeOnlyPossible } from './trust.js';

const C = 'a'.repeat(40);

describe('S6 re-key state', () => {
  it('reads the current form and the bare map written before the commit was recorded', () => {
    expect(parseRekeyState({ commit: C, files: { 'prod/a/b': 'f' }, unopenable: ['prod/x/y'] })).toEqual({ commit: C, files: { 'prod/a/b': 'f' }, unopenable: ['prod/x/y'] });
    expect(parseRekeyState({ files: {} })).toEqual({ files: {}, unopenable: [] });
    expect(parseRekeyState({ 'prod/a/b': 'f', 'dev/c/d': 'g' })).toEqual({ files: { 'prod/a/b': 'f', 'dev/c/d': 'g' }, unopenable: [] });
    expect(parseRekeyState({})).toEqual({ files: {}, unopenable: [] });
  });

  it('refuses anything else', () => {
    for (const bad of [null, [], 'x', 1, { commit: 'nope', files: {} }, { files: { a: 1 } }, { files: {}, extra: 1 }, { files: {}, unopenable: [1] }, { files: {}, unopenable: 'x' }, { a: 1 }]) {
      expect(parseRekeyState(bad), JSON.stringify(bad)).toBeUndefined();
    }
  });

  it('fingerprints envelopes: order, recipient, wrapped key and threshold all count', () => {
    const e = (recipient: string, enc: string) => ({ recipient, enc });
    const base = metaFingerprint({ groups: [[e('r1', 'x'), e('r2', 'y')]], threshold: 1 });
    expect(metaFingerprint({ groups: [[e('r1', 'x'), e('r2', 'y')]], threshold: 1 })).toBe(base);
    expect(metaFingerprint({ groups: [[e('r2', 'y'), e('r1', 'x')]], threshold: 1 })).not.toBe(base);
    expect(metaFingerprint({ groups: [[e('r1', 'x'), e('r3', 'y')]], threshold: 1 })).not.toBe(base);
    expect(metaFingerprint({ groups: [[e('r1', 'x'), e('r2', 'z')]], threshold: 1 })).not.toBe(base);
    expect(metaFingerprint({ groups: [[e('r1', 'x'), e('r2', 'y')]], threshold: 2 })).not.toBe(base);
  });
});

describe('writeOnlyPossible', () => {
  const policy = {
    members: {},
    roles: { developer: [], admin: [], 'ci-prod': [], split: [] },
    grants: [
      { role: 'developer', read: ['dev/**', 'staging/**'], write: ['dev/**', '*/providers/**'] },
      { role: 'admin', read: ['**'], write: ['**'] },
      { role: 'ci-prod', read: ['prod/**'], write: [] },
      // Read and write of one role in two grants: not write-only.
      { role: 'split', read: ['prod/split/**'], write: [] },
      { role: 'split', read: [], write: ['prod/split/**'] },
    ],
  } as unknown as AccessPolicy;

  it('is true where a role writes without reading, whether or not it has members', () => {
    expect(writeOnlyPossible(policy, 'prod/providers/openrouter')).toBe(true);
    expect(writeOnlyPossible(policy, 'staging/providers/openrouter')).toBe(false);
    expect(writeOnlyPossible(policy, 'dev/providers/openrouter')).toBe(false);
    expect(writeOnlyPossible(policy, 'prod/api/db')).toBe(false);
    expect(writeOnlyPossible(policy, 'prod/split/x')).toBe(false);
  });
});
