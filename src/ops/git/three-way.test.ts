/**
 * The key-level three-way merge (three-way.ts) on real sealed files: which side each key
 * takes, what is a conflict, which keying the result gets, and that unchanged ciphertext
 * is kept verbatim (theirs' included).
 */
import { Document, parseDocument } from 'yaml';
import { beforeAll, describe, expect, it } from 'vitest';
import { generateIdentity, identityToRecipient, parseIdentities, type X25519Identity } from '../../crypto/age/index.js';
import { sealDocument } from '../../sops/seal.js';
import { openSopsFile, parseSopsFile, type OpenedSopsFile } from '../../sops/file.js';
import { openSides } from './open-sides.js';
import { mergedDocument, planMerge, type ThreeWay } from './three-way.js';

let alice: X25519Identity[];
let aliceR: string;
let bobR: string;
let carolR: string;

beforeAll(() => {
  const secret = generateIdentity();
  alice = parseIdentities(`${secret}\n`);
  aliceR = identityToRecipient(secret);
  bobR = identityToRecipient(generateIdentity());
  carolR = identityToRecipient(generateIdentity());
});

const FILE = 'secrets/dev/x.yaml';
const yaml = (text: string) => parseDocument(text, { intAsBigInt: true });
const open = (text: string): OpenedSopsFile => openSopsFile(parseSopsFile(text, FILE, { strict: true }), alice, FILE);

/** A new file, and edits of it with stable ciphertext. */
function fresh(text: string, readers = [aliceR]): string {
  return sealDocument(yaml(text), { kind: 'fresh', layout: { groups: [readers], threshold: 1 } }, FILE);
}
function edit(file: string, change: (d: Document) => void): string {
  const opened = open(file);
  change(opened.plain);
  return sealDocument(opened.plain, { kind: 'keep', opened }, FILE);
}
function addReader(file: string, r: string): string {
  const opened = open(file);
  return sealDocument(opened.plain, { kind: 'add-readers', opened, layout: { groups: [[...opened.meta.groups[0]!.map((e) => e.recipient), r]], threshold: 1 } }, FILE);
}
const three = (base: string | null, ours: string, theirs: string): ThreeWay => openSides({ base, ours, theirs }, FILE, alice);
const merged = (m: ThreeWay) => {
  const { plain, keying } = mergedDocument(m, planMerge(m));
  return sealDocument(plain, keying, FILE);
};
const lineOf = (text: string, key: string) => text.split('\n').find((l) => l.startsWith(`${key}:`));

