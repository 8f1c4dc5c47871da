/**
 * The lean sops-layout reader must agree with the full `yaml` parser whenever it
 * answers, and must decline what it does not understand.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Document } from 'yaml';
import { sealSopsFile } from './seal.js';
import { generateIdentity, identityToRecipient } from '../crypto/age/index.js';
import { newDataKey, wrapDataKey } from '../crypto/data-key.js';
import { parseSopsLayout, parseSopsLayoutPlain } from '../formats/stores/yaml-layout.js';
import { parseYaml } from '../formats/yaml.js';

const INTEROP = join(import.meta.dirname, '..', '..', 'test', 'fixtures', 'sops');
const recipient = identityToRecipient(generateIdentity());

const asData = (d: Document) => d.toJS({ mapAsMap: true }) as unknown;

function expectAgreement(text: string): boolean {
  const lean = parseSopsLayout(text);
  // The plain-values reader answers exactly when the node reader does, with its values.
  const plain = parseSopsLayoutPlain(text);
  if (lean === undefined) {
    expect(plain).toBeUndefined();
    return false;
  }
  expect(asData(lean)).toEqual(asData(parseYaml(text, 't')));
  expect(plain).toEqual(asData(lean));
  return true;
}

function seal(value: Record<string, unknown>, groups = 1): string {
  const dataKey = newDataKey();
  const rs = Array.from({ length: groups }, () => [recipient, identityToRecipient(generateIdentity())]);
  return sealSopsFile(new Document(value, { intAsBigInt: true }), { dataKey, groups: wrapDataKey(dataKey, rs, 2), threshold: 2 }, 't');
}

const key = fc.oneof(
  fc.stringMatching(/^[A-Za-z_][A-Za-z0-9_.-]{0,12}$/),
  fc.constantFrom('0', '123', '1e3', 'true', 'null', '~', 'yes', 'x_unencrypted', 'a b', 'é', '-', 'a:b'),
);
const scalar = fc.oneof(
  fc.string(),
  fc.string({ unit: 'grapheme' }),
  fc.bigInt({ min: -(2n ** 70n), max: 2n ** 70n }),
  fc.double({ noNaN: true }),
  fc.boolean(),
  fc.constant(null),
  fc.constant(''),
  fc.constantFrom('line1\nline2\n', ' lead\n  more', 'trail  \n', '3.8.1', '- dash'),
);
const tree = fc.letrec((tie) => ({
  node: fc.oneof({ depthSize: 'small', withCrossShrink: true }, scalar, tie('map'), tie('list')),
  map: fc.dictionary(key, tie('node'), { maxKeys: 5 }),
  list: fc.array(tie('node'), { maxLength: 4 }),
}));

describe('parseSopsLayout', () => {
  it('reads files keyfold writes exactly as the full parser does, or declines', () => {
    fc.assert(
      fc.property(tree.map, (doc) => {
        expectAgreement(seal(doc as Record<string, unknown>));
      }),
      { numRuns: 150 },
    );
  });

  it('takes every typical secrets file (env-style keys, nested maps, lists, _unencrypted values)', () => {
    const envKey = fc.stringMatching(/^[A-Z][A-Z0-9_]{0,15}$/);
    const value = fc.oneof(fc.string({ minLength: 1 }), fc.string({ unit: 'grapheme', minLength: 1 }), fc.bigInt({ min: -1000n, max: 10n ** 12n }), fc.boolean(), fc.double({ noNaN: true }));
    const typical = fc.record({
      top: fc.dictionary(envKey, value, { minKeys: 1, maxKeys: 20 }),
      nested: fc.dictionary(envKey, fc.dictionary(envKey, value, { minKeys: 1, maxKeys: 3 }), { maxKeys: 3 }),
      list: fc.array(value, { minLength: 1, maxLength: 3 }),
      plain: fc.constantFrom('eu-west-1', 'v2', '42', 'x'),
    });
    fc.assert(
      fc.property(typical, ({ top, nested, list, plain }) => {
        const text = seal({ ...top, ...nested, LIST: list, region_unencrypted: plain });
        expect(expectAgreement(text)).toBe(true);
      }),
      { numRuns: 100 },
    );
  });

  it('reads break-glass files with key groups', () => {
    expect(expectAgreement(seal({ A: 'x', n: { B: 1n } }, 3))).toBe(true);
  });

  it('agrees with the full parser on the sops interop vectors (or declines them)', () => {
    for (const name of readdirSync(INTEROP, { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name)) {
      const text = readFileSync(join(INTEROP, name, 'secrets.enc.yaml'), 'utf8');
      expectAgreement(text);
    }
  });

  it('agrees or declines on arbitrary YAML-ish text', () => {
    const line = fc.oneof(
      fc.constantFrom('a: 1', 'b:', '  c: x', '    - ENC[AES256_GCM,data:,iv:AA==,tag:AA==,type:str]', '- x', '  - y', 'k: "q"', 'k: |', '  body', '', ' ', 'dup: 1', 'dup: 2', '"0": z', 'x: 007', 'v: 3.8.1', 'e: .inf', 't: True', 'n: ~'),
      fc.string({ maxLength: 12 }),
    );
    fc.assert(
      fc.property(fc.array(line, { maxLength: 12 }), (lines) => {
        const text = lines.join('\n') + '\n';
        const lean = parseSopsLayout(text);
        expect(parseSopsLayoutPlain(text) === undefined).toBe(lean === undefined);
        if (lean === undefined) return;
        expect(parseSopsLayoutPlain(text)).toEqual(asData(lean));
        let full: Document | undefined;
        try {
          full = parseYaml(text, 't');
        } catch {
          throw new Error(`lean reader accepted text the full parser rejects: ${JSON.stringify(text)}`);
        }
        expect(asData(lean)).toEqual(asData(full));
      }),
      { numRuns: 2000 },
    );
  });

  it('declines comments, flow style, anchors, tags, escapes, duplicates and CRLF', () => {
    for (const text of [
      'a: 1 # c\n',
      '#ENC[x]\na: 1\n',
      'a: [1, 2]\n',
      'a: {b: 1}\n',
      'a: &x 1\nb: *x\n',
      'a: !!str 1\n',
      'a: "x\\ny"\n',
      'a: 1\na: 2\n',
      'a: 1\r\n',
      'a: 1.5\n',
      "a: 'x'\n",
      'a: >\n  folded\n',
      '- 1\n',
      '---\na: 1\n',
    ]) {
      expect(parseSopsLayout(text), JSON.stringify(text)).toBeUndefined();
      expect(parseSopsLayoutPlain(text), JSON.stringify(text)).toBeUndefined();
    }
  });
});
