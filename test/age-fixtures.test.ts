/**
 * keyfold against files recorded from the real age 1.1.1 CLI (test/fixtures/age-cli,
 * written by scripts/record-age-fixtures.ts). Runs everywhere, without age installed:
 * it covers what the live interop tests check with the age CLI (age-cli-interop,
 * src/crypto/age/interop-cli, the age-keygen checks of cli and x25519):
 *
 * - keyfold derives from each identity file the recipient `age-keygen -y` printed;
 * - every file `age -e` / `age -e -a` wrote decrypts with keyfold to the recorded plaintext,
 *   for every recipient, and not for anyone else;
 * - every envelope keyfold wrote then, which `age -d` opened to the recorded output, still
 *   decrypts with keyfold to that output;
 * - what keyfold writes today has the structure of what it and age wrote then (armor,
 *   stanzas, header MAC line, STREAM payload), so a format change fails here;
 * - tampered bytes that age refused, keyfold refuses;
 * - the SOPS files: keyfold's (data key as `age -d` printed it; values and MAC by hand with
 *   node:crypto) and a hand-made one with an envelope from `age -e -a`.
 */
import { createDecipheriv, createHash } from 'node:crypto';
import { copyFileSync, existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parse as parseYamlText } from 'yaml';
import { decrypt, decryptArmored, encrypt, encryptArmored, identityToRecipient, inspectArmored, parseIdentities } from '../src/crypto/age/index.js';
import { parseHeader } from '../src/crypto/age/format.js';
import { armorDecode } from '../src/crypto/age/armor.js';
import { AccessError, IntegrityError } from '../src/kernel/errors.js';
import { AGE_FIXTURES, ageShape, plaintext, sha256, type AgeFixtureManifest, type EncryptedEntry } from './helpers/age-fixtures.js';
import { runCli, tempDir } from './helpers/cli.js';

const read = (f: string) => readFileSync(join(AGE_FIXTURES, f));
const M = JSON.parse(read('manifest.json').toString('utf8')) as AgeFixtureManifest;
const identity = (name: string) => {
  const e = M.identities.find((i) => i.name === name);
  if (!e) throw new Error(`no identity ${name} in the manifest`);
  return e;
};
const idsOf = (name: string) => parseIdentities(read(identity(name).file).toString('utf8'));
/** The recipient(s) age-keygen -y printed for an identity file. */
const ageRecipients = (name: string) => identity(name).ageKeygenY.stdoutText!.trimEnd().split('\n');
const recipientOf = (name: string) => ageRecipients(name)[0]!;
const open = (e: EncryptedEntry, name: string): Uint8Array => (e.armored ? decryptArmored(read(e.file).toString('utf8'), idsOf(name)) : decrypt(read(e.file), idsOf(name)));
const fileBytes = (e: EncryptedEntry): Uint8Array | string => (e.armored ? read(e.file).toString('utf8') : read(e.file));
const binaryOf = (e: EncryptedEntry): Buffer => (e.armored ? armorDecode(read(e.file).toString('utf8')) : read(e.file));

const fromAge = M.files.filter((f) => f.by === 'age');
const fromKeyfold = M.files.filter((f) => f.by === 'keyfold');
/** age-keygen identities: the ones files are encrypted to. */
const ageIds = M.identities.filter((i) => i.madeBy === 'age-keygen').map((i) => i.name);
/** An identity the file was not encrypted to. */
const outsider = (f: EncryptedEntry) => ['keyfold-generated2', 'id3'].find((n) => !f.recipients.includes(n))!;

const tmp = tempDir('keyfold-age-fixtures-');
afterAll(() => tmp.cleanup());

