import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { AccessError } from '../../kernel/errors.js';
import { AGE_CLI, liveChecks } from '../../../test/helpers/tools.js';
import { decrypt, decryptArmored, encrypt, encryptArmored, generateIdentity, parseIdentities } from './index.js';

const ageCli = liveChecks(AGE_CLI);
const KiB = 1024;
const dir = mkdtempSync(join(tmpdir(), 'keyfold-age-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let n = 0;
/** A fresh identity file written by age-keygen; returns its path, recipient and parsed identities. */
function keygen() {
  const path = join(dir, `key${n++}.txt`);
  execFileSync('age-keygen', ['-o', path], { stdio: ['ignore', 'ignore', 'pipe'] });
  const text = readFileSync(path, 'utf8');
  const recipient = /^# public key: (age1\S+)$/m.exec(text)![1]!;
  return { path, text, recipient, ids: parseIdentities(text) };
}
const age = (args: string[], input: Uint8Array | string): Buffer =>
  execFileSync('age', args, { input, maxBuffer: 64 * 1024 * 1024, stdio: ['pipe', 'pipe', 'pipe'] });

ageCli.describe('interoperability with the age CLI', () => {
  it('parses identity files written by age-keygen and derives the same recipient', () => {
    const k = keygen();
    expect(k.text).toMatch(/^# created: /);
    expect(k.ids).toHaveLength(1);
    expect(k.ids[0]!.recipient).toBe(k.recipient);
    expect(age(['-d', '-i', k.path], encrypt(Buffer.from('x'), [k.recipient])).toString()).toBe('x');
  });

  for (const size of [0, 1, 32, 64 * KiB, 200 * KiB]) {
    it(`age → keyfold, ${size} bytes, binary and armored`, () => {
      const k = keygen();
      const pt = randomBytes(size);
      expect(Buffer.from(decrypt(age(['-e', '-r', k.recipient], pt), k.ids))).toEqual(pt);
      const armored = age(['-e', '-r', k.recipient, '-a'], pt).toString();
      expect(armored.startsWith('-----BEGIN AGE ENCRYPTED FILE-----\n')).toBe(true);
      expect(Buffer.from(decryptArmored(armored, k.ids))).toEqual(pt);
    });

    it(`keyfold → age, ${size} bytes, binary and armored`, () => {
      const k = keygen();
      const pt = randomBytes(size);
      expect(age(['-d', '-i', k.path], encrypt(pt, [k.recipient]))).toEqual(pt);
      expect(age(['-d', '-i', k.path], encryptArmored(pt, [k.recipient]))).toEqual(pt);
    });
  }

  it('multiple recipients both ways', () => {
    const ks = [keygen(), keygen(), keygen()];
    const pt = randomBytes(1000);
    const fromAge = age(['-e', '-a', ...ks.flatMap((k) => ['-r', k.recipient])], pt).toString();
    const fromUs = encryptArmored(pt, ks.map((k) => k.recipient));
    for (const k of ks) {
      expect(Buffer.from(decryptArmored(fromAge, k.ids))).toEqual(pt);
      expect(age(['-d', '-i', k.path], fromUs)).toEqual(pt);
    }
    expect(() => decryptArmored(fromAge, keygen().ids)).toThrow(AccessError);
  });

  it('identity files with several keys, comments and CRLF work for both', () => {
    const a = keygen();
    const b = keygen();
    const combined = join(dir, 'combined.txt');
    const text = `# two keys\r\n\r\n${a.text.trim().split('\n').pop()}\r\n# b\r\n${b.text.trim().split('\n').pop()}\r\n`;
    writeFileSync(combined, text);
    const ids = parseIdentities(text);
    expect(ids.map((i) => i.recipient)).toEqual([a.recipient, b.recipient]);
    const file = encrypt(Buffer.from('both'), [b.recipient]);
    expect(age(['-d', '-i', combined], file).toString()).toBe('both');
    expect(Buffer.from(decrypt(age(['-e', '-r', a.recipient], 'hi'), ids)).toString()).toBe('hi');
  });

  it('age rejects what keyfold rejects: a tampered keyfold file', () => {
    const k = keygen();
    const file = Buffer.from(encrypt(randomBytes(64), [k.recipient]));
    file[file.length - 1]! ^= 1;
    expect(() => age(['-d', '-i', k.path], file)).toThrow();
    expect(() => decrypt(file, k.ids)).toThrow();
  });

  it('generateIdentity output is accepted by age-keygen -y and age -d', () => {
    const s = generateIdentity();
    const path = join(dir, 'generated.txt');
    writeFileSync(path, s + '\n');
    const rcpt = execFileSync('age-keygen', ['-y', path]).toString().trim();
    expect(parseIdentities(s)[0]!.recipient).toBe(rcpt);
    expect(age(['-d', '-i', path], encrypt(Buffer.from('ok'), [rcpt])).toString()).toBe('ok');
  });
});
