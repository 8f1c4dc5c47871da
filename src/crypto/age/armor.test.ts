import { armor as typageArmor } from 'age-encryption';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { IntegrityError } from '../../kernel/errors.js';
import { ARMOR_BEGIN, ARMOR_END, armorDecode, armorEncode } from './armor.js';

describe('armor', () => {
  it('encodes exactly like typage and both decoders agree', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 1, maxLength: 400 }), (data) => {
        const text = armorEncode(data);
        expect(text).toBe(typageArmor.encode(data));
        expect(Buffer.from(typageArmor.decode(text))).toEqual(Buffer.from(data));
        expect(armorDecode(text)).toEqual(Buffer.from(data));
      }),
    );
  });

  it('uses 64-column lines, a final newline, and no empty line before END', () => {
    const text = armorEncode(new Uint8Array(96)); // exactly two full lines
    expect(text).toBe(`${ARMOR_BEGIN}\n${'A'.repeat(64)}\n${'A'.repeat(64)}\n${ARMOR_END}\n`);
    const short = armorEncode(new Uint8Array(49)).split('\n');
    expect(short.map((l) => l.length)).toEqual([ARMOR_BEGIN.length, 64, 4, ARMOR_END.length, 0]);
  });

  it('tolerates CRLF and whitespace-only lines around the armor, like age and typage', () => {
    const data = new Uint8Array(Array.from({ length: 100 }, (_, i) => i));
    const text = armorEncode(data);
    for (const variant of [
      text.replaceAll('\n', '\r\n'),
      text.trimEnd(),
      `\n\n  \t\r\n${text}`,
      `${text}\n \t\r\n\n`,
      `${text.trimEnd()}\r`,
    ]) {
      expect(armorDecode(variant)).toEqual(Buffer.from(data));
      expect(Buffer.from(typageArmor.decode(variant))).toEqual(Buffer.from(data));
    }
  });

  const good = armorEncode(new Uint8Array(Array.from({ length: 100 }, (_, i) => i)));
  const lines = good.split('\n');
  const bad: Record<string, string> = {
    empty: '',
    'whitespace only': ' \n\t\n',
    'no BEGIN': lines.slice(1).join('\n'),
    'no END': lines.slice(0, -2).join('\n') + '\n',
    'text before BEGIN on its line': 'x' + good,
    'spaces before BEGIN on its line': '  ' + good,
    'BOM before BEGIN': '\ufeff' + good,
    'non-ASCII space around': '\u00a0\n' + good,
    'spaces after END on its line': good.trimEnd() + '  \n',
    'garbage after END': good + 'x',
    'second armored file': good + good,
    'empty line in the middle': [...lines.slice(0, 2), '', ...lines.slice(2)].join('\n'),
    'short line in the middle': [lines[0], lines[1]!.slice(0, 60), lines[1]!.slice(60) + lines[2], ...lines.slice(3)].join('\n'),
    'padding in a full line': [lines[0], lines[1]!.slice(0, 62) + '==', ...lines.slice(2)].join('\n'),
    'tab inside a line': [lines[0], lines[1]!.slice(0, 10) + '\t' + lines[1]!.slice(11), ...lines.slice(2)].join('\n'),
    'lone CR line ending': good.replaceAll('\n', '\r'),
    'CR CR LF': good.replaceAll('\n', '\r\r\n'),
    'URL-safe alphabet': good.replace(/[+/]/g, (c) => (c === '+' ? '-' : '_')),
  };
  for (const [name, text] of Object.entries(bad)) {
    it(`rejects: ${name}`, () => {
      if (text === good) throw new Error('test case did not change the input');
      expect(() => armorDecode(text)).toThrow(IntegrityError);
    });
  }
});
