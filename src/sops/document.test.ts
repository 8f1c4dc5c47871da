/**
 * Property tests for the encrypted document (docs/file-format.md, docs/threat-model.md): random documents survive
 * seal → parse → open exactly (values, types, map order, number-like keys), and any
 * one-bit change to the data, IV or tag of any encrypted value (or of the MAC) is an
 * IntegrityError.
 *
 * What the format does NOT authenticate, and these tests pin down:
 * - the `type:` field of a value. GCM covers the plaintext bytes and the MAC hashes the
 *   same bytes whatever the type, so `type:str` → `type:int` on "12345" silently decrypts
 *   to the integer 12345 (a string that is not a valid int is an IntegrityError instead).
 *   sops behaves the same way.
 * - the padding bits of base64 (the unused low bits of the last character before `=`):
 *   like Go's base64.StdEncoding, which sops uses, decoding ignores them.
 * - comments: each is encrypted and authenticated on its own, but they are not in the
 *   MAC, so deleting or duplicating an encrypted comment goes unnoticed.
 */
import fc from 'fast-check';
import { Document, isMap, isScalar, isSeq, parseDocument, type Node } from 'yaml';
import { beforeAll, describe, expect, it } from 'vitest';
import { generateIdentity, identityToRecipient, parseIdentities, type X25519Identity } from '../crypto/age/index.js';
import { newDataKey, wrapDataKey } from '../crypto/data-key.js';
import { parseYaml, stringifyYaml } from '../formats/yaml.js';
import { IntegrityError } from '../kernel/errors.js';
import { openSopsFile, parseSopsFile } from './file.js';
import { sealSopsFile } from './seal.js';

let identities: X25519Identity[];
let recipient: string;

beforeAll(() => {
  const secret = generateIdentity();
  identities = parseIdentities(`# property tests\n${secret}\n`);
  recipient = identityToRecipient(secret);
});

const FILE = 'prop.yaml';
/** `FC_NUM_RUNS=5000` for a deeper search than the default run. */
const runs = (n: number) => Number(process.env['FC_NUM_RUNS']) || n;

function seal(plain: Document): string {
  const dataKey = newDataKey();
  return sealSopsFile(plain, { dataKey, groups: wrapDataKey(dataKey, [[recipient]], 1), threshold: 1 }, FILE);
}

function open(text: string): Document {
  return openSopsFile(parseSopsFile(text, FILE, { strict: true }), identities, FILE).plain;
}

// ---------------------------------------------------------------------------------------
// Canonical form: distinguishes int from float, -0 from 0, keeps map order.

type Canon = null | boolean | string | ['int', string] | ['float', string] | ['str', string] | ['seq', Canon[]] | ['map', Array<[string, Canon]>];

/**
 * An encrypted integer beyond int64 comes back a float, as sops writes it (an
 * unencrypted one keeps its digits); `plain` says the value sits under an
 * `_unencrypted` key.
 */
function canonJs(v: unknown, plain = false): Canon {
  if (v === null || v === undefined) return null;
  if (typeof v === 'boolean') return v;
  if (typeof v === 'bigint') return !plain && (v < -(2n ** 63n) || v >= 2n ** 63n) ? canonJs(Number(v)) : ['int', v.toString()];
  if (typeof v === 'number') return ['float', Object.is(v, -0) ? '-0' : String(v)];
  if (typeof v === 'string') return ['str', v];
  if (Array.isArray(v)) return ['seq', v.map((x) => canonJs(x, plain))];
  if (v instanceof Map) return ['map', [...v.entries()].map(([k, x]) => [String(k), canonJs(x, plain || String(k).endsWith('_unencrypted'))] as [string, Canon])];
  throw new Error(`unexpected ${typeof v}`);
}

/** A decrypted Document's canonical form (Maps keep their order). */
const canonDoc = (doc: Document): Canon => canonJs(doc.toJS({ mapAsMap: true }) ?? new Map());

