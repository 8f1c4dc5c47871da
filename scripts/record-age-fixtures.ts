/**
 * Records test/fixtures/age-cli from the real age CLI (age, age-keygen on PATH) and
 * keyfold's built CLI (dist/keyfold.js). Not run by the tests; run it by hand when the
 * fixtures have to change:
 *
 *   npm run build && npx tsx scripts/record-age-fixtures.ts
 *
 * It replaces everything in test/fixtures/age-cli except README.md and .gitattributes.
 * The identities are fresh test keys; they protect nothing.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { createCipheriv, randomBytes, createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { parse as parseYamlText } from 'yaml';
import { encrypt, encryptArmored, generateIdentity } from '../src/crypto/age/index.js';
import { AGE_FIXTURES as OUT, plaintext, sha256, type AgeFixtureManifest, type EncryptedEntry, type IdentityEntry, type SopsEntry, type TamperEntry, type ToolRun } from '../test/helpers/age-fixtures.js';
import { CLI, ROOT, runCli, tempDir } from '../test/helpers/cli.js';

const KEEP = new Set(['README.md', '.gitattributes']);

function need(tool: string): void {
  const r = spawnSync(tool, ['--version'], { encoding: 'utf8' });
  if (r.error || r.status !== 0) {
    console.error(`record-age-fixtures: ${tool} not found; install age (apt-get install age) and try again`);
    process.exit(1);
  }
}
need('age');
need('age-keygen');
if (!existsSync(CLI)) {
  console.error('record-age-fixtures: dist/keyfold.js is missing; run `npm run build` first');
  process.exit(1);
}

const version = (tool: string) => execFileSync(tool, ['--version'], { encoding: 'utf8' }).trim();
const rel = (p: string) => relative(OUT, p);
const write = (name: string, data: string | Uint8Array) => {
  const p = join(OUT, name);
  mkdirSync(dirname(p), { recursive: true });
  writeFileSync(p, data);
  return p;
};

/** Run a tool; record the command with fixture-relative paths. */
function run(tool: string, args: string[], stdin?: string): { out: Buffer; rec: ToolRun } {
  const input = stdin === undefined ? undefined : readFileSync(join(OUT, stdin));
  const r = spawnSync(tool, args, { input, maxBuffer: 64 * 1024 * 1024, cwd: OUT });
  if (r.error) throw r.error;
  const out = r.stdout;
  const text = out.toString('utf8');
  const rec: ToolRun = {
    command: [tool, ...args],
    ...(stdin === undefined ? {} : { stdin }),
    exitCode: r.status ?? -1,
    stdoutSha256: sha256(out),
    stdoutLength: out.length,
    ...(out.length <= 64 ? { stdoutHex: out.toString('hex') } : {}),
    ...(out.length <= 200 && /^[\x20-\x7e\n]*$/.test(text) ? { stdoutText: text } : {}),
    stderr: r.stderr.toString('utf8'),
  };
  return { out, rec };
}

// Start clean.
mkdirSync(OUT, { recursive: true });
for (const e of readdirSync(OUT)) if (!KEEP.has(e)) rmSync(join(OUT, e), { recursive: true, force: true });

