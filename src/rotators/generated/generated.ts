/** `generated`: a new random value of the configured length and alphabet (crypto-strong); nothing to revoke. */
import { randomInt } from 'node:crypto';
import * as z from 'zod/mini';
import '../../kernel/zod-locale.js';
import { Secret } from '../../kernel/secret.js';
import type { RotatorType } from '../rotator.js';

const ALPHABETS = {
  base62: 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789',
  hex: '0123456789abcdef',
  base64url: 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_',
  alnum_lower: 'abcdefghijklmnopqrstuvwxyz0123456789',
} as const;

const Schema = z.strictObject({
  length: z._default(z.number().check(z.int(), z.gte(16), z.lte(4096)), 48),
  alphabet: z._default(z.enum(Object.keys(ALPHABETS) as [keyof typeof ALPHABETS, ...Array<keyof typeof ALPHABETS>]), 'base62'),
});

export const generatedRotator: RotatorType<typeof Schema> = {
  type: 'generated',
  schema: Schema,
  create(settings) {
    const alphabet = ALPHABETS[settings.alphabet];
    return {
      identify: async () => undefined,
      create: async () => {
        let s = '';
        for (let i = 0; i < settings.length; i++) s += alphabet[randomInt(alphabet.length)];
        return { value: new Secret(s) };
      },
      verify: async (c) => {
        if (c.value.reveal().length !== settings.length) throw new Error('generated value has the wrong length');
      },
      revoke: async () => undefined,
      orphans: async () => [],
    };
  },
};