// ---------------------------------------------------------------------------------------
// Generators

const wellFormed = (s: string) => Buffer.from(s, 'utf8').toString('utf8') === s;

const NUMBER_LIKE = ['0', '1', '-1', '+1', '007', '1e3', '1E3', '.5', '0x10', '0o17', '0b101', '1_000', 'true', 'false', 'True', 'FALSE', 'yes', 'no', 'on', 'off', 'y', 'n', 'null', 'Null', '~', 'NaN', '.nan', '.inf', '-.inf', 'Infinity', '2001-12-14', '12:30:00', '1.0', '-0', '-0.0'];
const AWKWARD = ['', ' ', '  lead', 'trail  ', '#hash', '# comment-like', '- dash', 'a: b', 'a:b', '[x]', '{y}', '*alias', '&anchor', '!tag', '%dir', '@', '`', '"', "'", '?', '|', '>', '\\', 'ENC[AES256_GCM,data:AA==,iv:AA==,tag:AA==,type:str]', 'ü', '鍵', '🔑', 'e\u0301', '\u00a0', '\u2028', 'tab\there', 'x_unencrypted', 'a.b'];

const keyArb = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(...NUMBER_LIKE, ...AWKWARD) },
  { weight: 3, arbitrary: fc.string({ unit: 'grapheme', maxLength: 10 }) },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 6 }).filter(wellFormed) },
  { weight: 1, arbitrary: fc.string({ maxLength: 6 }).map((s) => `${s}_unencrypted`) },
);

const stringArb = fc.oneof(
  { weight: 2, arbitrary: fc.constantFrom(...NUMBER_LIKE, ...AWKWARD, 'line1\nline2', 'trailing newline\n', '\n', '\n\n', 'crlf\r\nline', '  indented\n  block\n', 'x'.repeat(300)) },
  { weight: 3, arbitrary: fc.string({ unit: 'grapheme', maxLength: 20 }) },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 20 }).filter(wellFormed) },
  { weight: 1, arbitrary: fc.array(fc.string({ unit: 'grapheme', maxLength: 8 }), { maxLength: 4 }).map((a) => a.join('\n')) },
);

const intArb = fc.oneof(
  fc.bigInt({ min: -(2n ** 80n), max: 2n ** 80n }),
  fc.constantFrom(0n, -1n, 2n ** 53n, 2n ** 53n + 1n, -(2n ** 53n) - 1n, 2n ** 63n - 1n, -(2n ** 63n), 2n ** 64n + 1n),
);

const floatArb = fc.oneof(fc.double(), fc.constantFrom(1e21, 1e22, 5e-324, -0, 0.1, 1.5, 1e-7, 123456789.125, NaN, Infinity, -Infinity, 1, -2, 2 ** 53 + 2));

const scalarArb = fc.oneof(stringArb, intArb, floatArb, fc.boolean(), fc.constant(null));

/** A random mapping (a Map, so order and number-like keys are explicit). */
const { map: mapArb } = fc.letrec<{ value: unknown; map: Map<string, unknown>; seq: unknown[] }>((tie) => ({
  value: fc.oneof({ depthSize: 'small', withCrossShrink: true }, scalarArb, scalarArb, tie('map'), tie('seq')),
  map: fc
    .uniqueArray(fc.tuple(keyArb, tie('value')), { selector: ([k]) => k, maxLength: 6 })
    .map((entries) => new Map(entries)),
  seq: fc.array(tie('value'), { maxLength: 4 }),
}));

/** A top-level mapping: never a top-level `sops` key (that is refused, see below). */
const rootArb = mapArb.map((m) => {
  m.delete('sops');
  return m;
});

const toDocument = (m: Map<string, unknown>) => new Document(m, { intAsBigInt: true, aliasDuplicateObjects: false });

// ---------------------------------------------------------------------------------------

