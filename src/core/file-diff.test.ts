/**
 * Key-level history without decrypting (docs/audit.md, stable ciphertext):
 * `snapshotOf` + `diffSnapshots` on real encrypted files, written the way keyfold's
 * writers write them (same data key + cipher cache for edits; envelopes kept when a
 * reader is added; a fresh data key when a reader is removed or on `rotate`).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { generateIdentity, identityToRecipient, parseIdentities, encryptArmored, type X25519Identity } from '../crypto/age/index.js';
import { newDataKey, wrapDataKey, type AgeEnvelope } from '../crypto/data-key.js';
import { parseYaml } from '../formats/yaml.js';
import { diffSnapshots, fullSnapshot, ownMergeChanges, snapshotOf, type FileSnapshot } from './file-diff.js';
import { openSopsFile, parseSopsFile } from '../sops/file.js';
import { sealSopsFile } from '../sops/seal.js';

const FILE = 'secrets/dev/api/db.yaml';

interface Party {
  recipient: string;
  identities: X25519Identity[];
}
const party = (): Party => {
  const s = generateIdentity();
  return { recipient: identityToRecipient(s), identities: parseIdentities(`${s}\n`) };
};

let r1: Party;
let r2: Party;
let c1: Party;
let c2: Party;
beforeAll(() => {
  [r1, r2, c1, c2] = [party(), party(), party(), party()];
});

/** A new file: fresh data key for these key groups. */
function create(plainYaml: string, groups: string[][], threshold = 1): string {
  const dataKey = newDataKey();
  return sealSopsFile(parseYaml(plainYaml, FILE), { dataKey, groups: wrapDataKey(dataKey, groups, threshold), threshold }, FILE);
}

type Edit = (plain: ReturnType<typeof parseYaml>) => void;

/** How `set`/`unset` rewrite a file: same data key, same envelopes, cached ciphertext. */
function edit(text: string, change: Edit, who: Party = r1): string {
  const opened = openSopsFile(parseSopsFile(text, FILE, { strict: true }), who.identities, FILE);
  change(opened.plain);
  return sealSopsFile(opened.plain, { dataKey: opened.dataKey, groups: opened.meta.groups, threshold: opened.meta.threshold, cache: opened.cache, previous: opened.meta }, FILE);
}

/** `recipients sync` for added readers of a single-group file: envelopes kept, one more. */
function addReader(text: string, r: string, who: Party = r1): string {
  const opened = openSopsFile(parseSopsFile(text, FILE, { strict: true }), who.identities, FILE);
  const groups: AgeEnvelope[][] = [[...opened.meta.groups[0]!, { recipient: r, enc: encryptArmored(opened.dataKey, [r]) }]];
  return sealSopsFile(opened.plain, { dataKey: opened.dataKey, groups, threshold: 1, cache: opened.cache, previous: opened.meta }, FILE);
}

/** Same data key re-wrapped for new groups (multi-group: fresh Shamir shares, all envelopes new). */
function rewrap(text: string, groups: string[][], threshold: number, who: Party = r1, change?: Edit): string {
  const opened = openSopsFile(parseSopsFile(text, FILE, { strict: true }), who.identities, FILE);
  change?.(opened.plain);
  return sealSopsFile(
    opened.plain,
    { dataKey: opened.dataKey, groups: wrapDataKey(opened.dataKey, groups, threshold), threshold, cache: opened.cache, previous: opened.meta },
    FILE,
  );
}

/** `rotate` / a reader removed: fresh data key, every value re-encrypted (optionally edited too). */
function rekey(text: string, groups: string[][], threshold = 1, who: Party = r1, change?: Edit): string {
  const opened = openSopsFile(parseSopsFile(text, FILE, { strict: true }), who.identities, FILE);
  change?.(opened.plain);
  const dataKey = newDataKey();
  return sealSopsFile(opened.plain, { dataKey, groups: wrapDataKey(dataKey, groups, threshold), threshold, previous: opened.meta }, FILE);
}

function snap(text: string): FileSnapshot {
  const s = snapshotOf(text, FILE);
  if (!s) throw new Error('not a snapshot');
  return s;
}
const diff = (a: string | undefined, b: string | undefined) => diffSnapshots(a === undefined ? undefined : snap(a), b === undefined ? undefined : snap(b));