// ---- identities ----------------------------------------------------------------------------
mkdirSync(join(OUT, 'identities'), { recursive: true });
const identities: IdentityEntry[] = [];
const recipientOf = new Map<string, string>();
const fileOf = new Map<string, string>();
function addIdentity(name: string, file: string, madeBy: IdentityEntry['madeBy']): void {
  const { out, rec } = run('age-keygen', ['-y', file]);
  if (rec.exitCode !== 0) throw new Error(`age-keygen -y ${file}: ${rec.stderr}`);
  identities.push({ name, file, madeBy, ageKeygenY: rec });
  recipientOf.set(name, out.toString('utf8').trim().split('\n')[0]!);
  fileOf.set(name, file);
}
for (const n of [1, 2, 3]) {
  execFileSync('age-keygen', ['-o', join(OUT, `identities/id${n}.txt`)], { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, TZ: 'UTC' } });
  addIdentity(`id${n}`, `identities/id${n}.txt`, 'age-keygen');
}
for (const n of [1, 2]) {
  write(`identities/keyfold-generated${n}.txt`, generateIdentity() + '\n');
  addIdentity(`keyfold-generated${n}`, `identities/keyfold-generated${n}.txt`, 'keyfold generateIdentity()');
}
{
  const tmp = tempDir('keyfold-record-');
  const r = await runCli(['keygen', '-o', join(tmp.path, 'k.txt')], { cwd: tmp.path, env: { HOME: tmp.path } });
  if (r.code !== 0) throw new Error(`keyfold keygen: ${r.stderr}`);
  write('identities/keyfold-keygen.txt', readFileSync(join(tmp.path, 'k.txt')));
  tmp.cleanup();
  addIdentity('keyfold-keygen', 'identities/keyfold-keygen.txt', 'keyfold keygen -o (dist/keyfold.js)');
}
{
  // Two keys, comments, blank lines, CRLF (as the live interop test builds it).
  const last = (f: string) => readFileSync(join(OUT, f), 'utf8').trim().split('\n').pop()!;
  write('identities/combined-crlf.txt', `# two keys\r\n\r\n${last('identities/id1.txt')}\r\n# b\r\n${last('identities/id2.txt')}\r\n`);
  addIdentity('combined-crlf', 'identities/combined-crlf.txt', 'by hand (CRLF, comments, two keys)');
}

// ---- files from age -e, and from keyfold ---------------------------------------------------
const files: EncryptedEntry[] = [];
const seedOf = (size: number) => `keyfold-age-fixture/${size}`;
const ptFile = (size: number) => {
  // age reads the plaintext from stdin; keep it out of the fixture folder.
  const p = join(tmpPt.path, `p${size}`);
  if (!existsSync(p)) writeFileSync(p, plaintext(seedOf(size), size));
  return p;
};
const tmpPt = tempDir('keyfold-record-pt-');
const ptRef = (size: number) => ({ seed: seedOf(size), size, sha256: sha256(plaintext(seedOf(size), size)) });

function fromAge(size: number, to: string[], armored: boolean): void {
  const name = `from-age/${size}-${to.length}r.${armored ? 'asc' : 'age'}`;
  const args = ['-e', ...(armored ? ['-a'] : []), ...to.flatMap((n) => ['-r', recipientOf.get(n)!])];
  const out = execFileSync('age', args, { input: readFileSync(ptFile(size)), maxBuffer: 64 * 1024 * 1024 });
  write(name, out);
  files.push({ file: name, by: 'age', command: ['age', ...args], armored, recipients: to, plaintext: ptRef(size) });
}

function fromKeyfold(size: number, to: string[], armored: boolean, name = `from-keyfold/${size}-${to.length}r.${armored ? 'asc' : 'age'}`): EncryptedEntry {
  const pt = plaintext(seedOf(size), size);
  const rcpts = to.map((n) => recipientOf.get(n)!);
  write(name, armored ? encryptArmored(pt, rcpts) : encrypt(pt, rcpts));
  const ageDecrypt = to.map((n) => run('age', ['-d', '-i', fileOf.get(n)!], name).rec);
  for (const d of ageDecrypt) if (d.exitCode !== 0 || d.stdoutSha256 !== sha256(pt)) throw new Error(`age -d ${name}: ${d.stderr}`);
  const fn = armored ? 'encryptArmored' : 'encrypt';
  const e: EncryptedEntry = { file: name, by: 'keyfold', command: [`src/crypto/age/index.ts ${fn}(plaintext, [${to.join(', ')}])`], armored, recipients: to, plaintext: ptRef(size), ageDecrypt };
  files.push(e);
  return e;
}

const ONE = ['id1'];
const SEVERAL = ['id1', 'id2', 'id3'];
// Small sizes: every combination. Around the 64 KiB chunk and ~200 KiB: binary and armored,
// one and several recipients spread over the sizes to keep the folder small.
for (const size of [0, 1, 32, 1000]) for (const to of [ONE, SEVERAL]) for (const armored of [false, true]) fromAge(size, to, armored);
for (const size of [65535, 65536, 65537]) {
  fromAge(size, ONE, false);
  fromAge(size, SEVERAL, true);
}
fromAge(200_000, SEVERAL, false);
fromAge(200_000, ONE, true);
// To the keyfold-made identities (age-keygen -y above shows age reads them).
fromAge(5, ['keyfold-generated1'], false);
fromAge(14, ['keyfold-keygen'], true);
fromAge(2, ['id1'], false); // opened through combined-crlf.txt in the test