describe('round trip: open(seal(doc)) == doc', () => {
  it('random nested documents decrypt to exactly what was encrypted (types, order, keys)', () => {
    fc.assert(
      fc.property(rootArb, (m) => {
        const expected = canonJs(m);
        const text = seal(toDocument(m));
        expect(canonDoc(open(text))).toEqual(expected);
      }),
      { numRuns: runs(150) },
    );
  });

  it('the printed plaintext (as `show` prints it) parses back to the same document', () => {
    fc.assert(
      fc.property(rootArb, (m) => {
        const plain = open(seal(toDocument(m)));
        expect(canonDoc(parseYaml(stringifyYaml(plain), 'shown'))).toEqual(canonJs(m));
      }),
      { numRuns: runs(150) },
    );
  });

  it('unquoted number-like keys in YAML text survive as their source text', () => {
    // Keys that parse to distinct values (`~` and `null`, or `0` and `-0`, would be duplicates).
    const token = fc.constantFrom('0', '1', '007', '1e3', '0x10', '0o17', '1.50', '-1', 'true', 'False', 'null', '.inf', 'plain', '"quoted"', "'single'");
    const valueToken = fc.constantFrom('0', '-0', '-0.0', '1e21', '0x10', '9007199254740993', '-123456789012345678901234567890', '1.0', '.nan', '-.inf', 'true', 'False', 'null', '~', '"123"', "'true'", 'text', '""', '"multi\\nline"', '[1, "2", 3.0]', '{a: 1}');
    const entries = fc.uniqueArray(fc.tuple(token, valueToken), { selector: ([k]) => k, minLength: 1, maxLength: 8 });
    fc.assert(
      fc.property(entries, (list) => {
        const text = list.map(([k, v]) => `${k}: ${v}`).join('\n') + '\n';
        // Expected: what the yaml package parses, with each map key as its source text.
        const expected = canonNode(parseDocument(text, { intAsBigInt: true }).contents as Node);
        expect(canonDoc(open(seal(parseYaml(text, 'gen.yaml'))))).toEqual(expected);
      }),
      { numRuns: runs(100) },
    );
  });

  it('regression: an unencrypted block scalar that starts with spaces reads back unchanged (MAC verifies)', () => {
    // yaml writes `|2` for 4-space indentation; keyfold must not write a file it then calls tampered.
    const text = 'note_unencrypted: |4\n      indented\n    line\nlist_unencrypted:\n    - |4\n         x\n        y\nk: "  a\\n  b"\n';
    const doc = parseYaml(text, 'block.yaml');
    const expected = canonDoc(doc);
    const opened = open(seal(doc));
    expect(canonDoc(opened)).toEqual(expected);
    expect(canonDoc(parseYaml(stringifyYaml(opened), 'shown'))).toEqual(expected);
    expect(opened.get('note_unencrypted')).toBe('  indented\nline\n');
  });

  it('a top-level key named sops is refused, not written twice', () => {
    const m = new Map<string, unknown>([['sops', 'x']]);
    expect(() => seal(toDocument(m))).toThrow(/reserved/);
  });
});

/** Canonical form of a parsed YAML node, map keys as their source text. */
function canonNode(node: Node | null): Canon {
  if (node === null) return null;
  if (isMap(node)) return ['map', node.items.map((p) => [keySource(p.key as Node), canonNode(p.value as Node | null)] as [string, Canon])];
  if (isSeq(node)) return ['seq', node.items.map((x) => canonNode(x as Node | null))];
  if (isScalar(node)) return canonJs(node.value);
  throw new Error('unexpected node');
}

function keySource(key: Node): string {
  if (!isScalar(key)) throw new Error('complex key');
  if (typeof key.value === 'string') return key.value;
  return key.source ?? String(key.value);
}

// ---------------------------------------------------------------------------------------

