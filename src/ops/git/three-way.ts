/**
 * The three-way merge of a secrets file at key level (top-level keys), on decrypted
 * files. Pure: the caller opens base, ours and theirs and seals the result.
 *
 * A key changed on one side only takes that side; changed on both sides to the same
 * content, ours; changed differently, it is a conflict (ours until a choice says
 * otherwise). Content is compared as plaintext, so a side that re-encrypted a value
 * without changing it did not change it.
 *
 * Keying: when ours and theirs share the data key, the result keeps it and every
 * unchanged ciphertext verbatim — ours' for keys taken from ours, theirs' for keys taken
 * from theirs (theirs' cipher cache is merged in) — and takes the envelopes of the side
 * that changed them. Different data keys (a side was re-keyed), or envelopes changed on
 * both sides, is a keying problem: the merge needs a person's decision, and a resolved
 * result is sealed under ours' data key and envelopes (theirs' values re-encrypted).
 */
import { isMap, isScalar, isSeq, type Document, type Node, type Pair, type YAMLMap } from 'yaml';
import { isTimeNode } from '../../formats/scalar-codec.js';
import { CipherCache } from '../../sops/cipher-cache.js';
import type { OpenedSopsFile } from '../../sops/file.js';
import type { Keying } from '../../sops/seal.js';

export type Side = 'ours' | 'theirs';

export interface ThreeWay {
  /** Undefined when the file was added on both sides (no common version). */
  base: OpenedSopsFile | undefined;
  ours: OpenedSopsFile;
  theirs: OpenedSopsFile;
}

/** Why the two sides cannot share their keying. */
export type KeyingProblem = 'data-key' | 'recipients';

export interface MergePlan {
  /** Keys changed differently on both sides (whatever the choices), in document order. */
  conflicts: string[];
  /** Keys each side changed (added, removed or modified) since the base. */
  changed: Record<Side, string[]>;
  /** The side each key of the result comes from. */
  take: Map<string, Side>;
  /** Conflicting keys no choice covers. */
  unresolved: string[];
  keyingProblem: KeyingProblem | undefined;
  sameDataKey: boolean;
  /** Whose envelopes the result has. */
  envelopesFrom: Side;
}

/** Plan the merge; `choices` decide conflicting keys (the others are ignored by the plan). */
export function planMerge(m: ThreeWay, choices: ReadonlyMap<string, Side> = new Map()): MergePlan {
  const o = keyMap(m.base?.plain);
  const a = keyMap(m.ours.plain);
  const b = keyMap(m.theirs.plain);
  const keys = [...new Set([...a.keys(), ...b.keys(), ...o.keys()])];
  const take = new Map<string, Side>();
  const conflicts: string[] = [];
  const changed: Record<Side, string[]> = { ours: [], theirs: [] };
  for (const k of keys) {
    const co = o.get(k)?.canon;
    const ca = a.get(k)?.canon;
    const cb = b.get(k)?.canon;
    const oursChanged = ca !== co;
    const theirsChanged = cb !== co;
    if (oursChanged) changed.ours.push(k);
    if (theirsChanged) changed.theirs.push(k);
    if (!theirsChanged || ca === cb) take.set(k, 'ours');
    else if (!oursChanged) take.set(k, 'theirs');
    else {
      conflicts.push(k);
      take.set(k, choices.get(k) ?? 'ours');
    }
  }
  const sameDataKey = Buffer.from(m.ours.dataKey).equals(Buffer.from(m.theirs.dataKey));
  let keyingProblem: KeyingProblem | undefined;
  let envelopesFrom: Side = 'ours';
  if (!sameDataKey) keyingProblem = 'data-key';
  else if (!sameEnvelopes(m.ours, m.theirs)) {
    if (m.base && sameEnvelopes(m.base, m.ours)) envelopesFrom = 'theirs';
    else if (!m.base || !sameEnvelopes(m.base, m.theirs)) keyingProblem = 'recipients';
  }
  return { conflicts, changed, take, unresolved: conflicts.filter((k) => !choices.has(k)), keyingProblem, sameDataKey, envelopesFrom };
}

/** The merged plaintext and how to seal it, as `plan` says. */
export function mergedDocument(m: ThreeWay, plan: MergePlan): { plain: Document; keying: Keying } {
  const plain = m.ours.plain.clone();
  const theirsRoot = rootMap(m.theirs.plain);
  const theirsKeys = theirsRoot ? theirsRoot.items.map((p) => keyOf(p)) : [];
  for (const [key, side] of plan.take) {
    if (side !== 'theirs') continue;
    let root = rootMap(plain);
    const at = root ? root.items.findIndex((p) => keyOf(p) === key) : -1;
    const theirsPair = theirsRoot?.items.find((p) => keyOf(p) === key);
    if (!theirsPair) {
      if (root && at >= 0) root.items.splice(at, 1);
      continue;
    }
    if (!root) {
      plain.contents = plain.createNode({});
      root = rootMap(plain)!;
    }
    const copy = theirsPair.clone() as Pair<unknown, unknown>;
    if (at >= 0) root.items[at] = copy;
    else root.items.splice(insertionIndex(root, theirsKeys, key), 0, copy);
  }
  mergeDocumentComments(m, plain);

  const cache = new CipherCache();
  const fromTheirs = (slot: string) => plan.take.get(topKeyOfSlot(slot)) === 'theirs';
  for (const [slot, e] of m.ours.cache.values) if (!plan.sameDataKey || !fromTheirs(slot)) cache.values.set(slot, e);
  for (const [k, enc] of m.ours.cache.comments) cache.comments.set(k, enc);
  if (plan.sameDataKey) {
    // The same data key: theirs' ciphertexts are as valid as ours', kept verbatim.
    for (const [slot, e] of m.theirs.cache.values) if (fromTheirs(slot)) cache.values.set(slot, e);
    for (const [k, enc] of m.theirs.cache.comments) if (!cache.comments.has(k)) cache.comments.set(k, enc);
  }
  const envelopes = plan.envelopesFrom === 'theirs' ? m.theirs.meta : m.ours.meta;
  const meta = { ...m.ours.meta, groups: envelopes.groups, threshold: envelopes.threshold, lastModified: later(m.ours.meta.lastModified, m.theirs.meta.lastModified) };
  const opened: OpenedSopsFile = { ...m.ours, plain, cache, meta, indent: m.ours.indent };
  return { plain, keying: { kind: 'keep', opened } };
}