describe('the recorded fixtures', () => {
  it('come from age 1.1.1 and are all there; the plaintexts regenerate to the recorded hashes', () => {
    expect(M.age).toEqual({ version: '1.1.1', ageKeygenVersion: '1.1.1' });
    expect(fromAge.length).toBeGreaterThanOrEqual(20);
    expect(fromKeyfold.length).toBeGreaterThanOrEqual(10);
    for (const f of [...M.identities.map((i) => i.file), ...M.files.map((f) => f.file), ...M.sops.flatMap((s) => [s.file, s.plain ?? s.expectedJson!])]) {
      expect(existsSync(join(AGE_FIXTURES, f)), f).toBe(true);
    }
    for (const f of M.files) expect(sha256(plaintext(f.plaintext.seed, f.plaintext.size)), f.file).toBe(f.plaintext.sha256);
    // The sizes the brief asks for: empty, one byte, around one 64 KiB chunk, several chunks;
    // binary and armored; one and several recipients.
    const sizes = new Set(fromAge.map((f) => f.plaintext.size));
    for (const s of [0, 1, 65535, 65536, 65537, 200_000]) expect(sizes.has(s), `size ${s}`).toBe(true);
    for (const armored of [false, true]) for (const n of [1, 3]) expect(fromAge.some((f) => f.armored === armored && f.recipients.length === n)).toBe(true);
  });
});

describe('identities: keyfold derives the recipient age-keygen -y printed', () => {
  for (const id of M.identities) {
    it(`${id.name} (${id.madeBy})`, () => {
      expect(id.ageKeygenY.exitCode).toBe(0);
      const text = read(id.file).toString('utf8');
      expect(parseIdentities(text).map((i) => i.recipient)).toEqual(ageRecipients(id.name));
      const secrets = text.split(/\r?\n/).filter((l) => l.startsWith('AGE-SECRET-KEY-1'));
      expect(secrets.map((s) => identityToRecipient(s))).toEqual(ageRecipients(id.name));
    });
  }

  it('keyfold keygen writes the file layout age-keygen writes (the regex of test/cli.test.ts)', () => {
    const KEYGEN_FILE_RE = /^# created: \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ\n# public key: (age1[02-9ac-hj-np-z]{58})\n(AGE-SECRET-KEY-1[02-9AC-HJ-NP-Z]{58})\n$/;
    for (const name of [...ageIds, 'keyfold-keygen']) {
      const m = KEYGEN_FILE_RE.exec(read(identity(name).file).toString('utf8'));
      expect(m, name).not.toBeNull();
      expect(m![1], name).toBe(recipientOf(name));
    }
  });
});

describe('files from `age -e` / `age -e -a` decrypt with keyfold', () => {
  for (const f of fromAge) {
    it(`${f.file} (${f.plaintext.size} bytes, ${f.armored ? 'armored' : 'binary'}, to ${f.recipients.join(', ')})`, () => {
      const expected = plaintext(f.plaintext.seed, f.plaintext.size);
      for (const name of f.recipients) expect(Buffer.from(open(f, name)).equals(expected), name).toBe(true);
      // Not a recipient: refused, not garbage.
      expect(() => open(f, outsider(f))).toThrow(AccessError);
      // One X25519 stanza per recipient, nothing else (what S1's "one stanza" check counts).
      const { stanzas } = parseHeader(binaryOf(f));
      expect(stanzas.map((s) => [s.type, s.args.length])).toEqual(f.recipients.map(() => ['X25519', 1]));
      if (f.armored) expect(inspectArmored(read(f.file).toString('utf8')).stanzas).toHaveLength(f.recipients.length);
    });
  }

  it('an identity file with two keys, comments, blank lines and CRLF opens them (age read the same file)', () => {
    const combined = idsOf('combined-crlf');
    expect(combined.map((i) => i.recipient)).toEqual([recipientOf('id1'), recipientOf('id2')]);
    for (const f of fromAge.filter((f) => f.recipients.includes('id1') || f.recipients.includes('id2')).slice(0, 6)) {
      const pt = f.armored ? decryptArmored(read(f.file).toString('utf8'), combined) : decrypt(read(f.file), combined);
      expect(sha256(pt), f.file).toBe(f.plaintext.sha256);
    }
  });

  it('a byte flipped anywhere in an age file is refused', () => {
    for (const f of fromAge.filter((f) => !f.armored)) {
      const good = read(f.file);
      const headerLen = good.indexOf('\n---') + 1 + 4 + 43 + 1;
      for (const at of [good.length - 1, headerLen + 3, headerLen - 10, 40]) {
        const bad = Buffer.from(good);
        bad[at]! ^= 0x01;
        expect(() => decrypt(bad, idsOf(f.recipients[0]!)), `${f.file} byte ${at}`).toThrow();
      }
    }
  });
});

