import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { AccessError, IntegrityError, KeyfoldError } from '../../kernel/errors.js';
import { armorDecode, armorEncode } from './armor.js';
import { encodeNoPad } from './base64.js';
import { parseHeader } from './format.js';
import { decrypt, decryptArmored, encrypt, encryptArmored, generateIdentity, identityToRecipient, parseIdentities } from './index.js';

const secretId = generateIdentity();
const ids = parseIdentities(secretId);
const recipient = identityToRecipient(secretId);
const PLAINTEXT = Buffer.from('TOP-SECRET-PLAINTEXT-0123456789-abcdefghijklmnopqrstuvwxyz');

function thrown(fn: () => unknown): KeyfoldError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(KeyfoldError);
    const msg = `${(e as Error).message} ${(e as KeyfoldError).hint ?? ''}`;
    // Never any key material or plaintext in messages.
    expect(msg).not.toContain(secretId.slice(16, 36));
    expect(msg.toUpperCase()).not.toContain(secretId.slice(16, 36));
    expect(msg).not.toContain('TOP-SECRET');
    return e as KeyfoldError;
  }
  throw new Error('expected an error, but decryption succeeded');
}

describe('tampering is detected with the right error class', () => {
  const file = Buffer.from(encrypt(PLAINTEXT, [recipient]));
  const h = parseHeader(file);
  const text = encryptArmored(PLAINTEXT, [recipient]);

  it('sanity: the untouched files decrypt', () => {
    expect(Buffer.from(decrypt(file, ids))).toEqual(PLAINTEXT);
    expect(Buffer.from(decryptArmored(text, ids))).toEqual(PLAINTEXT);
  });

  it('header MAC changed (still well-formed) → IntegrityError', () => {
    const mac = Buffer.from(h.mac);
    mac[5]! ^= 0x10;
    const t = Buffer.concat([file.subarray(0, h.macInputEnd), Buffer.from(' ' + encodeNoPad(mac) + '\n'), file.subarray(h.payloadOffset)]);
    const e = thrown(() => decrypt(t, ids));
    expect(e).toBeInstanceOf(IntegrityError);
    expect(e.message).toMatch(/MAC/);
  });

  it('header changed outside the stanza (extra grease stanza) → IntegrityError via the MAC', () => {
    const t = Buffer.concat([file.subarray(0, h.macInputEnd - 3), Buffer.from('-> grease\n\n'), file.subarray(h.macInputEnd - 3)]);
    expect(thrown(() => decrypt(t, ids))).toBeInstanceOf(IntegrityError);
  });

  it('stanza body changed → the stanza no longer opens: AccessError (as age and the CCTV x25519_bad_tag vector)', () => {
    const s = h.stanzas[0]!;
    const body = Buffer.from(s.body);
    body[31]! ^= 1;
    const t = Buffer.concat([
      Buffer.from(`age-encryption.org/v1\n-> X25519 ${s.args[0]}\n${encodeNoPad(body)}\n`),
      file.subarray(h.macInputEnd - 3),
    ]);
    expect(thrown(() => decrypt(t, ids))).toBeInstanceOf(AccessError);
  });

  it('payload byte flipped → IntegrityError', () => {
    for (const pos of [h.payloadOffset, h.payloadOffset + 16, file.length - 1]) {
      const t = Buffer.from(file);
      t[pos]! ^= 0x80;
      expect(thrown(() => decrypt(t, ids))).toBeInstanceOf(IntegrityError);
    }
  });

  it('truncated payload → IntegrityError', () => {
    for (const cut of [1, 16, file.length - h.payloadOffset - 1, file.length - h.payloadOffset]) {
      expect(thrown(() => decrypt(file.subarray(0, file.length - cut), ids))).toBeInstanceOf(IntegrityError);
    }
  });

  it('truncated header → IntegrityError', () => {
    for (const cut of [1, 10, h.macInputEnd, h.payloadOffset - 1]) {
      expect(thrown(() => decrypt(file.subarray(0, cut), ids))).toBeInstanceOf(IntegrityError);
    }
  });

  it('extra trailing data → IntegrityError', () => {
    for (const extra of [Buffer.from([0]), Buffer.from('\n'), randomBytes(100)]) {
      expect(thrown(() => decrypt(Buffer.concat([file, extra]), ids))).toBeInstanceOf(IntegrityError);
    }
  });

  it('truncated or extended armor → IntegrityError', () => {
    const lines = text.split('\n');
    for (const t of [
      text.slice(0, text.length - 10),
      lines.slice(0, -2).join('\n'),
      [...lines.slice(0, 2), ...lines.slice(3)].join('\n'),
      text + 'x',
      text.replace(/\n-----END/, 'AAAA\n-----END'),
      // Armor intact, but the binary inside gained a byte: re-armor the extended file.
      armorEncode(Buffer.concat([armorDecode(text), Buffer.from([1])])),
    ]) {
      expect(thrown(() => decryptArmored(t, ids))).toBeInstanceOf(IntegrityError);
    }
  });

  it('wrong identity → AccessError', () => {
    const other = parseIdentities(generateIdentity());
    expect(thrown(() => decrypt(file, other))).toBeInstanceOf(AccessError);
    expect(thrown(() => decryptArmored(text, other))).toBeInstanceOf(AccessError);
    expect(thrown(() => decrypt(file, []))).toBeInstanceOf(AccessError);
  });

  it('every single-bit flip anywhere in the file is rejected; from the MAC line on, always as IntegrityError', () => {
    for (let pos = 0; pos < file.length; pos++) {
      for (const bit of [0x01, 0x40]) {
        const t = Buffer.from(file);
        t[pos]! ^= bit;
        const e = thrown(() => decrypt(t, ids));
        if (pos >= h.macInputEnd - 3) expect(e, `byte ${pos}`).toBeInstanceOf(IntegrityError);
        else expect(e instanceof IntegrityError || e instanceof AccessError, `byte ${pos}`).toBe(true);
      }
    }
  });

  it('every single-character change in the armored file is rejected', () => {
    for (let pos = 0; pos < text.length; pos++) {
      const c = text[pos]!;
      if (c === '\n') continue; // changing a newline to a newline is a no-op; CR variants are allowed
      const replacement = c === 'A' ? 'B' : 'A';
      const t = text.slice(0, pos) + replacement + text.slice(pos + 1);
      thrown(() => decryptArmored(t, ids));
    }
  });
});
