import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { AccessError, FormatError, IntegrityError } from '../../kernel/errors.js';
import { armorEncode } from './armor.js';
import { decryptAgeFile, type Unwrapper } from './decrypt.js';
import { encodeHeader, type Stanza } from './format.js';
import {
  X25519Identity,
  X25519Recipient,
  decrypt,
  decryptArmored,
  encrypt,
  encryptArmored,
  generateIdentity,
  identityToRecipient,
  inspectArmored,
  parseIdentities,
  parseRecipient,
} from './index.js';
import { encryptPayload } from './stream.js';

/** A file with hand-picked stanzas around a real X25519 one, MACed correctly. */
function fileWithStanzas(pt: Uint8Array, make: (x25519: Stanza) => Stanza[], recipient: string): Uint8Array {
  const fileKey = randomBytes(16);
  const stanzas = make(X25519Recipient.parse(recipient).wrap(fileKey));
  return encryptPayload(fileKey, pt, encodeHeader(stanzas, fileKey));
}

describe('parseIdentities', () => {
  const a = generateIdentity();
  const b = generateIdentity();

  it('reads age-keygen files: comments, blank lines, LF or CRLF, no final newline', () => {
    const text = `# created: 2024-01-01T00:00:00Z\n# public key: ${identityToRecipient(a)}\n${a}\n\n#${b}\n${b}`;
    expect(parseIdentities(text).map((i) => i.recipient)).toEqual([identityToRecipient(a), identityToRecipient(b)]);
    expect(parseIdentities(text.replaceAll('\n', '\r\n')).map((i) => i.recipient)).toEqual([
      identityToRecipient(a),
      identityToRecipient(b),
    ]);
  });

  it('names the offending line number, never its content', () => {
    const cases: [string, number][] = [
      [`# c\n\n${a}\n${a.slice(0, -1)}\n`, 4],
      [`${a} \n`, 1],
      [` ${a}\n`, 1],
      [`${a}\n   \n`, 2],
      [`${a}\n${a.toLowerCase()}\n`, 2],
      [`\n\n${identityToRecipient(a)}\n`, 3],
      [`${a}\nAGE-PLUGIN-YUBIKEY-1QQQQQQ\n`, 2],
      [`${a}\r\r\n`, 1],
    ];
    for (const [text, line] of cases) {
      let err: unknown;
      try {
        parseIdentities(text);
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(FormatError);
      const msg = (err as Error).message;
      expect(msg).toContain(`line ${line}`);
      expect(msg).not.toContain(a.slice(16, 30));
      expect(msg.toUpperCase()).not.toContain(a.slice(16, 30));
    }
  });

  it('rejects files without any identity', () => {
    for (const text of ['', '\n', '# only a comment\n', '\r\n\r\n']) {
      expect(() => parseIdentities(text)).toThrow(FormatError);
    }
  });
});

describe('keys and recipients', () => {
  it('generateIdentity / identityToRecipient / parseRecipient agree', () => {
    const id = generateIdentity();
    expect(id).toMatch(/^AGE-SECRET-KEY-1[0-9A-Z]{58}$/);
    const r = identityToRecipient(id);
    expect(r).toMatch(/^age1[0-9a-z]{58}$/);
    expect(parseRecipient(r)).toBeInstanceOf(X25519Recipient);
    expect(parseRecipient(r).recipient).toBe(r);
    expect(() => parseRecipient(id)).toThrow(FormatError);
    expect(() => identityToRecipient(r)).toThrow(FormatError);
    expect(() => parseRecipient(r.toUpperCase())).toThrow(FormatError);
  });

  it('encrypt validates recipients and requires at least one', () => {
    expect(() => encrypt(Buffer.from('x'), [])).toThrow(FormatError);
    expect(() => encrypt(Buffer.from('x'), ['age1nope'])).toThrow(FormatError);
    expect(() => encryptArmored(Buffer.from('x'), [generateIdentity()])).toThrow(FormatError);
  });
});

describe('decrypt', () => {
  const id = generateIdentity();
  const ids = parseIdentities(id);
  const r = identityToRecipient(id);
  const pt = Buffer.from('hello');

  it('returns plain Uint8Arrays and round-trips', () => {
    const out = decrypt(encrypt(pt, [r]), ids);
    expect(out).toBeInstanceOf(Uint8Array);
    expect(Buffer.from(out)).toEqual(pt);
    expect(Buffer.from(decryptArmored(encryptArmored(pt, [r]), ids))).toEqual(pt);
  });

  it('skips non-X25519 stanzas (ssh-ed25519, plugins, grease)', () => {
    const file = fileWithStanzas(
      pt,
      (x) => [
        { type: 'ssh-ed25519', args: ['abcd', 'AAAA'], body: randomBytes(32) },
        { type: 'piv-p256', args: ['xyz'], body: randomBytes(60) },
        x,
        { type: 'grease-!', args: [], body: new Uint8Array(0) },
      ],
      r,
    );
    expect(Buffer.from(decrypt(file, ids))).toEqual(pt);
  });

  it('rejects headers mixing an scrypt stanza with others; a lone scrypt stanza is just not ours', () => {
    const scrypt: Stanza = { type: 'scrypt', args: ['c2FsdHNhbHRzYWx0c2FsdA', '10'], body: randomBytes(32) };
    const mixed = fileWithStanzas(pt, (x) => [x, scrypt], r);
    expect(() => decrypt(mixed, ids)).toThrow(IntegrityError);
    const alone = fileWithStanzas(pt, () => [scrypt], r);
    expect(() => decrypt(alone, ids)).toThrow(AccessError);
  });

  it('tries identities in the given priority order and stops at the first match', () => {
    const calls: string[] = [];
    const spy = (name: string, inner: X25519Identity): Unwrapper => ({
      unwrap(stanzas) {
        calls.push(name);
        return inner.unwrap(stanzas);
      },
    });
    const other = parseIdentities(generateIdentity())[0]!;
    const file = encrypt(pt, [r, other.recipient]);
    expect(Buffer.from(decryptAgeFile(file, [spy('stranger', parseIdentities(generateIdentity())[0]!), spy('me', ids[0]!), spy('other', other)]))).toEqual(pt);
    expect(calls).toEqual(['stranger', 'me']);
  });

  it('decrypts files far larger than one chunk', () => {
    const big = randomBytes(3 * 64 * 1024 + 5);
    expect(Buffer.from(decryptArmored(encryptArmored(big, [r]), ids))).toEqual(big);
  });
});

describe('inspectArmored', () => {
  it('reports every stanza, type and arguments, without any key', () => {
    const a = identityToRecipient(generateIdentity());
    const b = identityToRecipient(generateIdentity());
    const text = encryptArmored(Buffer.from('x'), [a, b]);
    const { stanzas } = inspectArmored(text);
    expect(stanzas).toHaveLength(2);
    for (const s of stanzas) {
      expect(s.type).toBe('X25519');
      expect(s.args).toHaveLength(1);
      expect(s.args[0]).toMatch(/^[A-Za-z0-9+/]{43}$/);
    }
    expect(stanzas[0]!.args[0]).not.toBe(stanzas[1]!.args[0]);
    expect(inspectArmored(encryptArmored(Buffer.from('x'), [a])).stanzas).toHaveLength(1);
  });

  it('reports non-X25519 stanzas too', () => {
    const r = identityToRecipient(generateIdentity());
    const file = fileWithStanzas(Buffer.from('x'), (x) => [x, { type: 'ssh-rsa', args: ['k', 'v'], body: randomBytes(5) }], r);
    expect(inspectArmored(armorEncode(file)).stanzas).toEqual([
      { type: 'X25519', args: [expect.any(String)] },
      { type: 'ssh-rsa', args: ['k', 'v'] },
    ]);
  });

  it('throws IntegrityError for bad armor or a bad header', () => {
    expect(() => inspectArmored('not armor')).toThrow(IntegrityError);
    expect(() => inspectArmored(armorEncode(Buffer.from('age-encryption.org/v1\n-> \n')))).toThrow(IntegrityError);
    expect(() => inspectArmored(armorEncode(Buffer.from('age-encryption.org/v2\n---')))).toThrow(IntegrityError);
  });
});