describe('envelopes keyfold wrote, which `age -d` opened, still open with keyfold', () => {
  for (const f of fromKeyfold) {
    it(`${f.file} (${f.plaintext.size} bytes, ${f.armored ? 'armored' : 'binary'}, to ${f.recipients.join(', ')})`, () => {
      // What age did with it when recorded.
      expect(f.ageDecrypt!.length).toBeGreaterThanOrEqual(f.recipients.length);
      for (const run of f.ageDecrypt!) {
        expect(run.exitCode, run.stderr).toBe(0);
        expect(run.stdin).toBe(f.file);
        expect(run.stdoutSha256).toBe(f.plaintext.sha256);
        expect(run.stdoutLength).toBe(f.plaintext.size);
      }
      // keyfold reads it to the same bytes.
      for (const name of f.recipients) {
        const pt = Buffer.from(open(f, name));
        expect(sha256(pt), name).toBe(f.ageDecrypt![0]!.stdoutSha256);
        if (f.ageDecrypt![0]!.stdoutHex !== undefined) expect(pt.toString('hex')).toBe(f.ageDecrypt![0]!.stdoutHex);
      }
      expect(() => open(f, outsider(f))).toThrow(AccessError);
    });
  }
});

describe('what keyfold writes today has the structure of the recorded files', () => {
  const today = (f: EncryptedEntry) => {
    const pt = plaintext(f.plaintext.seed, f.plaintext.size);
    const rcpts = f.recipients.map(recipientOf);
    return f.armored ? encryptArmored(pt, rcpts) : encrypt(pt, rcpts);
  };

  it('armor, version line, one X25519 stanza per recipient, header MAC line, STREAM payload: the same as age 1.1.1 and as recorded', () => {
    for (const f of M.files) {
      const recorded = ageShape(fileBytes(f));
      const now = ageShape(today(f));
      expect(now, f.file).toEqual(recorded);
    }
  });

  it('the shape itself, spelled out (a data-key envelope: 32 bytes, armored, one recipient)', () => {
    const f = M.files.find((x) => x.by === 'age' && x.plaintext.size === 32 && x.armored && x.recipients.length === 1)!;
    const expected = {
      armor: { begin: '-----BEGIN AGE ENCRYPTED FILE-----', end: '-----END AGE ENCRYPTED FILE-----', columns: 64, lastLineOk: true, trailingNewline: true },
      header: ['age-encryption.org/v1', '-> X25519 <b64:43>', '<b64:43>', '--- <b64:43>'],
      payload: { length: 16 + 32 + 16, plaintextLength: 32 },
    };
    expect(ageShape(fileBytes(f))).toEqual(expected);
    expect(ageShape(encryptArmored(plaintext('x', 32), [recipientOf('id2')]))).toEqual(expected);
    // Binary, three recipients, several chunks.
    const big = M.files.find((x) => x.by === 'age' && x.plaintext.size === 200_000 && !x.armored)!;
    expect(ageShape(fileBytes(big)).header).toEqual(['age-encryption.org/v1', ...Array(3).fill(['-> X25519 <b64:43>', '<b64:43>']).flat(), '--- <b64:43>']);
    expect(ageShape(fileBytes(big)).payload).toEqual({ length: 16 + 200_000 + 4 * 16, plaintextLength: 200_000 });
  });
});

describe('tampered files: keyfold refuses what age refused', () => {
  for (const t of M.tampered) {
    it(`${t.of}, ${t.where} (byte ${t.offset})`, () => {
      expect(t.ageDecrypt.exitCode, 'age refused it').not.toBe(0);
      expect(t.ageDecrypt.stdoutLength, 'age printed nothing').toBe(0);
      expect(t.ageDecrypt.stderr).toMatch(/^age: error: /);
      const f = M.files.find((x) => x.file === t.of)!;
      const bytes = Buffer.from(read(t.of));
      const at = t.offset < 0 ? bytes.length + t.offset : t.offset;
      bytes[at]! ^= t.xor;
      // The untampered file opens; the tampered one does not, with an integrity or access error.
      expect(sha256(decrypt(read(t.of), idsOf(f.recipients[0]!)))).toBe(f.plaintext.sha256);
      let err: unknown;
      try {
        decrypt(bytes, idsOf(f.recipients[0]!));
      } catch (e) {
        err = e;
      }
      expect(err instanceof IntegrityError || err instanceof AccessError, String(err)).toBe(true);
    });
  }
});

