import { createHmac, hkdfSync, randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { IntegrityError } from '../../kernel/errors.js';
import { encodeHeader, headerMac, parseHeader, type Stanza } from './format.js';

const FILE_KEY = Buffer.from('59454c4c4f57205355424d4152494e45', 'hex');

const vchar = fc
  .array(fc.integer({ min: 33, max: 126 }), { minLength: 1, maxLength: 12 })
  .map((cs) => String.fromCharCode(...cs));
const stanzaArb: fc.Arbitrary<Stanza> = fc.record({
  type: vchar,
  args: fc.array(vchar, { maxLength: 4 }),
  body: fc.oneof(
    fc.uint8Array({ maxLength: 200 }),
    fc.constantFrom(0, 47, 48, 49, 96, 144).map((n) => new Uint8Array(randomBytes(n))),
  ),
});

function header(text: string): Buffer {
  return Buffer.from(text, 'latin1');
}
const X = '-> X25519 TEiF0ypqr+bpvcqXNyCVJpL7OuwPdVwPL7KQEbFDOCc\nEmECAEcKN+n/Vs9SbWiV+Hu0r+E8R77DdWYyd83nw7U\n';
const MAC = '--- Vn+54jqiiUCE+WZcEVY3f1sqHjlu/z1LCQ/T7Xm7qI0\n';

describe('header encoding', () => {
  it('round-trips arbitrary stanzas, and the MAC covers everything up to "---"', () => {
    fc.assert(
      fc.property(fc.array(stanzaArb, { maxLength: 4 }), fc.uint8Array({ maxLength: 20 }), (stanzas, payload) => {
        const h = encodeHeader(stanzas, FILE_KEY);
        const file = Buffer.concat([h, payload]);
        const parsed = parseHeader(file);
        expect(parsed.stanzas.map((s) => ({ ...s, body: Buffer.from(s.body) }))).toEqual(
          stanzas.map((s) => ({ ...s, body: Buffer.from(s.body) })),
        );
        expect(parsed.payloadOffset).toBe(h.length);
        expect(file.subarray(parsed.macInputEnd - 3, parsed.macInputEnd).toString()).toBe('---');
        // Independent computation of the spec's header MAC.
        const key = Buffer.from(hkdfSync('sha256', FILE_KEY, Buffer.alloc(0), 'header', 32));
        const mac = createHmac('sha256', key).update(file.subarray(0, parsed.macInputEnd)).digest();
        expect(parsed.mac).toEqual(mac);
        expect(headerMac(FILE_KEY, file.subarray(0, parsed.macInputEnd))).toEqual(mac);
      }),
    );
  });

  it('wraps bodies at 64 columns and always ends with a short (possibly empty) line', () => {
    const text = encodeHeader(
      [
        { type: 'a', args: [], body: new Uint8Array(48) },
        { type: 'b', args: ['x', 'y'], body: new Uint8Array(50) },
        { type: 'c', args: [], body: new Uint8Array(0) },
      ],
      FILE_KEY,
    ).toString('latin1');
    const lines = text.split('\n');
    expect(lines.slice(0, 9)).toEqual([
      'age-encryption.org/v1',
      '-> a',
      'A'.repeat(64),
      '',
      '-> b x y',
      'A'.repeat(64),
      'AAA',
      '-> c',
      '',
    ]);
    expect(lines[9]).toMatch(/^--- [A-Za-z0-9+/]{43}$/);
    expect(lines[10]).toBe('');
  });

  it('reproduces the CCTV x25519 header byte for byte', () => {
    const parsed = parseHeader(header('age-encryption.org/v1\n' + X + MAC));
    expect(encodeHeader(parsed.stanzas, FILE_KEY).toString('latin1')).toBe('age-encryption.org/v1\n' + X + MAC);
  });

  it('refuses to encode invalid stanza arguments', () => {
    expect(() => encodeHeader([{ type: 'a b', args: [], body: new Uint8Array() }], FILE_KEY)).toThrow();
    expect(() => encodeHeader([{ type: 'a', args: [''], body: new Uint8Array() }], FILE_KEY)).toThrow();
  });
});

describe('header parsing is strict', () => {
  const ok = 'age-encryption.org/v1\n' + X + MAC;

  it('accepts the reference header and reports its layout', () => {
    const p = parseHeader(header(ok + 'PAYLOAD'));
    expect(p.stanzas).toHaveLength(1);
    expect(p.stanzas[0]!.type).toBe('X25519');
    expect(p.stanzas[0]!.args).toEqual(['TEiF0ypqr+bpvcqXNyCVJpL7OuwPdVwPL7KQEbFDOCc']);
    expect(p.stanzas[0]!.body.length).toBe(32);
    expect(p.payloadOffset).toBe(ok.length);
  });

  const cases: Record<string, string> = {
    'empty file': '',
    'no newline after version': 'age-encryption.org/v1',
    'CRLF version line': 'age-encryption.org/v1\r\n' + X + MAC,
    'other version': 'age-encryption.org/v2\n' + X + MAC,
    'missing MAC line': 'age-encryption.org/v1\n' + X,
    'MAC line without newline': 'age-encryption.org/v1\n' + X + MAC.trimEnd(),
    'short MAC': 'age-encryption.org/v1\n' + X + '--- Vn+54jqiiUCE+WZcEVY3f1sqHjlu/z1LCQ/T7Xm7qI\n',
    'long MAC': 'age-encryption.org/v1\n' + X + '--- Vn+54jqiiUCE+WZcEVY3f1sqHjlu/z1LCQ/T7Xm7qI0AA\n',
    'padded MAC': 'age-encryption.org/v1\n' + X + '--- Vn+54jqiiUCE+WZcEVY3f1sqHjlu/z1LCQ/T7Xm7qI0=\n',
    'two spaces after ---': 'age-encryption.org/v1\n' + X + '---  Vn+54jqiiUCE+WZcEVY3f1sqHjlu/z1LCQ/T7Xm7qI\n',
    'garbage line': 'age-encryption.org/v1\n' + X + 'hello\n' + MAC,
    'stanza line with trailing space': 'age-encryption.org/v1\n-> X25519 \n\n' + MAC,
    'stanza line with leading double space': 'age-encryption.org/v1\n->  X25519\n\n' + MAC,
    'arrow without space': 'age-encryption.org/v1\n->X25519\n\n' + MAC,
    'non-ASCII argument': 'age-encryption.org/v1\n-> X25519 \xe9\n\n' + MAC,
    'tab in argument': 'age-encryption.org/v1\n-> X\t25519\n\n' + MAC,
    'body line of 65 columns': 'age-encryption.org/v1\n-> a\n' + 'A'.repeat(65) + '\n\n' + MAC,
    'body without final short line': 'age-encryption.org/v1\n-> a\n' + 'A'.repeat(64) + '\n' + MAC,
    'padded body': 'age-encryption.org/v1\n-> a\nQUE=\n' + MAC,
    'URL-safe body': 'age-encryption.org/v1\n-> a\nQU-_\n' + MAC,
    'body with CR': 'age-encryption.org/v1\n-> a\nQUFB\r\n' + MAC,
    'header truncated in a body': 'age-encryption.org/v1\n-> a\n' + 'A'.repeat(64) + '\n',
  };
  for (const [name, text] of Object.entries(cases)) {
    it(`rejects: ${name}`, () => {
      expect(() => parseHeader(header(text))).toThrow(IntegrityError);
    });
  }

  it('never echoes header content in its errors', () => {
    try {
      parseHeader(header('age-encryption.org/v1\n-> X25519 SECRETSECRET\nnot base64!\n' + MAC));
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(IntegrityError);
      expect(String((e as Error).message)).not.toContain('SECRET');
    }
  });
});