describe('snapshotOf', () => {
  it('names top-level keys, nested keys dotted, a list as one key; recipients per group', () => {
    const t = create('A: "1"\ndb:\n  host: h\n  creds:\n    pass: p\nhosts: [a, b]\n"123": x\nnote_unencrypted: plain\n', [[r1.recipient, r2.recipient]]);
    const s = snap(t);
    expect([...s.keys.keys()]).toEqual(['A', 'db.host', 'db.creds.pass', 'hosts', '123', 'note_unencrypted']);
    expect(s.groups).toEqual([[r1.recipient, r2.recipient]]);
    expect(s.threshold).toBe(1);
    expect(s.envelopes.size).toBe(2);
    // Fingerprints are ciphertext, never plaintext (except unencrypted keys, which are plain by design).
    expect(s.keys.get('A')).toMatch(/ENC\[AES256_GCM/);
    expect(s.keys.get('db.creds.pass')).toMatch(/ENC\[AES256_GCM/);
  });

  it('is undefined for text that is not a SOPS file (no throw)', () => {
    expect(snapshotOf('just: yaml\n', FILE)).toBeUndefined();
    expect(snapshotOf('::: not yaml [', FILE)).toBeUndefined();
    expect(snapshotOf('', FILE)).toBeUndefined();
  });
});

describe('diffSnapshots', () => {
  it('added, removed and changed keys from the ciphertext alone', () => {
    const v1 = create('A: one\nB: two\nC: three\n', [[r1.recipient]]);
    const v2 = edit(v1, (p) => {
      p.set('B', 'two-changed');
      p.delete('C');
      p.set('D', 'four');
    });
    expect(diff(v1, v2)).toEqual({ added: ['D'], removed: ['C'], changed: ['B'], recipientsAdded: [], recipientsRemoved: [], reencrypted: false });
    // Writing the same plaintext again changes nothing (stable ciphertext).
    const v3 = edit(v2, (p) => p.set('A', 'one'));
    expect(diff(v2, v3)).toMatchObject({ added: [], removed: [], changed: [], reencrypted: false });
  });

  it('a created file adds every key and reader; a deleted file removes them', () => {
    const v1 = create('A: one\nB: two\n', [[r1.recipient, r2.recipient]]);
    expect(diff(undefined, v1)).toEqual({
      added: ['A', 'B'],
      removed: [],
      changed: [],
      recipientsAdded: [r1.recipient, r2.recipient].sort(),
      recipientsRemoved: [],
      reencrypted: false,
    });
    expect(diff(v1, undefined)).toEqual({
      added: [],
      removed: ['A', 'B'],
      changed: [],
      recipientsAdded: [],
      recipientsRemoved: [r1.recipient, r2.recipient].sort(),
      reencrypted: false,
    });
  });

  it('a reader added with the same data key (envelope kept): readers +1, no value changed, not re-encrypted', () => {
    const v1 = create('A: one\nB: two\n', [[r1.recipient]]);
    const v2 = addReader(v1, r2.recipient);
    expect(snap(v2).envelopes.has([...snap(v1).envelopes][0]!)).toBe(true);
    expect(diff(v1, v2)).toEqual({ added: [], removed: [], changed: [], recipientsAdded: [r2.recipient], recipientsRemoved: [], reencrypted: false });
  });

  it('a reader added to a break-glass (multi-group) file: every envelope new, same data key, values kept: not re-encrypted', () => {
    const v1 = create('A: one\nB: two\n', [
      [r1.recipient, c1.recipient],
      [r1.recipient, c2.recipient],
    ], 2);
    const v2 = rewrap(v1, [
      [r1.recipient, r2.recipient, c1.recipient],
      [r1.recipient, r2.recipient, c2.recipient],
    ], 2);
    for (const e of snap(v2).envelopes) expect(snap(v1).envelopes.has(e)).toBe(false);
    expect(diff(v1, v2)).toEqual({ added: [], removed: [], changed: [], recipientsAdded: [r2.recipient], recipientsRemoved: [], reencrypted: false });
    // ...and with one value changed in the same rewrite, only that value is reported.
    const v3 = rewrap(v1, [
      [r1.recipient, r2.recipient, c1.recipient],
      [r1.recipient, r2.recipient, c2.recipient],
    ], 2, r1, (p) => p.set('B', 'two-changed'));
    expect(diff(v1, v3)).toMatchObject({ changed: ['B'], reencrypted: false });
  });

  it('a fresh data key (all envelopes and all values new): re-encrypted, every value listed as changed, reader removed', () => {
    const v1 = create('A: one\nB: two\ndb:\n  pass: p\n', [[r1.recipient, r2.recipient]]);
    const v2 = rekey(v1, [[r1.recipient]]);
    expect(diff(v1, v2)).toEqual({
      added: [],
      removed: [],
      changed: ['A', 'B', 'db.pass'],
      recipientsAdded: [],
      recipientsRemoved: [r2.recipient],
      reencrypted: true,
    });
    // `rotate` with the same readers, and a rotation that also edits a value: both re-encrypted.
    const v3 = rekey(v2, [[r1.recipient]]);
    expect(diff(v2, v3)).toMatchObject({ changed: ['A', 'B', 'db.pass'], recipientsAdded: [], recipientsRemoved: [], reencrypted: true });
    const v4 = rekey(v3, [[r1.recipient]], 1, r1, (p) => p.set('A', 'one-changed'));
    expect(diff(v3, v4)).toMatchObject({ changed: ['A', 'B', 'db.pass'], reencrypted: true });
    // A one-key file, and one where the only common key changed plus a key added.
    const s1 = create('ONLY: x\n', [[r1.recipient]]);
    expect(diff(s1, rekey(s1, [[r1.recipient]]))).toMatchObject({ changed: ['ONLY'], reencrypted: true });
    expect(diff(s1, rekey(s1, [[r1.recipient]], 1, r1, (p) => p.set('NEW', 'y')))).toMatchObject({ added: ['NEW'], changed: ['ONLY'], reencrypted: true });
  });

  it('a fresh data key is recognised even when the file holds values that are never encrypted (empty string, null, _unencrypted)', () => {
    const v1 = create('A: one\nB: two\nEMPTY: ""\nNOTHING: null\nnote_unencrypted: plain text\n', [[r1.recipient, r2.recipient]]);
    const v2 = rekey(v1, [[r1.recipient]]);
    const d = diff(v1, v2);
    // Those three keep their text across any re-key; they prove nothing about the data key.
    expect(d.reencrypted).toBe(true);
    expect(d.changed).toEqual(['A', 'B']);
    expect(d.recipientsRemoved).toEqual([r2.recipient]);
    // Editing such a plain value with the data key kept is an ordinary change.
    const v3 = edit(v2, (p) => p.set('note_unencrypted', 'other text'));
    expect(diff(v2, v3)).toMatchObject({ changed: ['note_unencrypted'], reencrypted: false });
  });

  it('nested keys are dotted: a change deep in a map names only that leaf', () => {
    const v1 = create('db:\n  host: h\n  creds:\n    user: u\n    pass: p\nTOP: t\n', [[r1.recipient]]);
    const v2 = edit(v1, (p) => p.setIn(['db', 'creds', 'pass'], 'p2'));
    expect(diff(v1, v2)).toMatchObject({ added: [], removed: [], changed: ['db.creds.pass'], reencrypted: false });
    const v3 = edit(v2, (p) => {
      p.deleteIn(['db', 'host']);
      p.setIn(['db', 'port'], '5432');
    });
    expect(diff(v2, v3)).toMatchObject({ added: ['db.port'], removed: ['db.host'], changed: [] });
  });

  it('a list is one key: changing, adding or removing an item changes it; an unchanged list does not', () => {
    const v1 = create('hosts:\n  - a\n  - b\ntokens:\n  - name: x\n    token: t1\nOTHER: o\n', [[r1.recipient]]);
    const v2 = edit(v1, (p) => p.set('OTHER', 'o2'));
    expect(diff(v1, v2)).toMatchObject({ changed: ['OTHER'] });
    const v3 = edit(v2, (p) => p.setIn(['hosts', 1], 'b2'));
    expect(diff(v2, v3)).toMatchObject({ added: [], removed: [], changed: ['hosts'] });
    const v4 = edit(v3, (p) => p.addIn(['hosts'], 'c'));
    expect(diff(v3, v4)).toMatchObject({ changed: ['hosts'] });
    // A map inside a list: a change to one of its values changes the list key.
    const v5 = edit(v4, (p) => p.setIn(['tokens', 0, 'token'], 't2'));
    expect(diff(v4, v5)).toMatchObject({ added: [], removed: [], changed: ['tokens'] });
    expect([...snap(v5).keys.keys()]).toEqual(['hosts', 'tokens', 'OTHER']);
  });
});

describe('ownMergeChanges', () => {
  it('a merge combining both sides\' edits has no changes of its own; an edit made in the merge is its own', () => {
    const base = create('A: a\nB: b\nC: c\n', [[r1.recipient]]);
    const ours = edit(base, (p) => p.set('B', 'b-main'));
    const theirs = edit(base, (p) => p.set('A', 'a-side'));
    // The merge result, as the key-level merge driver writes it: ciphertext copied
    // verbatim, A from theirs, B from ours (same data key on both sides).
    const lineOf = (text: string, key: string) => text.split('\n').find((l) => l.startsWith(`${key}: `))!;
    const merged = ours.replace(lineOf(ours, 'A'), lineOf(theirs, 'A'));
    expect(lineOf(merged, 'A')).not.toBe(lineOf(ours, 'A'));
    const clean = ownMergeChanges(diff(ours, merged), [diff(theirs, merged)]);
    expect(clean).toEqual({ added: [], removed: [], changed: [], recipientsAdded: [], recipientsRemoved: [], reencrypted: false });
    // The merge also changes C, adds D, and removes nothing either side had removed.
    const edited = edit(ours, (p) => {
      p.set('C', 'c-merge');
      p.set('D', 'd-merge');
    });
    const evil = edited.replace(lineOf(edited, 'A'), lineOf(theirs, 'A'));
    expect(ownMergeChanges(diff(ours, evil), [diff(theirs, evil)])).toEqual({
      added: ['D'],
      removed: [],
      changed: ['C'],
      recipientsAdded: [],
      recipientsRemoved: [],
      reencrypted: false,
    });
    // A reader that one side added is that side's change, not the merge's.
    const theirsReader = addReader(theirs, r2.recipient);
    const mergedReader = merged.replace(/\nsops:\n[\s\S]*$/, theirsReader.slice(theirsReader.indexOf('\nsops:\n')));
    expect(ownMergeChanges(diff(ours, mergedReader), [diff(theirsReader, mergedReader)]).recipientsAdded).toEqual([]);
    expect(diff(ours, mergedReader).recipientsAdded).toEqual([r2.recipient]);
  });
});

describe('snapshotOf: the lean path agrees with the full parser', () => {
  it('on flat, nested, list, block-scalar, _unencrypted, number-like and key-group files, and on what it declines', () => {
    const texts = [
      create('A: x\nB: "2"\nC: 3\n', [[r1.recipient]]),
      create('db:\n    host: h\n    port: 5432\n    inner:\n        deep: v\nlist:\n    - one\n    - 2\n    - - nested\nempty: ""\nnothing: null\n', [[r1.recipient, r2.recipient]]),
      create('multi: |\n    line one\n    line two\nregion_unencrypted: eu-west-1\n"10": ten\n"2": two\n', [[r1.recipient], [c1.recipient, c2.recipient]], 2),
      create('maps_in_list:\n    - a: 1\n      b: 2\n', [[r1.recipient]]),
      create('a.b: flat\na:\n    b: nested\n', [[r1.recipient]]),
    ];
    for (const text of texts) expect(snapshotOf(text, FILE)).toEqual(fullSnapshot(text, FILE));
    // Not SOPS, broken, commented: the same answer (a comment makes the lean reader decline).
    for (const text of ['a: 1\n', 'not: [yaml\n', '# c\n' + texts[0]!, texts[0]!.replace(/^sops:/m, 'sopz:'), texts[0]!.replace(/version: .*/, 'version: [1')]) {
      expect(snapshotOf(text, FILE)).toEqual(fullSnapshot(text, FILE));
    }
  });
});