const ENC_RE = /^ENC\[AES256_GCM,data:([A-Za-z0-9+/]*={0,2}),iv:([A-Za-z0-9+/]+={0,2}),tag:([A-Za-z0-9+/]+={0,2}),type:([a-z]+)\]$/;
/** AES-256-GCM as sops does it, with node:crypto only. */
function decValue(enc: string, key: Buffer, aad: string): { text: string; type: string } {
  const m = ENC_RE.exec(enc);
  if (!m) throw new Error('not an ENC value');
  const d = createDecipheriv('aes-256-gcm', key, Buffer.from(m[2]!, 'base64'));
  d.setAAD(Buffer.from(aad, 'utf8'));
  d.setAuthTag(Buffer.from(m[3]!, 'base64'));
  return { text: Buffer.concat([d.update(Buffer.from(m[1]!, 'base64')), d.final()]).toString('utf8'), type: m[4]! };
}

type SopsDoc = Record<string, unknown> & { sops: { age: Array<{ recipient: string; enc: string }>; lastmodified: string; mac: string } & Record<string, unknown> };

describe('a SOPS file written by keyfold encrypt (dist/keyfold.js), opened with `age -d`', () => {
  const s = M.sops.find((x) => x.file === 'sops/keyfold-encrypt.enc.yaml')!;
  const text = read(s.file).toString('utf8');
  const doc = parseYamlText(text) as SopsDoc;
  const PLAIN = read(s.plain!).toString('utf8');

  it('age -d opened every envelope to the same 32-byte data key, and so does keyfold', () => {
    expect(doc.sops.age.map((e) => e.recipient)).toEqual(s.recipients.map(recipientOf));
    for (const r of s.ageDecrypt) expect(r.exitCode, r.stderr).toBe(0);
    const keys = s.ageDecrypt.map((r) => r.stdoutHex!);
    expect(keys[0]).toMatch(/^[0-9a-f]{64}$/);
    expect(new Set(keys).size).toBe(1);
    doc.sops.age.forEach((e, i) => {
      expect(Buffer.from(decryptArmored(e.enc, idsOf(s.recipients[i]!))).toString('hex')).toBe(keys[0]);
      expect(inspectArmored(e.enc).stanzas).toEqual([{ type: 'X25519', args: [expect.stringMatching(/^[A-Za-z0-9+/]{43}$/)] }]);
    });
  });

  it('with the key age printed, every value and the MAC check out with node:crypto', () => {
    const key = Buffer.from(s.ageDecrypt[0]!.stdoutHex!, 'hex');
    expect(decValue(doc['api_key'] as string, key, 'api_key:')).toEqual({ text: 'sk-live-123', type: 'str' });
    expect(decValue(doc['port'] as string, key, 'port:')).toEqual({ text: '8080', type: 'int' });
    expect(decValue(doc['ratio'] as string, key, 'ratio:')).toEqual({ text: '0.25', type: 'float' });
    expect(decValue(doc['enabled'] as string, key, 'enabled:')).toEqual({ text: 'True', type: 'bool' });
    expect(decValue((doc['db'] as Record<string, string>)['password']!, key, 'db:password:')).toEqual({ text: 'hunter2', type: 'str' });
    expect((doc['hosts'] as string[]).map((h) => decValue(h, key, 'hosts:').text)).toEqual(['h1', 'h2']);
    expect(doc['note_unencrypted']).toBe('visible');
    const leaves = ['sk-live-123', '8080', '0.25', 'True', 'hunter2', 'h1', 'h2', 'visible'];
    const mac = createHash('sha512').update(leaves.join(''), 'utf8').digest('hex').toUpperCase();
    expect(decValue(doc.sops.mac, key, doc.sops.lastmodified)).toEqual({ text: mac, type: 'str' });
  });

  it('keyfold decrypts it to the plaintext it was made from, with either identity', async () => {
    copyFileSync(join(AGE_FIXTURES, s.file), join(tmp.path, 'k.enc.yaml'));
    for (const name of s.recipients) {
      const r = await runCli(['decrypt', 'k.enc.yaml', '--identity', join(AGE_FIXTURES, identity(name).file)], { cwd: tmp.path });
      expect(r, name).toMatchObject({ code: 0, stdout: PLAIN });
    }
  });

  it('keyfold encrypt today writes the same structure: keys, value types, sops fields, envelope shape', async () => {
    copyFileSync(join(AGE_FIXTURES, s.plain!), join(tmp.path, 'plain.yaml'));
    const r = await runCli(['encrypt', 'plain.yaml', ...s.recipients.flatMap((n) => ['-r', recipientOf(n)])], { cwd: tmp.path });
    expect(r.code, r.stderr).toBe(0);
    const now = parseYamlText(r.stdout) as SopsDoc;
    /** Every leaf replaced by its kind (ENC type, or the literal for plain values). */
    const skeleton = (v: unknown): unknown => {
      if (Array.isArray(v)) return v.map(skeleton);
      if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, k === 'sops' ? null : skeleton(x)]));
      if (typeof v === 'string') return ENC_RE.exec(v) ? `ENC:${ENC_RE.exec(v)![4]}` : v;
      return v;
    };
    expect(skeleton(now)).toEqual(skeleton(doc));
    // The text layout too: the same lines, with every ENC[…] and envelope line blanked.
    const blank = (t: string) => t.replace(/ENC\[[^\]]*\]/g, 'ENC[…]').replace(/^( +)[A-Za-z0-9+/=]{1,64}$/gm, '$1<b64>').replace(/^( +lastmodified: ).*$/m, '$1…');
    expect(blank(r.stdout)).toBe(blank(text));
    expect(Object.keys(now.sops)).toEqual(Object.keys(doc.sops));
    for (const k of Object.keys(doc.sops)) if (!['age', 'lastmodified', 'mac'].includes(k)) expect(now.sops[k], k).toEqual(doc.sops[k]);
    expect(now.sops.lastmodified).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    expect(now.sops.mac).toMatch(ENC_RE);
    expect(now.sops.age.map((e) => e.recipient)).toEqual(doc.sops.age.map((e) => e.recipient));
    now.sops.age.forEach((e, i) => expect(ageShape(e.enc)).toEqual(ageShape(doc.sops.age[i]!.enc)));
  });
});

