/** The JSON, binary and YAML stores, the format registry, and sops' time and number rules. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Document, isScalar } from 'yaml';
import { canonicalTime, yamlTimestamp } from '../go-time.js';
import { encodeScalar, isTimeNode } from '../scalar-codec.js';
import { stringifyYaml } from '../yaml.js';
import { binaryStore } from './binary.js';
import { emitJson, goString, jsonStore, parseJsonDocument } from './json.js';
import { formatForPath, parseSopsFormat } from './registry.js';
import { yamlStore } from './yaml.js';

const bytes = (s: string) => Buffer.from(s, 'utf8');

describe('format registry', () => {
  it('takes the format from the extension as sops does, anything else binary', () => {
    expect(['a.yaml', 'a.yml', 'a.json', 'a.env', '.env', 'a.ini', 'a.txt', 'a.YAML', 'env', 'a.json.bak'].map(formatForPath)).toEqual([
      'yaml',
      'yaml',
      'json',
      'dotenv',
      'dotenv',
      'ini',
      'binary',
      'binary',
      'binary',
      'binary',
    ]);
    expect(parseSopsFormat('ini', '--input-type')).toBe('ini');
    expect(() => parseSopsFormat('toml', '--input-type')).toThrow(/--input-type: unknown format "toml"/);
  });
});

describe('JSON store (stores/json)', () => {
  it('keeps key order; ints within int64 are ints, every other number a float (json.Number rules)', () => {
    const doc = parseJsonDocument('{"z": 1, "a": [1.5, -0, 9223372036854775807, 9223372036854775808, 1e2, "s", true, null], "1": {}}', 'f.json');
    const js = doc.toJS({ mapAsMap: true }) as Map<string, unknown>;
    expect([...js.keys()]).toEqual(['z', 'a', '1']);
    expect(js.get('a')).toEqual([1.5, 0n, 9223372036854775807n, 9223372036854775808, 100, 's', true, null]);
  });

  it('refuses what sops refuses, naming the line and never the content', () => {
    for (const bad of ['[1]', '"s"', '{"a": 1} x', '{"a": 1, "a": 2}', '{"a": 1e999}', '{"a": "x\ny"}', '{"a" 1}', '{"a": tru}']) {
      expect(() => parseJsonDocument(bad, 'f.json'), bad).toThrow(/^f\.json:\d+: not valid JSON/);
    }
  });

  it("writes as Go's json.Marshal + json.Indent (tab by default, HTML-safe escapes)", () => {
    const doc = parseJsonDocument('{"a": "<&>\\u2028\\b", "n": [], "o": {}, "f": 1e-7, "g": 1e21, "i": 5, "x": 2.0}', 'f.json');
    expect(emitJson(doc)).toBe('{\n\t"a": "\\u003c\\u0026\\u003e\\u2028\\b",\n\t"n": [],\n\t"o": {},\n\t"f": 1e-7,\n\t"g": 1e+21,\n\t"i": 5,\n\t"x": 2.0\n}\n');
    expect(emitJson(doc, 2).split('\n')[1]).toBe('  "a": "\\u003c\\u0026\\u003e\\u2028\\b",');
    expect(goString('\u0001"\\\ud800')).toBe('"\\u0001\\"\\\\\\ufffd"');
  });

  it('keeps the indentation of the file it rewrites', () => {
    expect(jsonStore.indentOf('{\n\t"a": 1\n}')).toBe('tab');
    expect(jsonStore.indentOf('{\n  "a": 1\n}')).toBe(2);
    expect(jsonStore.indentOf('{"a": 1}')).toBeUndefined();
  });

  it('round-trips JSON documents: parse(emit(doc)) == doc (fast-check)', () => {
    const value = fc.letrec<{ v: unknown }>((tie) => ({
      v: fc.oneof(
        { depthSize: 'small' },
        fc.string(),
        fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }),
        fc.double({ noNaN: true, noDefaultInfinity: true }),
        fc.boolean(),
        fc.constant(null),
        fc.array(tie('v'), { maxLength: 3 }),
        fc.dictionary(fc.string(), tie('v'), { maxKeys: 3 }).map((o) => new Map(Object.entries(o))),
      ),
    })).v;
    fc.assert(
      fc.property(fc.dictionary(fc.string(), value, { maxKeys: 5 }), (o) => {
        const doc = new Document(new Map(Object.entries(o)), { intAsBigInt: true });
        const text = emitJson(doc);
        expect(JSON.parse(text)).toBeDefined();
        const back = parseJsonDocument(text, 'f.json');
        expect(emitJson(back)).toBe(text);
        expect(back.toJS({ mapAsMap: true })).toEqual(doc.toJS({ mapAsMap: true }));
      }),
    );
  });
});

describe('binary store (sops BinaryStore)', () => {
  it('holds the whole file under "data", bytes that are not UTF-8 included', () => {
    const raw = Buffer.from([0xff, 0x00, 0x41, 0xc3]);
    const doc = binaryStore.loadPlain(raw, 'f.bin');
    expect(doc.get('data')).toBeInstanceOf(Uint8Array);
    expect(binaryStore.emitPlain(doc).equals(raw)).toBe(true);
    expect(binaryStore.loadPlain(bytes('héllo\n'), 'f.txt').toJS()).toEqual({ data: 'héllo\n' });
    expect(binaryStore.hasMetadata(binaryStore.loadPlain(bytes('{"sops": 1}'), 'f'))).toBe(false);
    expect(() => binaryStore.emitPlain(new Document({ other: 'x' }))).toThrow(/"data"/);
  });
});

describe('YAML store and times (sops ≥ 3.10 type:time)', () => {
  it('canonicalTime is Go MarshalText of an RFC 3339 text; yamlTimestamp is what go-yaml takes for a timestamp', () => {
    expect(canonicalTime('2024-01-02T03:04:05.120000000+00:00')).toBe('2024-01-02T03:04:05.12Z');
    expect(canonicalTime('2006-01-02T15:04:05+07:06')).toBe('2006-01-02T15:04:05+07:06');
    expect(canonicalTime('2024-02-30T00:00:00Z')).toBeUndefined();
    expect(canonicalTime('2024-01-02')).toBeUndefined();
    expect(yamlTimestamp('2024-01-02')).toBe('2024-01-02T00:00:00Z');
    expect(yamlTimestamp('2024-1-2 3:04:05.5')).toBe('2024-01-02T03:04:05.5Z');
    expect(yamlTimestamp('2024-01-02x')).toBeUndefined();
    expect(yamlTimestamp('20240102')).toBeUndefined();
  });

  it('an unquoted timestamp in an encrypted file is a time (its MAC bytes are canonical); a quoted one a string', () => {
    const { doc } = yamlStore.load('d_unencrypted: 2024-01-02\nq_unencrypted: "2024-01-02"\nsops:\n    lastmodified: x\n', 'f.yaml');
    const d = doc.get('d_unencrypted', true);
    const q = doc.get('q_unencrypted', true);
    expect(isScalar(d) && isTimeNode(d)).toBe(true);
    expect(isScalar(q) && isTimeNode(q)).toBe(false);
    expect(encodeScalar('2024-01-02', true)).toEqual({ text: '2024-01-02T00:00:00Z', type: 'time' });
  });

  it('writes a time plain and quotes a string go-yaml would take for a timestamp', () => {
    const { doc } = yamlStore.load('d_unencrypted: 2024-01-02\ns_unencrypted: x\nsops:\n    lastmodified: x\n', 'f.yaml');
    doc.set('s_unencrypted', '2024-01-02');
    expect(stringifyYaml(doc)).toBe('d_unencrypted: 2024-01-02\ns_unencrypted: "2024-01-02"\n');
  });

  it('an explicit !!timestamp tag is a time (never a Date)', () => {
    const doc = yamlStore.loadPlain(bytes('t: !!timestamp 2024-01-02T03:04:05Z\n'), 'p.yaml');
    const t = doc.get('t', true);
    expect(isScalar(t) && t.value).toBe('2024-01-02T03:04:05Z');
    expect(isScalar(t) && isTimeNode(t)).toBe(true);
    expect(yamlStore.emitPlain(doc).toString()).toBe('t: 2024-01-02T03:04:05Z\n');
  });
});

describe('integers beyond int64 (sops writes them as floats)', () => {
  it('encodes as type:float with strconv.FormatFloat(f, "f", -1, 64)', () => {
    expect(encodeScalar(2n ** 63n - 1n)).toEqual({ text: '9223372036854775807', type: 'int' });
    expect(encodeScalar(2n ** 63n)).toEqual({ text: '9223372036854776000', type: 'float' });
    expect(encodeScalar(-123456789012345678901234567890n)).toEqual({ text: '-123456789012345680000000000000', type: 'float' });
  });
});