for (const size of [0, 1, 32]) {
  fromKeyfold(size, ONE, false);
  fromKeyfold(size, ONE, true);
  fromKeyfold(size, SEVERAL, true);
}
fromKeyfold(1000, SEVERAL, false);
fromKeyfold(1000, SEVERAL, true);
fromKeyfold(65536, ONE, false);
fromKeyfold(65537, ONE, true);
fromKeyfold(131_073, ONE, false); // three chunks, the last one byte
fromKeyfold(2, ['keyfold-generated2'], false);
fromKeyfold(4, ['keyfold-keygen'], true);
{
  // Opened by age through the CRLF identity file (the second key in it).
  const e = fromKeyfold(4, ['id2'], false, 'from-keyfold/4-1r-id2.age');
  e.ageDecrypt!.push(run('age', ['-d', '-i', 'identities/combined-crlf.txt'], e.file).rec);
}

// ---- tampered files: what age -d says ------------------------------------------------------
const tampered: TamperEntry[] = [];
function tamper(of: string, offset: number, where: string, identity: string): void {
  const bytes = Buffer.from(readFileSync(join(OUT, of)));
  const at = offset < 0 ? bytes.length + offset : offset;
  bytes[at]! ^= 0x01;
  const name = of.replace(/(\.age)$/, `.flip${offset}$1`);
  write(`tampered/${name.split('/').pop()}`, bytes);
  const { rec } = run('age', ['-d', '-i', fileOf.get(identity)!], `tampered/${name.split('/').pop()}`);
  if (rec.exitCode === 0) throw new Error(`age accepted ${name}`);
  rmSync(join(OUT, `tampered/${name.split('/').pop()}`));
  tampered.push({ of, offset, xor: 1, where, ageDecrypt: { ...rec, stdin: `${of} with byte ${offset} ^ 0x01` } });
}
{
  const headerEnd = (f: string) => {
    const b = readFileSync(join(OUT, f));
    return b.indexOf('\n---') + 1;
  };
  for (const of of ['from-age/1000-1r.age', 'from-keyfold/1000-3r.age']) {
    tamper(of, -5, 'payload (last chunk)', 'id1');
    tamper(of, headerEnd(of) + 10, 'header MAC', 'id1');
    tamper(of, 'age-encryption.org/v1\n-> X25519 '.length + 3, 'X25519 stanza share', 'id1');
  }
  tamper('from-age/200000-3r.age', headerEnd('from-age/200000-3r.age') + 4 + 43 + 1 + 16 + 100, 'payload (first chunk)', 'id2');
}

