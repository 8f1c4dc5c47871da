import { describe, expect, it } from 'vitest';
import { generateIdentity, identityToRecipient } from '../crypto/age/index.js';
import { newDataKey, wrapDataKey } from '../crypto/data-key.js';
import { parseYaml } from '../formats/yaml.js';
import { findRollbacks, versionFacts, type VersionFacts } from './rollback.js';
import { openSopsFile, parseSopsFile } from '../sops/file.js';
import { sealSopsFile } from '../sops/seal.js';
import { parseIdentities } from '../crypto/age/index.js';

const identity = generateIdentity();
const recipient = identityToRecipient(identity);

/** Versions of one file as keyfold writes them: stable ciphertext, advancing lastmodified. */
function history(): string[] {
  const dataKey = newDataKey();
  const groups = wrapDataKey(dataKey, [[recipient]], 1);
  const v1 = sealSopsFile(parseYaml('A: one\nB: two\n', 'f'), { dataKey, groups, threshold: 1, now: new Date('2025-01-01T00:00:00Z') }, 'f');
  const edit = (text: string, key: string, value: string, now: string) => {
    const opened = openSopsFile(parseSopsFile(text, 'f', { strict: true }), parseIdentities(identity), 'f');
    opened.plain.set(key, value);
    return sealSopsFile(opened.plain, { dataKey, groups, threshold: 1, cache: opened.cache, previous: opened.meta, now: new Date(now) }, 'f');
  };
  const v2 = edit(v1, 'A', 'uno', '2025-02-01T00:00:00Z');
  const v3 = edit(v2, 'B', 'dos', '2025-03-01T00:00:00Z');
  return [v1, v2, v3];
}

const facts = (t: string): VersionFacts => versionFacts(t, 'f')!;

describe('rollback (S5)', () => {
  const [v1, v2, v3] = history();
  const earlier = [
    { commit: 'c3'.padEnd(40, '0'), facts: facts(v3!) },
    { commit: 'c2'.padEnd(40, '0'), facts: facts(v2!) },
    { commit: 'c1'.padEnd(40, '0'), facts: facts(v1!) },
  ];

  it('a forward edit is no rollback', () => {
    expect(findRollbacks(facts(v3!), facts(v2!), earlier.slice(1))).toEqual([]);
  });

  it('the whole file put back: its MAC and its lastmodified', () => {
    const found = findRollbacks(facts(v1!), facts(v3!), earlier);
    expect(found.map((f) => f.kind)).toEqual(['mac', 'lastmodified']);
    expect(found[0]!.message).toMatch(/commit c10000000000/);
  });

  it('one value put back under a fresh MAC and lastmodified', () => {
    // v3 with A's ciphertext from v1 (the same data key, so the file would even decrypt).
    const a1 = [...facts(v1!).values].find(([, n]) => n === 'A')![0];
    const a3 = [...facts(v3!).values].find(([, n]) => n === 'A')![0];
    const forged = facts(v3!.replace(a3, a1));
    forged.mac = 'ENC[AES256_GCM,data:fresh]';
    forged.lastModified = '2025-04-01T00:00:00Z';
    const found = findRollbacks(forged, facts(v3!), earlier);
    expect(found).toEqual([{ kind: 'value', name: 'A', message: 'A holds the ciphertext of an earlier version (commit c10000000000): a rolled-back value' }]);
  });

  it('values kept from the base version are not rollbacks, nor is an unchanged MAC', () => {
    // A recipients-only rewrite keeps every ciphertext and the MAC.
    expect(findRollbacks(facts(v3!), facts(v3!), earlier)).toEqual([]);
  });
});
