/** encodeJson: the native fast path for plain data writes exactly what the portable encoder writes. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { encodeJson, encodeJsonMember, encodeJsonPortable, joinJsonMembers } from './json.js';

const text = fc.oneof(fc.string(), fc.string({ unit: 'grapheme' }), fc.constantFrom('\u007f', '\u0085', '\u009b[31m', '\u2028', '\u2029', '\u0000\n"\\', '__proto__'));
const plain = fc.letrec((tie) => ({
  value: fc.oneof({ depthSize: 'small' }, text, fc.double(), fc.integer(), fc.boolean(), fc.constant(null), fc.constant(undefined), tie('list'), tie('object')),
  list: fc.array(tie('value'), { maxLength: 4 }),
  object: fc.dictionary(text, tie('value'), { maxKeys: 5 }),
}));

/** Decrypted documents as `toJS({ mapAsMap: true })` gives them: Maps (integer-like keys too), lists, bigints. */
const docValue = fc.letrec((tie) => ({
  value: fc.oneof({ depthSize: 'small' }, text, fc.double(), fc.boolean(), fc.constant(null), fc.bigInt(), tie('list'), tie('map')),
  list: fc.array(tie('value'), { maxLength: 4 }),
  map: fc.array(fc.tuple(fc.oneof(text, fc.constantFrom('0', '10', '2', '01', '__proto__', 'constructor')), tie('value')), { maxLength: 5 }).map((es) => new Map(es)),
}));

describe('encodeJson', () => {
  it('agrees with the portable encoder on any data, indented or not', () => {
    fc.assert(
      fc.property(plain.value, fc.constantFrom(0, 2), (v, indent) => {
        expect(encodeJson(v, indent)).toBe(encodeJsonPortable(v, indent));
      }),
      { numRuns: 1000 },
    );
  });

  it('keeps Map order, bigints, bytes and toJSON objects on the portable path', () => {
    const v = { m: new Map<string, unknown>([['2', 1], ['1', 2n ** 70n]]), b: new Uint8Array([104, 105]), d: new Date(0), u: [undefined] };
    expect(encodeJson(v)).toBe(encodeJsonPortable(v));
    expect(encodeJson(v)).toContain('1180591620717411303424');
  });

  it('members joined equal the object they make', () => {
    fc.assert(
      // (never undefined: a decrypted document is at least an empty map)
      fc.property(fc.array(fc.tuple(fc.string(), plain.value.filter((x) => x !== undefined)), { maxLength: 5 }), (pairs) => {
        const unique = [...new Map(pairs)];
        expect(joinJsonMembers(unique.map(([k, x]) => encodeJsonMember(k, x)))).toBe(encodeJsonPortable(new Map(unique)));
      }),
      { numRuns: 300 },
    );
  });
});

describe('encodeJsonMember', () => {
  it('writes a decrypted document (Maps, integer-like keys, bigints) as the portable encoder does', () => {
    fc.assert(
      fc.property(docValue.map, (doc) => {
        expect(joinJsonMembers([encodeJsonMember('f.yaml', doc)])).toBe(encodeJsonPortable(new Map([['f.yaml', doc]])));
      }),
      { numRuns: 1000 },
    );
  });
});
