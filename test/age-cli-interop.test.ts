/**
 * Interop with the real age CLI (1.1.x) and an independent SOPS reader/writer built
 * here from node:crypto and docs/file-format.md alone:
 * - keyfold's envelopes open with `age -d`, and its values and MAC check out by hand;
 * - files from `age -e` (armored and binary) open with keyfold's age layer;
 * - a SOPS file written by hand (envelope from `age -e -a`) opens in keyfold.
 */
import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { parse as parseYamlText } from 'yaml';
import { decrypt, decryptArmored, parseIdentities } from '../src/crypto/age/index.js';
import { runCli, tempDir } from './helpers/cli.js';
import { makeIdentity, makeRepo, type TestIdentity, type TestRepo } from './helpers/repo.js';
import { AGE_CLI, liveChecks } from './helpers/tools.js';

const ageCli = liveChecks(AGE_CLI);
const ENC_RE = /^ENC\[AES256_GCM,data:([A-Za-z0-9+/]*={0,2}),iv:([A-Za-z0-9+/]+={0,2}),tag:([A-Za-z0-9+/]+={0,2}),type:([a-z]+)\]$/;

const ageDecrypt = (input: string | Buffer, identityFile: string): Buffer =>
  execFileSync('age', ['-d', '-i', identityFile], { input, stdio: ['pipe', 'pipe', 'pipe'] });
const ageEncrypt = (input: Buffer, recipients: string[], armor: boolean): Buffer =>
  execFileSync('age', ['-e', ...(armor ? ['-a'] : []), ...recipients.flatMap((r) => ['-r', r])], { input });

/** AES-256-GCM as sops does it: 32-byte IV, 16-byte tag, AAD = path. */
function encValue(plaintext: string, key: Buffer, aad: string, type: string): string {
  const iv = randomBytes(32);
  const c = createCipheriv('aes-256-gcm', key, iv);
  c.setAAD(Buffer.from(aad, 'utf8'));
  const data = Buffer.concat([c.update(plaintext, 'utf8'), c.final()]);
  return `ENC[AES256_GCM,data:${data.toString('base64')},iv:${iv.toString('base64')},tag:${c.getAuthTag().toString('base64')},type:${type}]`;
}

function decValue(enc: string, key: Buffer, aad: string): { text: string; type: string } {
  const m = ENC_RE.exec(enc);
  if (!m) throw new Error('not an ENC value');
  const iv = Buffer.from(m[2]!, 'base64');
  const tag = Buffer.from(m[3]!, 'base64');
  expect(iv.length).toBe(32);
  expect(tag.length).toBe(16);
  const d = createDecipheriv('aes-256-gcm', key, iv);
  d.setAAD(Buffer.from(aad, 'utf8'));
  d.setAuthTag(tag);
  return { text: Buffer.concat([d.update(Buffer.from(m[1]!, 'base64')), d.final()]).toString('utf8'), type: m[4]! };
}

/** Indent an armored age file as the literal block under `enc: |`. */
const encBlock = (armored: string, indent: string) =>
  armored
    .trimEnd()
    .split('\n')
    .map((l) => indent + l)
    .join('\n');

const tmp = tempDir('keyfold-age-');
afterAll(() => tmp.cleanup());