/** Real ciphertexts only (32-byte IV, 16-byte tag), so a key that merely looks like one is skipped. */
const ENC_G = /ENC\[AES256_GCM,data:([A-Za-z0-9+/=]*),iv:([A-Za-z0-9+/]{43}=),tag:([A-Za-z0-9+/]{22}==),type:([a-z]+)\]/g;
type Field = 'data' | 'iv' | 'tag';

/** `text` with one bit flipped in the decoded `field` of the `index`-th ENC value. */
function flipBit(text: string, index: number, field: Field, bit: number): string {
  const all = [...text.matchAll(ENC_G)];
  const m = all[index % all.length]!;
  const parts: Record<Field, string> = { data: m[1]!, iv: m[2]!, tag: m[3]! };
  const bytes = Buffer.from(parts[field], 'base64');
  const b = bit % (bytes.length * 8);
  bytes[b >> 3] = bytes[b >> 3]! ^ (1 << (b & 7));
  parts[field] = bytes.toString('base64');
  const replaced = `ENC[AES256_GCM,data:${parts.data},iv:${parts.iv},tag:${parts.tag},type:${m[4]}]`;
  return text.slice(0, m.index) + replaced + text.slice(m.index + m[0].length);
}

describe('tagged values', () => {
  it('a !!binary value is sealed like any value (its bytes), never an internal error', () => {
    const text = seal(parseYaml('KEY: !!binary aGVsbG8=\n', FILE));
    expect(text).toMatch(/^KEY: ENC\[AES256_GCM,/m);
    expect(text).not.toContain('!!binary');
    expect(open(text).toJS()).toEqual({ KEY: 'hello' });
  });
});

describe('tamper detection', () => {
  /** A document with at least one encrypted value besides the MAC. */
  const withSecret = fc.tuple(rootArb, fc.string({ unit: 'grapheme', minLength: 1, maxLength: 20 })).map(([m, s]) => {
    m.set('zz_forced_secret', s);
    return m;
  });

  it('one flipped bit in the data, IV or tag of any encrypted value or of the MAC is an IntegrityError', () => {
    fc.assert(
      fc.property(withSecret, fc.nat(), fc.constantFrom<Field>('data', 'iv', 'tag'), fc.nat(), (m, index, field, bit) => {
        const text = seal(toDocument(m));
        expect(text.match(ENC_G)!.length).toBeGreaterThanOrEqual(2); // a value and the MAC
        const tampered = flipBit(text, index, field, bit);
        expect(tampered).not.toBe(text);
        let error: unknown;
        try {
          open(tampered);
        } catch (e) {
          error = e;
        }
        expect(error).toBeInstanceOf(IntegrityError);
      }),
      { numRuns: runs(150) },
    );
  });

  it('the untampered text opens (control for the property above)', () => {
    fc.assert(
      fc.property(withSecret, (m) => {
        expect(() => open(seal(toDocument(m)))).not.toThrow();
      }),
      { numRuns: runs(30) },
    );
  });
});

// ---------------------------------------------------------------------------------------

describe('what the format does not authenticate (documented behaviour)', () => {
  const encOf = (text: string, key: string) => new RegExp(`^${key}: (ENC\\[[^\\]]+\\])$`, 'm').exec(text)![1]!;
  const retype = (t: string, key: string, from: string, to: string) => t.replace(encOf(t, key), encOf(t, key).replace(`,type:${from}]`, `,type:${to}]`));

  it('type: str → int on a numeric-looking string is NOT detected: it decrypts to the integer', () => {
    const text = seal(toDocument(new Map<string, unknown>([['PIN', '12345'], ['OTHER', 'x']])));
    const enc = encOf(text, 'PIN');
    expect(enc).toMatch(/,type:str\]$/);
    const tampered = text.replace(enc, enc.replace(/,type:str\]$/, ',type:int]'));
    expect(tampered).not.toBe(text);
    const plain = open(tampered); // no IntegrityError: same plaintext bytes, same MAC
    expect(plain.get('PIN')).toBe(12345n);
    expect(plain.get('OTHER')).toBe('x');
  });

  it('type: int → str, and str → bool / float on canonical text, are likewise not detected', () => {
    const text = seal(toDocument(new Map<string, unknown>([['N', 42n], ['B', 'True'], ['F', '1000']])));
    const tampered = retype(retype(retype(text, 'N', 'int', 'str'), 'B', 'str', 'bool'), 'F', 'str', 'float');
    const plain = open(tampered);
    expect(plain.get('N')).toBe('42');
    expect(plain.get('B')).toBe(true);
    expect(plain.get('F')).toBe(1000);
  });

  it('a new type whose canonical text differs is detected: the MAC covers the decoded value (sops ToBytes)', () => {
    const text = seal(toDocument(new Map<string, unknown>([['B', 'true'], ['F', '1e3'], ['I', '007']])));
    expect(() => open(retype(text, 'B', 'str', 'bool'))).toThrow(/MAC mismatch/);
    expect(() => open(retype(text, 'F', 'str', 'float'))).toThrow(/MAC mismatch/);
    expect(() => open(retype(text, 'I', 'str', 'int'))).toThrow(/MAC mismatch/);
  });

  it('a type that does not fit the plaintext is an IntegrityError', () => {
    const text = seal(toDocument(new Map<string, unknown>([['WORD', 'abc']])));
    const enc = encOf(text, 'WORD');
    for (const type of ['int', 'float', 'bool', 'comment']) {
      const tampered = text.replace(enc, enc.replace(/,type:str\]$/, `,type:${type}]`));
      expect(() => open(tampered), type).toThrow(IntegrityError);
    }
  });

  it('base64 padding bits are not authenticated: changing them decrypts to the same value', () => {
    // One byte of plaintext → data is "XY==": Y carries 4 unused bits.
    const text = seal(toDocument(new Map<string, unknown>([['K', 'a']])));
    const enc = encOf(text, 'K');
    const data = /data:([^,]+),/.exec(enc)![1]!;
    expect(data).toMatch(/^[A-Za-z0-9+/]{2}==$/);
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
    const y = alphabet.indexOf(data[1]!);
    const other = alphabet[y ^ 0b0101]!; // same top 2 bits, different padding bits
    const tamperedData = `${data[0]}${other}==`;
    expect(Buffer.from(tamperedData, 'base64')).toEqual(Buffer.from(data, 'base64'));
    const tampered = text.replace(enc, enc.replace(`data:${data},`, `data:${tamperedData},`));
    expect(tampered).not.toBe(text);
    expect(open(tampered).get('K')).toBe('a');
  });

  it('an encrypted comment can be deleted without detection (comments are not in the MAC)', () => {
    const text = seal(parseYaml('# a comment\nK: v\n', 'c.yaml'));
    const line = /^#ENC\[[^\]]+\]\n/m.exec(text)![0];
    const plain = open(text.replace(line, ''));
    expect(plain.get('K')).toBe('v');
    expect(stringifyYaml(plain)).not.toContain('a comment');
    // …but an edited comment is caught: each one is authenticated on its own.
    const edited = text.replace(line, flipBit(line, 0, 'data', 0));
    expect(() => open(edited)).toThrow(IntegrityError);
  });

  it('sanity: list items are bound to the list path, not their index (the MAC orders them)', () => {
    const text = seal(parseYaml('L:\n  - one\n  - two\n', 'l.yaml'));
    const items = [...text.matchAll(/^\s+- (ENC\[[^\]]+\])$/gm)].map((m) => m[1]!);
    expect(items).toHaveLength(2);
    const swapped = text.replace(items[0]!, '@@').replace(items[1]!, items[0]!).replace('@@', items[1]!);
    expect(() => open(swapped)).toThrow(/MAC mismatch/);
  });
});