// ---- SOPS files ----------------------------------------------------------------------------
const sops: SopsEntry[] = [];
const envelopes = (text: string) => (parseYamlText(text) as { sops: { age: Array<{ recipient: string; enc: string }> } }).sops.age;
{
  // Written by the built CLI, to two recipients.
  const tmp = tempDir('keyfold-record-sops-');
  const PLAIN = 'api_key: sk-live-123\nport: 8080\nratio: 0.25\nenabled: true\ndb:\n    password: hunter2\nhosts:\n    - h1\n    - h2\nnote_unencrypted: visible\n';
  writeFileSync(join(tmp.path, 'plain.yaml'), PLAIN);
  const r = await runCli(['encrypt', 'plain.yaml', '-r', recipientOf.get('id1')!, '-r', recipientOf.get('id2')!], { cwd: tmp.path, env: { HOME: tmp.path } });
  if (r.code !== 0) throw new Error(`keyfold encrypt: ${r.stderr}`);
  tmp.cleanup();
  write('sops/keyfold-encrypt.plain.yaml', PLAIN);
  write('sops/keyfold-encrypt.enc.yaml', r.stdout);
  const ageDecrypt = envelopes(r.stdout).map((e, i) => {
    write('sops/.envelope', e.enc);
    const { rec } = run('age', ['-d', '-i', fileOf.get(['id1', 'id2'][i]!)!], 'sops/.envelope');
    return { ...rec, stdin: `sops/keyfold-encrypt.enc.yaml sops.age[${i}].enc` };
  });
  rmSync(join(OUT, 'sops/.envelope'));
  sops.push({ file: 'sops/keyfold-encrypt.enc.yaml', by: 'keyfold encrypt plain.yaml -r id1 -r id2 (dist/keyfold.js)', plain: 'sops/keyfold-encrypt.plain.yaml', recipients: ['id1', 'id2'], ageDecrypt });
}
{
  // Written by hand (as in test/age-cli-interop.test.ts): values and MAC with node:crypto,
  // the data key's envelope from `age -e -a`.
  const dataKey = randomBytes(32);
  const LASTMODIFIED = '2024-05-01T12:00:00Z';
  const encValue = (text: string, aad: string, type: string) => {
    const iv = randomBytes(32);
    const c = createCipheriv('aes-256-gcm', dataKey, iv);
    c.setAAD(Buffer.from(aad, 'utf8'));
    const data = Buffer.concat([c.update(text, 'utf8'), c.final()]);
    return `ENC[AES256_GCM,data:${data.toString('base64')},iv:${iv.toString('base64')},tag:${c.getAuthTag().toString('base64')},type:${type}]`;
  };
  const leaves: string[] = [];
  const v = (text: string, aad: string, type: string) => (leaves.push(text), encValue(text, aad, type));
  const lines = [
    `#${encValue(' written by hand', ':', 'comment')}`,
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
  const mac = createHash('sha512').update(leaves.join(''), 'utf8').digest('hex').toUpperCase();
  const envelope = execFileSync('age', ['-e', '-a', '-r', recipientOf.get('id3')!], { input: dataKey }).toString('utf8');
  lines.push(
    'sops:',
    '    age:',
    `        - recipient: ${recipientOf.get('id3')}`,
    '          enc: |',
    envelope
      .trimEnd()
      .split('\n')
      .map((l) => '              ' + l)
      .join('\n'),
    `    lastmodified: "${LASTMODIFIED}"`,
    `    mac: ${encValue(mac, LASTMODIFIED, 'str')}`,
    '    unencrypted_suffix: _unencrypted',
    '    version: 3.8.1',
    '',
  );
  write('sops/hand-made.enc.yaml', lines.join('\n'));
  write(
    'sops/hand-made.expected.json',
    JSON.stringify({ API_KEY: 'sk-hand-made', '123': 'number-like key', port: 5432, ratio: 1.5, debug: false, db: { password: 'p@ss: word', user: 'app' }, hosts: ['a.example', 'b.example'], region_unencrypted: 'shown', empty: '' }, null, 2) + '\n',
  );
  write('sops/.envelope', envelope);
  const { rec } = run('age', ['-d', '-i', fileOf.get('id3')!], 'sops/.envelope');
  rmSync(join(OUT, 'sops/.envelope'));
  if (rec.stdoutHex !== dataKey.toString('hex')) throw new Error('age -d of the hand-made envelope');
  sops.push({ file: 'sops/hand-made.enc.yaml', by: 'by hand: node:crypto values and MAC, envelope from `age -e -a -r id3`', expectedJson: 'sops/hand-made.expected.json', recipients: ['id3'], ageDecrypt: [{ ...rec, stdin: 'sops/hand-made.enc.yaml sops.age[0].enc' }] });
}
tmpPt.cleanup();

const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string };
const commit = spawnSync('git', ['rev-parse', 'HEAD'], { cwd: ROOT, encoding: 'utf8' }).stdout.trim();
const manifest: AgeFixtureManifest = {
  recorded: new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'),
  age: { version: version('age'), ageKeygenVersion: version('age-keygen') },
  keyfold: { version: pkg.version, commit },
  generator: 'plaintext(seed, size) in test/helpers/age-fixtures.ts: SHA-256(`${seed}/${i}`) for i = 0, 1, … concatenated, cut to size',
  identities,
  files,
  tampered,
  sops,
};
write('manifest.json', JSON.stringify(manifest, null, 2) + '\n');
const total = (dir: string): number =>
  readdirSync(dir, { withFileTypes: true }).reduce((n, e) => n + (e.isDirectory() ? total(join(dir, e.name)) : readFileSync(join(dir, e.name)).length), 0);
console.log(`recorded ${identities.length} identities, ${files.length} files, ${tampered.length} tamper checks, ${sops.length} SOPS files from age ${manifest.age.version} into ${rel(OUT) || relative(ROOT, OUT)} (${(total(OUT) / 1024).toFixed(0)} KiB)`);
