/**
 * Every sops format, through keyfold's ops (`encrypt`, `decrypt`, `edit` on paths) and
 * checked by the independent reference reader (test/helpers/reference-sops.ts): a file
 * keyfold encrypts opens to the original in both; and the metadata variants real sops
 * writes: mac_only_encrypted, no version, type:time, integers beyond int64.
 */
import { mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { Document } from 'yaml';
import { parseIdentities } from '../src/crypto/age/index.js';
import { newDataKey, wrapDataKey } from '../src/crypto/data-key.js';
import type { SopsFormat } from '../src/formats/stores/registry.js';
import { isTimeNode } from '../src/formats/scalar-codec.js';
import { parseYaml, resolveTimes } from '../src/formats/yaml.js';
import { normalizeNumbers } from '../src/formats/json.js';
import { openSopsFile, parseSopsFile } from '../src/sops/file.js';
import { findPlaintext } from '../src/sops/plaintext-values.js';
import { sealDocument, sealSopsFile } from '../src/sops/seal.js';
import { nextLastModified, type SopsMetadata } from '../src/sops/metadata.js';
import { Workspace } from '../src/ops/context/workspace.js';
import { decryptSopsPaths, encryptSopsFile } from '../src/ops/secrets/file-crypt.js';
import { editPath } from '../src/ops/secrets/edit.js';
import { tempDir } from './helpers/cli.js';
import { makeIdentity } from './helpers/repo.js';
import { decryptSopsReference, parseIdentityFile } from './helpers/reference-sops.js';

const tmp = tempDir();
afterAll(() => tmp.cleanup());
const me = makeIdentity(tmp.path, 'me');
const secrets = parseIdentityFile(readFileSync(me.file, 'utf8'));
const identities = parseIdentities(readFileSync(me.file, 'utf8'));
const ws = () => new Workspace({ cwd: tmp.path, env: {}, identity: [me.file] });
const reference = (text: string, format: SopsFormat) => decryptSopsReference(text, format, secrets);
const json = (v: unknown) => JSON.parse(JSON.stringify(normalizeNumbers(v), (_k, x: unknown) => (typeof x === 'bigint' ? x.toString() : x))) as unknown;
let n = 0;
const write = (name: string, content: string | Buffer) => {
  const file = `${n++}-${name}`;
  writeFileSync(join(tmp.path, file), content);
  return file;
};
const open = (text: string, format: SopsFormat = 'yaml') => openSopsFile(parseSopsFile(text, 'f', { strict: false, format }), identities, 'f');
const seal = (plain: Document, format: SopsFormat = 'yaml', previous?: SopsMetadata) => {
  const dataKey = newDataKey();
  return sealSopsFile(plain, { dataKey, groups: wrapDataKey(dataKey, [[me.recipient]], 1), threshold: 1, format, previous }, 'f');
};

/** A plaintext of each format, written as keyfold writes that format (so it round-trips byte for byte). */
const SAMPLES: Array<{ format: SopsFormat; name: string; text: string | Buffer; expected: unknown }> = [
  {
    format: 'yaml',
    name: 'plain.yaml',
    text: '# top comment\na: 1\nb:\n    c: x\n    d:\n        - 1.5\n        - true\n        - null\nn_unencrypted: plain\ne: |\n    multi\n    line\n',
    expected: { a: 1, b: { c: 'x', d: [1.5, true, null] }, n_unencrypted: 'plain', e: 'multi\nline\n' },
  },
  {
    format: 'json',
    name: 'plain.json',
    text: '{\n\t"z": 1,\n\t"b": {\n\t\t"c": "\\u003cx\\u003e",\n\t\t"d": [\n\t\t\t1.5,\n\t\t\ttrue,\n\t\t\tnull\n\t\t]\n\t},\n\t"n_unencrypted": "plain",\n\t"e": ""\n}\n',
    expected: { z: 1, b: { c: '<x>', d: [1.5, true, null] }, n_unencrypted: 'plain', e: '' },
  },
  {
    format: 'dotenv',
    name: 'plain.env',
    text: '# a comment\nA=1\nB=multi\\nline\nC_unencrypted=plain\nD=\n#trailing\n',
    expected: { A: '1', B: 'multi\nline', C_unencrypted: 'plain', D: '' },
  },
  {
    format: 'ini',
    name: 'plain.ini',
    text: 'top = level\n\n[db]\nhost = localhost\n; the port\nport = 5432\n\n[app_unencrypted]\nname = keyfold\n',
    expected: { DEFAULT: { top: 'level' }, db: { host: 'localhost', port: '5432' }, app_unencrypted: { name: 'keyfold' } },
  },
  { format: 'binary', name: 'plain.txt', text: 'any text, even\n{"json": true}\n', expected: { data: 'any text, even\n{"json": true}\n' } },
];

describe('encrypt → decrypt in every format: keyfold and the reference reader agree', () => {
  for (const s of SAMPLES) {
    it(`${s.format}: encrypt FILE, then the reference and keyfold open it to the original`, async () => {
      const file = write(s.name, s.text);
      const r = await encryptSopsFile(ws(), file, { recipients: [me.recipient] });
      expect(r.format).toBe(s.format);
      expect(await reference(r.text, s.format)).toEqual(s.expected);
      const enc = write(`enc-${s.name}`, r.text);
      const [d] = decryptSopsPaths(ws(), [enc]);
      expect(d!.format).toBe(s.format);
      expect(json(d!.doc.toJS())).toEqual(s.expected);
      expect(d!.plaintext().toString()).toBe(s.text.toString());
    });
  }

  it('binary: bytes that are not UTF-8 survive encrypt and decrypt in place', async () => {
    const raw = Buffer.from([0x00, 0xff, 0xfe, 0x41, 0x0a, 0xc3]);
    const file = write('blob.bin', raw);
    await encryptSopsFile(ws(), file, { recipients: [me.recipient], inPlace: true });
    expect(readFileSync(join(tmp.path, file), 'utf8')).toMatch(/^\{\n\t"data": "ENC\[AES256_GCM,/);
    decryptSopsPaths(ws(), [file], { inPlace: true });
    expect(readFileSync(join(tmp.path, file)).equals(raw)).toBe(true);
    expect(statSync(join(tmp.path, file)).mode & 0o777).toBe(0o600);
  });

  it('inputType / outputType override the extension (a .txt dotenv, written as JSON)', async () => {
    const file = write('vars.txt', 'A=1\nB=2\n');
    const r = await encryptSopsFile(ws(), file, { recipients: [me.recipient], inputType: 'dotenv', outputType: 'json' });
    expect(r.text).toMatch(/^\{\n\t"A": "ENC\[/);
    expect(await reference(r.text, 'json')).toEqual({ A: '1', B: '2' });
    const enc = write('vars.enc.txt', r.text);
    expect(() => decryptSopsPaths(ws(), [enc], {})).not.toThrow(); // a .txt is binary: sops' JSON envelope
    const [d] = decryptSopsPaths(ws(), [enc], { inputType: 'json', outputType: 'dotenv' });
    expect(d!.plaintext().toString()).toBe('A=1\nB=2\n');
    expect(() => decryptSopsPaths(ws(), [write('vars2.txt', 'A=1\n')])).toThrow(/not an encrypted binary file[\s\S]*/);
  });

  it('refuses to encrypt a file that already carries sops metadata, in its own format', async () => {
    await expect(encryptSopsFile(ws(), write('x.env', 'A=1\nsops_version=3.8.1\n'), { recipients: [me.recipient] })).rejects.toThrow(/already encrypted/);
    await expect(encryptSopsFile(ws(), write('x.ini', '[sops]\nversion = 1\n'), { recipients: [me.recipient] })).rejects.toThrow(/already encrypted/);
  });

  it('directory walks find encrypted files of every structured format, skipping look-alikes', async () => {
    const dir = `${n++}-walk`;
    const sub = join(tmp.path, dir);
    mkdirSync(sub);
    for (const s of SAMPLES.filter((x) => x.format !== 'binary')) {
      const r = await encryptSopsFile(ws(), write(s.name, s.text), { recipients: [me.recipient] });
      writeFileSync(join(sub, `enc-${s.name}`), r.text);
    }
    writeFileSync(join(sub, 'package.json'), '{"name": "x", "deps": {"sops": "1"}}\n');
    const files = decryptSopsPaths(ws(), [dir]);
    expect(files.map((f) => [f.file.split('/').pop(), f.format])).toEqual([
      ['enc-plain.env', 'dotenv'],
      ['enc-plain.ini', 'ini'],
      ['enc-plain.json', 'json'],
      ['enc-plain.yaml', 'yaml'],
    ]);
  });

  const roundTrip = (format: SopsFormat, doc: fc.Arbitrary<Document>) =>
    fc.assert(
      fc.asyncProperty(doc, async (plain) => {
        const expected = json(plain.toJS());
        const text = seal(plain, format);
        expect(await reference(text, format)).toEqual(expected);
        expect(json(open(text, format).plain.toJS())).toEqual(expected);
      }),
      { numRuns: 25 },
    );
  const key = fc.stringMatching(/^[A-Za-z][A-Za-z0-9_]{0,8}$/).filter((k) => !k.startsWith('sops'));
  const text = fc.string({ maxLength: 16 }).filter((v) => !/[\r`"'\\]/.test(v) && v.trim() === v && !v.startsWith('\n'));

  it('random JSON documents round-trip (fast-check)', async () => {
    const value = fc.oneof(fc.string(), fc.integer(), fc.double({ noNaN: true, noDefaultInfinity: true }).map((x) => (Object.is(x, -0) ? 0 : x)), fc.boolean(), fc.constant(null), fc.array(fc.string(), { maxLength: 3 }));
    await roundTrip('json', fc.dictionary(key, value, { maxKeys: 6 }).map((o) => new Document(o, { intAsBigInt: true })));
  });

  it('random dotenv and INI documents round-trip (fast-check)', async () => {
    await roundTrip('dotenv', fc.dictionary(key, text, { maxKeys: 6 }).map((o) => new Document(o)));
    await roundTrip('ini', fc.dictionary(key, fc.dictionary(key, text, { minKeys: 1, maxKeys: 4 }), { maxKeys: 4 }).map((o) => new Document(o)));
  });
});

describe('mac_only_encrypted: true', () => {
  const previous = (macOnlyEncrypted: boolean): SopsMetadata => ({
    groups: [],
    threshold: 1,
    lastModified: nextLastModified(new Date()),
    mac: undefined,
    selection: { kind: 'unencrypted_suffix', value: '_unencrypted' },
    macOnlyEncrypted,
    version: '3.13.1',
    foreignSources: [],
  });
  const text = seal(parseYaml('secret: s3cret\nnote_unencrypted: visible\n', 'f'), 'yaml', previous(true));

  it('is written with the flag, opens in keyfold and in the reference reader', async () => {
    expect(text).toMatch(/\n {4}mac_only_encrypted: true\n/);
    expect(json(open(text).plain.toJS())).toEqual({ secret: 's3cret', note_unencrypted: 'visible' });
    expect(await reference(text, 'yaml')).toEqual({ secret: 's3cret', note_unencrypted: 'visible' });
  });

  it('the MAC starts from sops’ fixed value: without it the same file does not verify', () => {
    expect(() => open(text.replace(/\n {4}mac_only_encrypted: true\n/, '\n'))).toThrow(/MAC mismatch/);
  });

  it('covers only encrypted values (as sops): an unencrypted value may change, an encrypted one may not', () => {
    expect(open(text.replace('visible', 'changed')).plain.get('note_unencrypted')).toBe('changed');
    expect(() => open(text.replace(/^secret: .*$/m, 'secret: ""'))).toThrow(/MAC mismatch/);
  });

  it('a rewrite keeps the flag (the reference verifies it); files under secrets/ still refuse it (S1)', async () => {
    const opened = open(text);
    opened.plain.set('secret', 'new');
    const again = sealDocument(opened.plain, { kind: 'keep', opened }, 'f');
    expect(again).toMatch(/mac_only_encrypted: true/);
    expect(await reference(again, 'yaml')).toEqual({ secret: 'new', note_unencrypted: 'visible' });
    expect(() => parseSopsFile(text, 'f', { strict: true })).toThrow(/refused: sops metadata field "mac_only_encrypted"/);
  });

  it('in a dotenv file the flag is text ("true"), read weakly typed as sops does', async () => {
    const env = seal(new Document({ A: 'x', B_unencrypted: 'y' }), 'dotenv', previous(true));
    expect(env).toMatch(/^sops_mac_only_encrypted=true$/m);
    expect(await reference(env, 'dotenv')).toEqual({ A: 'x', B_unencrypted: 'y' });
    expect(json(open(env.replace('B_unencrypted=y', 'B_unencrypted=z'), 'dotenv').plain.toJS())).toEqual({ A: 'x', B_unencrypted: 'z' });
  });
});

describe('files without a version', () => {
  const text = seal(parseYaml('a: 1\n', 'f')).replace(/\n {4}version: .*\n/, '\n');

  it('open end to end (library, strict too), and a rewrite writes one', async () => {
    expect(text).not.toMatch(/version/);
    expect(json(open(text).plain.toJS())).toEqual({ a: 1 });
    expect(() => parseSopsFile(text, 'f', { strict: true })).not.toThrow();
    expect(await reference(text, 'yaml')).toEqual({ a: 1 });
    const opened = open(text);
    expect(sealDocument(opened.plain, { kind: 'keep', opened }, 'f')).toMatch(/\n {4}version: 3\.8\.1\n/);
    const [d] = decryptSopsPaths(ws(), [write('nover.yaml', text)]);
    expect(json(d!.doc.toJS())).toEqual({ a: 1 });
  });
});

describe('type:time (sops ≥ 3.10)', () => {
  const plain = parseYaml('t: !!timestamp 2024-01-02T03:04:05.5+01:00\ns: "2024-01-02"\nother: x\n', 'f');
  const text = seal(plain);

  it('a time is encrypted as type:time; the reference and keyfold read its text; validate accepts it', async () => {
    expect(text).toMatch(/^t: ENC\[.*,type:time\]$/m);
    expect(text).toMatch(/^s: ENC\[.*,type:str\]$/m);
    expect(await reference(text, 'yaml')).toEqual({ t: '2024-01-02T03:04:05.5+01:00', s: '2024-01-02', other: 'x' });
    const opened = open(text);
    const t = opened.plain.get('t', true) as never;
    expect(opened.plain.get('t')).toBe('2024-01-02T03:04:05.5+01:00');
    expect(isTimeNode(t)).toBe(true);
    const parsed = parseSopsFile(text, 'f', { strict: true });
    expect(findPlaintext(parsed.doc, parsed.meta.selection)).toEqual([]);
  });

  it('a rewrite keeps it: same type, same text, same ciphertext', () => {
    const opened = open(text);
    opened.plain.set('other', 'y');
    const again = sealDocument(opened.plain, { kind: 'keep', opened }, 'f');
    const line = (t: string) => /^t: .*$/m.exec(t)![0];
    expect(line(again)).toBe(line(text));
  });

  it('an edit in $EDITOR keeps it too (the time is written plain, the string quoted)', async () => {
    const file = write('times.yaml', text);
    const before = readFileSync(join(tmp.path, file), 'utf8');
    const r = await editPath(ws(), file, { editor: `sed -i -e 's/^other: x$/other: z/' -e 's/^t: .*$/&/'` });
    expect(r).toEqual({ file, format: 'yaml', action: 'updated' });
    const after = readFileSync(join(tmp.path, file), 'utf8');
    expect(/^t: .*$/m.exec(after)![0]).toBe(/^t: .*$/m.exec(before)![0]);
    expect(/^s: .*$/m.exec(after)![0]).toBe(/^s: .*$/m.exec(before)![0]);
  });

  it('an unquoted timestamp left unencrypted is a time as sops ≥ 3.10 reads it (its MAC covers the canonical text)', async () => {
    const doc = parseYaml('d_unencrypted: 2024-01-02\nk: v\n', 'f');
    resolveTimes(doc, true);
    const sealed = seal(doc);
    expect(sealed).toMatch(/^d_unencrypted: 2024-01-02$/m);
    expect(await reference(sealed, 'yaml')).toEqual({ d_unencrypted: '2024-01-02T00:00:00Z', k: 'v' });
    expect(open(sealed).plain.get('d_unencrypted')).toBe('2024-01-02');
  });

  it('a file keyfold wrote before (a timestamp-like string unquoted, its MAC over the text) still opens', () => {
    const old = seal(parseYaml('d_unencrypted: "2024-01-02"\nk: v\n', 'f')).replace('d_unencrypted: "2024-01-02"', 'd_unencrypted: 2024-01-02');
    expect(open(old).plain.get('d_unencrypted')).toBe('2024-01-02');
  });
});

describe('integers beyond the 64-bit signed range', () => {
  it('are written as sops writes them: type:float with FormatFloat text (the reference reads them)', async () => {
    const file = write('big.yaml', 'big: 123456789012345678901234567890\nneg: -9223372036854775809\nmax: 9223372036854775807\n');
    const { text } = await encryptSopsFile(ws(), file, { recipients: [me.recipient] });
    expect(text).toMatch(/^big: ENC\[.*,type:float\]$/m);
    expect(text).toMatch(/^neg: ENC\[.*,type:float\]$/m);
    expect(text).toMatch(/^max: ENC\[.*,type:int\]$/m);
    expect(await reference(text, 'yaml')).toEqual({ big: 1.2345678901234568e29, neg: -9223372036854775808, max: '9223372036854775807' });
    expect(open(text).plain.get('big')).toBe(1.2345678901234568e29);
  });

  it('an unencrypted one keeps its digits; its MAC is the float text sops computes (and an older keyfold file still opens)', async () => {
    const sealed = seal(parseYaml('big_unencrypted: 123456789012345678901234567890\n', 'f'));
    expect(sealed).toMatch(/^big_unencrypted: 123456789012345678901234567890$/m);
    expect(await reference(sealed, 'yaml')).toEqual({ big_unencrypted: 1.2345678901234568e29 });
    const old = seal(parseYaml('big_unencrypted: "123456789012345678901234567890"\n', 'f')).replace('"123456789012345678901234567890"', '123456789012345678901234567890');
    expect(open(old).plain.get('big_unencrypted')).toBe(123456789012345678901234567890n);
  });

  it('an existing type:int value that large still reads as the exact integer', () => {
    const sealed = seal(parseYaml('n: "123456789012345678901234567890"\n', 'f'));
    const retyped = sealed.replace(/^(n: ENC\[.*),type:str\]$/m, '$1,type:int]');
    expect(open(retyped).plain.get('n')).toBe(123456789012345678901234567890n);
  });
});

describe('editPath: sops edit FILE in any format', () => {
  const encrypted = async (name: string, text: string) => {
    const file = write(name, text);
    await encryptSopsFile(ws(), file, { recipients: [me.recipient], inPlace: true });
    return file;
  };
  const lines = (file: string) => readFileSync(join(tmp.path, file), 'utf8').split('\n');
  const changed = (a: string[], b: string[]) => a.filter((l, i) => l !== b[i]).map((l) => l.split(/[=:]/)[0]!.trim());

  it('dotenv: only the edited value, lastmodified and mac change; comments keep their ciphertext', async () => {
    const file = await encrypted('edit.env', '# note\nA=1\nB=2\n');
    const before = lines(file);
    const r = await editPath(ws(), file, { editor: `sed -i 's/^A=1$/A=9/'` });
    expect(r).toEqual({ file, format: 'dotenv', action: 'updated' });
    expect(changed(lines(file), before)).toEqual(['A', 'sops_lastmodified', 'sops_mac']);
    expect(await reference(lines(file).join('\n'), 'dotenv')).toEqual({ A: '9', B: '2' });
  });

  it('JSON keeps its indentation and format; INI its sections; an unchanged edit writes nothing', async () => {
    const j = await encrypted('edit.json', '{\n  "a": "x",\n  "b": "y"\n}\n');
    // sops writes tabs; a file indented otherwise keeps its indentation when rewritten.
    const path = join(tmp.path, j);
    writeFileSync(path, readFileSync(path, 'utf8').replace(/^\t+/gm, (t) => '  '.repeat(t.length)));
    const jBefore = lines(j);
    expect(jBefore[1]).toMatch(/^ {2}"a": "ENC\[/);
    await editPath(ws(), j, { editor: `sed -i 's/"y"/"z"/'` });
    expect(changed(lines(j), jBefore)).toEqual(['"b"', '"lastmodified"', '"mac"']);
    const i = await encrypted('edit.ini', '[s]\nk = v\n');
    const iBefore = readFileSync(join(tmp.path, i));
    expect(await editPath(ws(), i, { editor: 'true' })).toEqual({ file: i, format: 'ini', action: 'unchanged' });
    expect(readFileSync(join(tmp.path, i)).equals(iBefore)).toBe(true);
  });

  it('binary: the whole file is edited, and written back as the JSON envelope', async () => {
    const b = await encrypted('edit.txt', 'hello\n');
    await editPath(ws(), b, { editor: `sed -i 's/hello/bye/'` });
    expect(await reference(readFileSync(join(tmp.path, b), 'utf8'), 'binary')).toEqual({ data: 'bye\n' });
  });

  it('an edit that breaks the format is refused and leaves the file as it was', async () => {
    const j = await encrypted('broken.json', '{"a": "x"}\n');
    const before = readFileSync(join(tmp.path, j));
    await expect(editPath(ws(), j, { editor: `sed -i 's/{/[/'` })).rejects.toThrow(/not valid JSON/);
    expect(readFileSync(join(tmp.path, j)).equals(before)).toBe(true);
  });
});

describe('bytes that are not UTF-8 in other outputs', () => {
  it('decrypt --json style output and env-style output carry their text, never an object of indices', async () => {
    const { encodeDocumentMap } = await import('../src/formats/registry.js');
    const { flattenVariables } = await import('../src/formats/env-vars.js');
    const file = write('raw.bin', Buffer.from([0x41, 0xff, 0x42]));
    const enc = write('raw.enc.bin', (await encryptSopsFile(ws(), file, { recipients: [me.recipient] })).text);
    const [d] = decryptSopsPaths(ws(), [enc]);
    expect(JSON.parse(encodeDocumentMap([['f', d!.doc]], 'json'))).toEqual({ f: { data: 'A\ufffdB' } });
    expect(flattenVariables(d!.doc.toJS({ mapAsMap: true }))).toEqual([{ name: 'data', path: ['data'], text: 'A\ufffdB' }]);
    expect(d!.plaintext().equals(Buffer.from([0x41, 0xff, 0x42]))).toBe(true);
  });
});
