import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { inspect } from 'node:util';
import { generateIdentity as typageGenerate, identityToRecipient as typageToRecipient } from 'age-encryption';
import { describe, expect, it } from 'vitest';
import { AGE_CLI, liveChecks } from '../../../test/helpers/tools.js';
import { FormatError, IntegrityError } from '../../kernel/errors.js';
import type { Stanza } from './format.js';
import { bech32Encode } from './bech32.js';
import { X25519Identity, X25519Recipient, generateX25519Identity } from './x25519.js';

const ageCli = liveChecks(AGE_CLI);

const fileKey = () => randomBytes(16);
const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
/** Set one of the two unused low bits of the last character of a 32-byte unpadded encoding. */
const nonCanonical = (s: string): string => s.slice(0, -1) + B64[B64.indexOf(s.at(-1)!) | 1];

describe('X25519 identities and recipients', () => {
  it('derive the same recipient as typage', async () => {
    for (let i = 0; i < 20; i++) {
      const s = await typageGenerate();
      expect(X25519Identity.parse(s).recipient).toBe(await typageToRecipient(s));
      const ours = generateX25519Identity();
      expect(X25519Identity.parse(ours).recipient).toBe(await typageToRecipient(ours));
    }
  });

  ageCli.it('derive the same recipient as age-keygen -y', () => {
    const id = generateX25519Identity();
    const out = execFileSync('age-keygen', ['-y'], { input: id + '\n' }).toString().trim();
    expect(X25519Identity.parse(id).recipient).toBe(out);
  });

  it('generates well-formed, distinct identities', () => {
    const a = generateX25519Identity();
    const b = generateX25519Identity();
    expect(a).toMatch(/^AGE-SECRET-KEY-1[QPZRY9X8GF2TVDW0S3JN54KHCE6MUA7L]{58}$/);
    expect(a).not.toBe(b);
  });

  it('reject malformed strings without echoing them', () => {
    const id = generateX25519Identity();
    const rcpt = X25519Identity.parse(id).recipient;
    const badIdentities = [
      '',
      id.toLowerCase(),
      id.slice(0, -1),
      id + 'Q',
      id.slice(0, 20) + (id[20] === 'Q' ? 'P' : 'Q') + id.slice(21),
      ' ' + id,
      id + ' ',
      id.replace('AGE-SECRET-KEY-1', 'AGE-SECRET-KEY-PQ-1'),
      rcpt,
    ];
    for (const s of badIdentities) {
      let err: unknown;
      try {
        X25519Identity.parse(s);
      } catch (e) {
        err = e;
      }
      expect(err, JSON.stringify(s.slice(0, 20))).toBeInstanceOf(FormatError);
      expect((err as Error).message).not.toContain(id.slice(16, 30));
      expect((err as Error).message.toLowerCase()).not.toContain(id.slice(16, 30).toLowerCase());
    }
    for (const s of ['', rcpt.toUpperCase(), rcpt.slice(0, -1), rcpt + 'q', 'age2' + rcpt.slice(4), id, ' ' + rcpt]) {
      expect(() => X25519Recipient.parse(s), s).toThrow(FormatError);
    }
    expect(X25519Recipient.parse(rcpt).recipient).toBe(rcpt);
  });

  it('wrap/unwrap round-trips and produces a spec-shaped stanza', () => {
    const id = X25519Identity.parse(generateX25519Identity());
    const key = fileKey();
    const s = X25519Recipient.parse(id.recipient).wrap(key);
    expect(s.type).toBe('X25519');
    expect(s.args).toHaveLength(1);
    expect(s.args[0]).toMatch(/^[A-Za-z0-9+/]{43}$/);
    expect(s.body).toHaveLength(32);
    expect(Buffer.from(id.unwrap([s])!)).toEqual(key);
    // Fresh ephemeral share every time.
    expect(X25519Recipient.parse(id.recipient).wrap(key).args[0]).not.toBe(s.args[0]);
  });

  it('unwrap returns null when not addressed to it and skips other stanza types', () => {
    const me = X25519Identity.parse(generateX25519Identity());
    const other = X25519Identity.parse(generateX25519Identity());
    const key = fileKey();
    const theirs = X25519Recipient.parse(other.recipient).wrap(key);
    const mine = X25519Recipient.parse(me.recipient).wrap(key);
    const grease: Stanza = { type: 'ssh-ed25519', args: ['abc', 'def'], body: randomBytes(32) };
    const plugin: Stanza = { type: 'age-plugin-yubikey', args: [], body: new Uint8Array(0) };
    expect(me.unwrap([theirs])).toBeNull();
    expect(me.unwrap([grease, plugin])).toBeNull();
    expect(me.unwrap([])).toBeNull();
    expect(Buffer.from(me.unwrap([grease, theirs, plugin, mine])!)).toEqual(key);
    // A lower-case type is a different (unknown) stanza type.
    expect(me.unwrap([{ ...mine, type: 'x25519' }])).toBeNull();
  });

  it('unwrap throws IntegrityError for malformed X25519 stanzas', () => {
    const me = X25519Identity.parse(generateX25519Identity());
    const good = X25519Recipient.parse(me.recipient).wrap(fileKey());
    const share = good.args[0]!;
    const malformed: Stanza[] = [
      { ...good, args: [] },
      { ...good, args: [share, 'extra'] },
      { ...good, args: [share + '='] },
      { ...good, args: [share.slice(0, -1)] },
      { ...good, args: [share + 'AA'] },
      { ...good, args: [nonCanonical(share)] },
      { ...good, body: good.body.subarray(0, 31) },
      { ...good, body: Buffer.concat([good.body, Buffer.alloc(1)]) },
      // Low-order points: the shared secret would be all zeros.
      { ...good, args: ['AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA'] },
      { ...good, args: [Buffer.from('0100000000000000000000000000000000000000000000000000000000000000', 'hex').toString('base64').slice(0, 43)] },
      { ...good, args: [Buffer.from('e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800', 'hex').toString('base64').slice(0, 43)] },
    ];
    for (const s of malformed) {
      expect(() => me.unwrap([s]), JSON.stringify(s.args)).toThrow(IntegrityError);
    }
  });

  it('refuses to wrap to a low-order recipient', () => {
    // Bech32 of the all-zero point: parses (age does not validate points) but cannot be used.
    const zero = X25519Recipient.parse(bech32Encode('age', new Uint8Array(32)));
    expect(() => zero.wrap(fileKey())).toThrow(FormatError);
  });

  it('does not expose the secret key when inspected or stringified', () => {
    const s = generateX25519Identity();
    const id = X25519Identity.parse(s);
    const shown = JSON.stringify(id) + String(id) + inspect(id, { showHidden: true, depth: 5 });
    expect(shown).not.toContain(s.slice(16, 40));
    expect(shown.toLowerCase()).not.toContain(s.slice(16, 40).toLowerCase());
    expect(shown).toContain(id.recipient);
  });

  it('agreeKey: both holders derive the same key, nobody else does; per label; low-order and invalid recipients refused', () => {
    const a = X25519Identity.parse(generateX25519Identity());
    const b = X25519Identity.parse(generateX25519Identity());
    const c = X25519Identity.parse(generateX25519Identity());
    const ab = a.agreeKey(b.recipient, 'rekey-state');
    expect(ab).toHaveLength(32);
    expect(b.agreeKey(a.recipient, 'rekey-state').equals(ab)).toBe(true);
    expect(c.agreeKey(a.recipient, 'rekey-state').equals(ab)).toBe(false);
    expect(c.agreeKey(b.recipient, 'rekey-state').equals(ab)).toBe(false);
    expect(a.agreeKey(b.recipient, 'other').equals(ab)).toBe(false);
    expect(a.agreeKey(b.recipient, 'rekey-state').equals(a.deriveKey('rekey-state'))).toBe(false);
    expect(() => a.agreeKey(bech32Encode('age', new Uint8Array(32)), 'rekey-state')).toThrow(FormatError);
    expect(() => a.agreeKey('age1notarecipient', 'rekey-state')).toThrow(FormatError);
  });
});