/** Whether two files have the same envelopes (recipients and wrapped data key) and threshold. */
function sameEnvelopes(x: OpenedSopsFile, y: OpenedSopsFile): boolean {
  const text = (f: OpenedSopsFile) => JSON.stringify([f.meta.threshold, f.meta.groups.map((g) => g.map((e) => [e.recipient, e.enc]))]);
  return text(x) === text(y);
}

const later = (x: string, y: string): string => (Date.parse(y) > Date.parse(x) ? y : x);

/** A new key from theirs goes after the nearest key before it (in theirs' order) that the result has. */
function insertionIndex(root: YAMLMap, theirsKeys: string[], key: string): number {
  for (let i = theirsKeys.indexOf(key) - 1; i >= 0; i--) {
    const at = root.items.findIndex((p) => keyOf(p as Pair<unknown, unknown>) === theirsKeys[i]);
    if (at >= 0) return at + 1;
  }
  return 0;
}

/** Comments of the document and its top-level map: theirs when only theirs changed them. */
function mergeDocumentComments(m: ThreeWay, plain: Document): void {
  const fields = (d: Document | undefined) => {
    const root = d ? rootMap(d) : undefined;
    return [d?.commentBefore ?? null, d?.comment ?? null, root?.commentBefore ?? null, root?.comment ?? null] as const;
  };
  const [o, a, b] = [fields(m.base?.plain), fields(m.ours.plain), fields(m.theirs.plain)];
  if (a.every((x, i) => x === o[i]) && !b.every((x, i) => x === o[i])) {
    plain.commentBefore = b[0];
    plain.comment = b[1];
    const root = rootMap(plain);
    if (root) {
      root.commentBefore = b[2] ?? undefined;
      root.comment = b[3] ?? undefined;
    }
  }
}

/** The top-level key a cache slot (`\0k<key>\0…`) belongs to. */
function topKeyOfSlot(slot: string): string {
  const first = slot.split('\u0000')[1] ?? '';
  return first.startsWith('k') ? first.slice(1) : '';
}

function rootMap(doc: Document | undefined): YAMLMap<unknown, unknown> | undefined {
  const root = doc?.contents as unknown;
  return isMap(root) ? (root as YAMLMap<unknown, unknown>) : undefined;
}

function keyOf(pair: Pair<unknown, unknown>): string {
  return isScalar(pair.key) ? String(pair.key.value) : String(pair.key);
}

/** Each top-level key's pair and a canonical text of its plaintext content (comments included). */
function keyMap(doc: Document | undefined): Map<string, { pair: Pair<unknown, unknown>; canon: string }> {
  const out = new Map<string, { pair: Pair<unknown, unknown>; canon: string }>();
  const root = rootMap(doc);
  for (const pair of root?.items ?? []) out.set(keyOf(pair), { pair, canon: `${canon(pair.key)}=${canon(pair.value)}` });
  return out;
}

function canon(node: unknown): string {
  if (node === null || node === undefined) return '~';
  const n = node as Node;
  const comments = n.commentBefore || n.comment ? JSON.stringify([n.commentBefore ?? '', n.comment ?? '']) : '';
  if (isScalar(node)) return `s${isTimeNode(node) ? 't' : ''}:${scalarText(node.value)}${comments}`;
  if (isMap(node)) return `{${(node.items as Pair<unknown, unknown>[]).map((p) => `${canon(p.key)}=${canon(p.value)}`).join(',')}}${comments}`;
  if (isSeq(node)) return `[${node.items.map(canon).join(',')}]${comments}`;
  return `?${typeof node === 'string' ? JSON.stringify(node) : String(node)}`;
}

function scalarText(v: unknown): string {
  if (v === null || v === undefined) return 'null';
  if (typeof v === 'string') return JSON.stringify(v);
  if (typeof v === 'bigint') return `n${v.toString(10)}`;
  if (typeof v === 'number') return `f${Object.is(v, -0) ? '-0' : String(v)}`;
  if (typeof v === 'boolean') return `b${v}`;
  if (v instanceof Uint8Array) return `x${Buffer.from(v).toString('base64')}`;
  return `?${String(v)}`;
}