ageCli.describe('a file written by keyfold, read with the age CLI and node:crypto only', () => {
  let a: TestIdentity;
  let b: TestIdentity;
  let encText: string;
  const PLAIN = 'api_key: sk-live-123\nport: 8080\nratio: 0.25\nenabled: true\ndb:\n    password: hunter2\nhosts:\n    - h1\n    - h2\nnote_unencrypted: visible\n';

  beforeAll(async () => {
    a = makeIdentity(tmp.path, 'a');
    b = makeIdentity(tmp.path, 'b');
    writeFileSync(join(tmp.path, 'plain.yaml'), PLAIN);
    const r = await runCli(['encrypt', 'plain.yaml', '-r', a.recipient, '-r', b.recipient], { cwd: tmp.path });
    expect(r.code, r.stderr).toBe(0);
    encText = r.stdout;
  });

  it('every sops.age[].enc opens with `age -d -i` to the same 32-byte data key; values and MAC verify by hand', () => {
    const doc = parseYamlText(encText) as Record<string, unknown> & {
      sops: { age: Array<{ recipient: string; enc: string }>; lastmodified: string; mac: string };
    };
    expect(doc.sops.age.map((e) => e.recipient)).toEqual([a.recipient, b.recipient]);
    const keys = doc.sops.age.map((e, i) => ageDecrypt(e.enc, [a, b][i]!.file));
    for (const k of keys) expect(k.length).toBe(32);
    expect(keys[1]!.equals(keys[0]!)).toBe(true);
    const key = keys[0]!;
    // The other identity cannot open an envelope that is not its own.
    expect(() => ageDecrypt(doc.sops.age[0]!.enc, b.file)).toThrow();

    // Values: AAD is the map-key path plus ':'; list items share their list's path.
    expect(decValue(doc['api_key'] as string, key, 'api_key:')).toEqual({ text: 'sk-live-123', type: 'str' });
    expect(decValue(doc['port'] as string, key, 'port:')).toEqual({ text: '8080', type: 'int' });
    expect(decValue(doc['ratio'] as string, key, 'ratio:')).toEqual({ text: '0.25', type: 'float' });
    expect(decValue(doc['enabled'] as string, key, 'enabled:')).toEqual({ text: 'True', type: 'bool' });
    expect(decValue((doc['db'] as Record<string, string>)['password']!, key, 'db:password:')).toEqual({ text: 'hunter2', type: 'str' });
    const hosts = doc['hosts'] as string[];
    expect(hosts.map((h) => decValue(h, key, 'hosts:').text)).toEqual(['h1', 'h2']);
    expect(doc['note_unencrypted']).toBe('visible');
    // A value under the wrong path does not authenticate.
    expect(() => decValue(doc['api_key'] as string, key, 'port:')).toThrow();

    // MAC: SHA-512 of every leaf's bytes in document order, upper-case hex, AAD = lastmodified.
    const leaves = ['sk-live-123', '8080', '0.25', 'True', 'hunter2', 'h1', 'h2', 'visible'];
    const expectedMac = createHash('sha512').update(leaves.join(''), 'utf8').digest('hex').toUpperCase();
    expect(doc.sops.lastmodified).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    expect(decValue(doc.sops.mac, key, doc.sops.lastmodified)).toEqual({ text: expectedMac, type: 'str' });
  });

  it('and keyfold reads it back', async () => {
    writeFileSync(join(tmp.path, 'k.enc.yaml'), encText);
    for (const who of [a, b]) {
      const r = await runCli(['decrypt', 'k.enc.yaml', '--identity', who.file], { cwd: tmp.path });
      expect(r).toMatchObject({ code: 0, stdout: PLAIN });
    }
  });
});

ageCli.describe('files from the age CLI open with keyfold’s age layer', () => {
  let a: TestIdentity;
  let b: TestIdentity;
  beforeAll(() => {
    a = makeIdentity(tmp.path, 'age-a');
    b = makeIdentity(tmp.path, 'age-b');
  });
  const ids = (id: TestIdentity) => parseIdentities(readFileSync(id.file, 'utf8'));

  // Empty, one byte, exactly one 64 KiB chunk, and several chunks.
  for (const size of [0, 1, 65536, 200_000]) {
    it(`${size} bytes: age -e -a → decryptArmored, age -e → decrypt`, () => {
      const plaintext = randomBytes(size);
      const armored = ageEncrypt(plaintext, [a.recipient, b.recipient], true).toString('utf8');
      expect(armored.startsWith('-----BEGIN AGE ENCRYPTED FILE-----\n')).toBe(true);
      expect(Buffer.from(decryptArmored(armored, ids(a))).equals(plaintext)).toBe(true);
      expect(Buffer.from(decryptArmored(armored, ids(b))).equals(plaintext)).toBe(true);
      const binary = ageEncrypt(plaintext, [a.recipient], false);
      expect(binary.subarray(0, 21).toString('latin1')).toBe('age-encryption.org/v1');
      expect(Buffer.from(decrypt(new Uint8Array(binary), ids(a))).equals(plaintext)).toBe(true);
      // Not a recipient: refused, not garbage.
      expect(() => decrypt(new Uint8Array(binary), ids(b))).toThrow();
    });
  }

  it('an age-CLI file with one flipped payload byte is refused', () => {
    const binary = ageEncrypt(Buffer.from('attack at dawn'), [a.recipient], false);
    const bad = Buffer.from(binary);
    bad[bad.length - 5]! ^= 0x01;
    expect(() => decrypt(new Uint8Array(bad), ids(a))).toThrow();
  });
});