describe('a hand-made SOPS file whose envelope came from `age -e -a`', () => {
  const s = M.sops.find((x) => x.file === 'sops/hand-made.enc.yaml')!;

  it('keyfold opens the envelope to the key age printed, and decrypts the file to the expected document', async () => {
    const doc = parseYamlText(read(s.file).toString('utf8')) as SopsDoc;
    expect(s.ageDecrypt[0]!.exitCode).toBe(0);
    expect(Buffer.from(decryptArmored(doc.sops.age[0]!.enc, idsOf(s.recipients[0]!))).toString('hex')).toBe(s.ageDecrypt[0]!.stdoutHex);
    copyFileSync(join(AGE_FIXTURES, s.file), join(tmp.path, 'hand.enc.yaml'));
    const r = await runCli(['decrypt', 'hand.enc.yaml', '--json', '--identity', join(AGE_FIXTURES, identity(s.recipients[0]!).file)], { cwd: tmp.path });
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({ 'hand.enc.yaml': JSON.parse(read(s.expectedJson!).toString('utf8')) });
    const y = await runCli(['decrypt', 'hand.enc.yaml', '--identity', join(AGE_FIXTURES, identity(s.recipients[0]!).file)], { cwd: tmp.path });
    expect(y.stdout.startsWith('# written by hand\nAPI_KEY: sk-hand-made\n"123": number-like key\n')).toBe(true);
  });
});