describe('planMerge', () => {
  it('takes each side\'s own changes (edits, additions, deletions); the same change on both sides is no conflict', () => {
    const base = fresh('A: a\nB: b\nC: c\nD: d\n');
    const ours = edit(base, (d) => {
      d.set('A', 'a2');
      d.delete('C');
      d.set('E', 'same');
    });
    const theirs = edit(base, (d) => {
      d.set('B', 'b2');
      d.delete('D');
      d.set('E', 'same');
      d.set('F', 'f');
    });
    const m = three(base, ours, theirs);
    const plan = planMerge(m);
    expect(plan.conflicts).toEqual([]);
    expect(plan.keyingProblem).toBeUndefined();
    expect(plan.changed).toEqual({ ours: ['A', 'E', 'C'], theirs: ['B', 'D', 'E', 'F'] });
    const text = merged(m);
    expect(open(text).plain.toJSON()).toEqual({ A: 'a2', B: 'b2', E: 'same', F: 'f' });
    expect(lineOf(text, 'A')).toBe(lineOf(ours, 'A'));
    expect(lineOf(text, 'B')).toBe(lineOf(theirs, 'B'));
    expect(lineOf(text, 'F')).toBe(lineOf(theirs, 'F'));
    expect(lineOf(text, 'E')).toBe(lineOf(ours, 'E'));
  });

  it('a key changed differently on both sides, or deleted on one and changed on the other, is a conflict; choices decide it', () => {
    const base = fresh('A: a\nB: b\nC: c\n');
    const ours = edit(base, (d) => {
      d.set('A', 'ours');
      d.delete('B');
    });
    const theirs = edit(base, (d) => {
      d.set('A', 'theirs');
      d.set('B', 'b2');
      d.set('C', 'c2');
    });
    const m = three(base, ours, theirs);
    const plan = planMerge(m);
    expect(plan.conflicts).toEqual(['A', 'B']);
    expect(plan.unresolved).toEqual(['A', 'B']);
    const chosen = planMerge(m, new Map([['A', 'theirs'], ['B', 'theirs']]));
    expect(chosen.unresolved).toEqual([]);
    const { plain, keying } = mergedDocument(m, chosen);
    const text = sealDocument(plain, keying, FILE);
    expect(open(text).plain.toJSON()).toEqual({ A: 'theirs', C: 'c2', B: 'b2' });
    expect(lineOf(text, 'A')).toBe(lineOf(theirs, 'A'));
  });

  it('a value re-encrypted without a change (sops edit) is no change', () => {
    const base = fresh('A: a\nB: b\n');
    const reencrypted = (() => {
      const opened = open(base);
      opened.cache.values.clear();
      return sealDocument(opened.plain, { kind: 'keep', opened }, FILE);
    })();
    expect(lineOf(reencrypted, 'A')).not.toBe(lineOf(base, 'A'));
    const theirs = edit(base, (d) => d.set('B', 'b2'));
    const plan = planMerge(three(base, reencrypted, theirs));
    expect(plan.conflicts).toEqual([]);
    expect(plan.changed.ours).toEqual([]);
  });

  it('envelopes: theirs added a reader (same data key) → theirs\' envelopes; both changed them → a recipients problem; a re-key → a data-key problem', () => {
    const base = fresh('A: a\nB: b\n');
    const ours = edit(base, (d) => d.set('A', 'a2'));
    const theirsBob = edit(addReader(base, bobR), (d) => d.set('B', 'b2'));
    const m = three(base, ours, theirsBob);
    const plan = planMerge(m);
    expect(plan).toMatchObject({ keyingProblem: undefined, sameDataKey: true, envelopesFrom: 'theirs' });
    const text = merged(m);
    expect(open(text).meta.groups[0]!.map((e) => e.recipient)).toEqual([aliceR, bobR]);
    expect(lineOf(text, 'A')).toBe(lineOf(ours, 'A'));

    const oursCarol = addReader(ours, carolR);
    expect(planMerge(three(base, oursCarol, theirsBob)).keyingProblem).toBe('recipients');

    const rekeyed = (() => {
      const opened = open(theirsBob);
      return sealDocument(opened.plain, { kind: 'fresh', layout: { groups: [[aliceR]], threshold: 1 }, previous: opened }, FILE);
    })();
    const rk = three(base, ours, rekeyed);
    const rkPlan = planMerge(rk);
    expect(rkPlan).toMatchObject({ keyingProblem: 'data-key', sameDataKey: false, conflicts: [] });
    // Resolved under ours' data key: ours' ciphertext kept, theirs' values re-encrypted.
    const out = merged(rk);
    expect(open(out).plain.toJSON()).toEqual({ A: 'a2', B: 'b2' });
    expect(open(out).dataKey).toEqual(open(ours).dataKey);
    expect(lineOf(out, 'A')).toBe(lineOf(ours, 'A'));
  });

  it('a base nobody of ours can open is opened with a side\'s data key; a file added on both sides has no base', () => {
    const base = fresh('A: a\n', [bobR, aliceR]);
    const doc = parseDocument(base);
    const envelopes = doc.getIn(['sops', 'age']) as { items: Array<{ get(k: string): unknown }> };
    envelopes.items = envelopes.items.filter((e) => e.get('recipient') !== aliceR);
    const baseBobOnly = doc.toString({ lineWidth: 0 });
    expect(baseBobOnly).not.toContain(aliceR);
    const ours = edit(base, (d) => d.set('A', 'a2'));
    const m = three(baseBobOnly, ours, base);
    expect(planMerge(m).changed.ours).toEqual(['A']);

    const added = three(null, fresh('A: 1\n'), fresh('B: 2\n'));
    expect(planMerge(added)).toMatchObject({ conflicts: [], keyingProblem: 'data-key' });
  });
});