ageCli.describe('an independent SOPS writer: envelope from `age -e -a`, values and MAC by hand', () => {
  let repo: TestRepo;
  let dataKey: Buffer;
  const LASTMODIFIED = '2024-05-01T12:00:00Z';

  function handMadeFile(recipient: string, opts: { badMac?: boolean } = {}): string {
    const k = dataKey;
    const leaves: string[] = [];
    const v = (text: string, aad: string, type: string) => {
      leaves.push(text);
      return encValue(text, k, aad, type);
    };
    const lines = [
      `#${encValue(' written by hand', k, ':', 'comment')}`,
      `API_KEY: ${v('sk-hand-made', 'API_KEY:', 'str')}`,
      `"123": ${v('number-like key', '123:', 'str')}`,
      `port: ${v('5432', 'port:', 'int')}`,
      `ratio: ${v('1.5', 'ratio:', 'float')}`,
      `debug: ${v('False', 'debug:', 'bool')}`,
      'db:',
      `    password: ${v('p@ss: word', 'db:password:', 'str')}`,
      `    user: ${v('app', 'db:user:', 'str')}`,
      'hosts:',
      `    - ${v('a.example', 'hosts:', 'str')}`,
      `    - ${v('b.example', 'hosts:', 'str')}`,
    ];
    leaves.push('shown');
    lines.push('region_unencrypted: shown', 'empty: ""');
    const mac = createHash('sha512')
      .update(leaves.join('') + (opts.badMac ? 'x' : ''), 'utf8')
      .digest('hex')
      .toUpperCase();
    const envelope = ageEncrypt(k, [recipient], true).toString('utf8');
    lines.push(
      'sops:',
      '    age:',
      `        - recipient: ${recipient}`,
      '          enc: |',
      encBlock(envelope, '              '),
      `    lastmodified: "${LASTMODIFIED}"`,
      `    mac: ${encValue(mac, k, LASTMODIFIED, 'str')}`,
      '    unencrypted_suffix: _unencrypted',
      '    version: 3.8.1',
      '',
    );
    return lines.join('\n');
  }

  const EXPECTED = {
    API_KEY: 'sk-hand-made',
    '123': 'number-like key',
    port: 5432,
    ratio: 1.5,
    debug: false,
    db: { password: 'p@ss: word', user: 'app' },
    hosts: ['a.example', 'b.example'],
    region_unencrypted: 'shown',
    empty: '',
  };

  beforeAll(async () => {
    repo = await makeRepo({ keyPattern: '.+' });
    dataKey = randomBytes(32);
    mkdirSync(join(repo.dir, 'secrets', 'dev', 'hand'), { recursive: true });
  });
  afterAll(() => repo?.cleanup());

  it('keyfold decrypts it: decrypt outside a repo, get/show as a ref under secrets/ (strict metadata)', async () => {
    const text = handMadeFile(repo.admin.recipient);
    const outside = join(tmp.path, 'hand.enc.yaml');
    writeFileSync(outside, text);
    const d = await runCli(['decrypt', 'hand.enc.yaml', '--json', '--identity', repo.admin.file], { cwd: tmp.path });
    expect(d.code, d.stderr).toBe(0);
    expect(JSON.parse(d.stdout)).toEqual({ 'hand.enc.yaml': EXPECTED });
    const y = await runCli(['decrypt', 'hand.enc.yaml', '--identity', repo.admin.file], { cwd: tmp.path });
    expect(y.stdout.startsWith('# written by hand\nAPI_KEY: sk-hand-made\n"123": number-like key\n')).toBe(true);

    writeFileSync(join(repo.dir, 'secrets/dev/hand/made.yaml'), text);
    expect(await repo.run(['get', 'dev/hand/made', 'db.password'])).toMatchObject({ code: 0, stdout: 'p@ss: word\n' });
    expect(await repo.run(['get', 'dev/hand/made', '123'])).toMatchObject({ code: 0, stdout: 'number-like key\n' });
    expect(JSON.parse((await repo.run(['show', 'dev/hand/made', '--json'])).stdout)).toEqual(EXPECTED);
  });

  it('a MAC that does not match the values is refused (exit 5), so the check above was real', async () => {
    writeFileSync(join(repo.dir, 'secrets/dev/hand/badmac.yaml'), handMadeFile(repo.admin.recipient, { badMac: true }));
    const r = await repo.run(['get', 'dev/hand/made-missing', 'API_KEY']);
    expect(r.code).toBe(6);
    const bad = await repo.run(['show', 'dev/hand/badmac']);
    expect(bad.code).toBe(5);
    expect(bad.stdout).toBe('');
    expect(bad.stderr).toMatch(/MAC/);
  });

  it('after keyfold rewrites it (set), the hand-written reader still decrypts every value and verifies the MAC', async () => {
    const before = parseYamlText(readFileSync(join(repo.dir, 'secrets/dev/hand/made.yaml'), 'utf8')) as Record<string, unknown>;
    expect((await repo.run(['set', 'dev/hand/made', 'db.user', '--value', 'admin'])).code).toBe(0);
    const text = readFileSync(join(repo.dir, 'secrets/dev/hand/made.yaml'), 'utf8');
    const doc = parseYamlText(text) as Record<string, unknown> & { sops: { age: Array<{ enc: string }>; lastmodified: string; mac: string } };
    // Same data key (the envelope opens with age to the key we chose), unchanged values verbatim.
    expect(ageDecrypt(doc.sops.age[0]!.enc, repo.admin.file).equals(dataKey)).toBe(true);
    expect(doc['API_KEY']).toBe(before['API_KEY']);
    expect((doc['db'] as Record<string, string>)['password']).toBe((before['db'] as Record<string, string>)['password']);
    expect((doc['db'] as Record<string, string>)['user']).not.toBe((before['db'] as Record<string, string>)['user']);
    expect(decValue((doc['db'] as Record<string, string>)['user']!, dataKey, 'db:user:')).toEqual({ text: 'admin', type: 'str' });
    expect(decValue(doc['debug'] as string, dataKey, 'debug:')).toEqual({ text: 'False', type: 'bool' });
    const leaves = ['sk-hand-made', 'number-like key', '5432', '1.5', 'False', 'p@ss: word', 'admin', 'a.example', 'b.example', 'shown'];
    const mac = createHash('sha512').update(leaves.join(''), 'utf8').digest('hex').toUpperCase();
    expect(doc.sops.lastmodified).not.toBe(LASTMODIFIED);
    expect(decValue(doc.sops.mac, dataKey, doc.sops.lastmodified)).toEqual({ text: mac, type: 'str' });
    // The comment is still there, encrypted, and still opens with AAD ':'.
    const comment = /^#(ENC\[[^\]]+\])$/m.exec(text)![1]!;
    expect(decValue(comment, dataKey, ':')).toEqual({ text: ' written by hand', type: 'comment' });
  });
});
