/**
 * Signed state refs: the on-disk format S6 has always written (so refs written before
 * this module still verify), MAC checks, and strict parsing of untrusted blobs.
 */
import { execFileSync } from 'node:child_process';
import { createHmac, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readSignedState, writeSignedState } from './state-ref.js';

const tmp = mkdtempSync(join(tmpdir(), 'keyfold-stateref-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const REF = 'refs/keyfold/test/state';
const KEY = randomBytes(32);
const OTHER_KEY = randomBytes(32);
const SIGNER = { recipient: 'age1signer', key: KEY };
const keyFor = (r: string) => (r === 'age1signer' ? KEY : r === 'age1other' ? OTHER_KEY : undefined);
const strings = (v: unknown) =>
  typeof v === 'object' && v !== null && !Array.isArray(v) && Object.values(v).every((x) => typeof x === 'string') ? (v as Record<string, string>) : undefined;
const anything = (v: unknown) => v;

let dir: string;
const git = (args: string[], input?: string) => execFileSync('git', args, { cwd: dir, encoding: 'utf8', input, env: { ...process.env, GIT_CONFIG_NOSYSTEM: '1', HOME: tmp } }).trim();
const setBlob = (text: string) => git(['update-ref', REF, git(['hash-object', '-w', '--stdin'], text)]);

beforeAll(() => {
  dir = join(tmp, 'repo');
  execFileSync('git', ['init', '-q', dir]);
});

describe('signed state refs', () => {
  it('writes the format S6 refs have always had: version, recipient, files, mac over the sorted entries', async () => {
    const files = { 'prod/b': 'f2', 'dev/a': 'f1', 'prod/a b': 'f3' };
    await writeSignedState(dir, REF, SIGNER, files);
    // The format as rekey-merged.ts wrote it before this module existed.
    const mac = createHmac('sha256', KEY).update(JSON.stringify(Object.entries(files).sort(([a], [b]) => (a < b ? -1 : 1)))).digest('hex');
    expect(git(['cat-file', 'blob', REF]) + '\n').toBe(JSON.stringify({ version: 1, recipient: 'age1signer', files, mac }) + '\n');
    expect(await readSignedState(dir, REF, keyFor, strings)).toEqual({ state: files, verified: true, exists: true, signer: 'age1signer', via: 'signer' });
  });

  it('a legacy blob written by hand verifies; key order in the blob does not matter', async () => {
    const files = { z: '1', a: '2' };
    const mac = createHmac('sha256', KEY).update(JSON.stringify([['a', '2'], ['z', '1']])).digest('hex');
    setBlob(`{"mac":"${mac}","files":{"a":"2","z":"1"},"recipient":"age1signer","version":1}\n`);
    expect(await readSignedState(dir, REF, keyFor, strings)).toEqual({ state: files, verified: true, exists: true, signer: 'age1signer', via: 'signer' });
  });

  it('is unverified under another signer, an unknown signer, a stale or malformed mac', async () => {
    await writeSignedState(dir, REF, SIGNER, { a: '1' });
    const genuine = JSON.parse(git(['cat-file', 'blob', REF])) as { mac: string };
    const cases: Record<string, object> = {
      'another signer named': { ...genuine, recipient: 'age1other' },
      'an unknown signer': { ...genuine, recipient: 'age1nobody' },
      'a stale mac': { ...genuine, files: { a: '2' } },
      'a short mac': { ...genuine, mac: genuine.mac.slice(2) },
      'a multibyte mac': { ...genuine, mac: 'é'.repeat(64) },
    };
    for (const [name, blob] of Object.entries(cases)) {
      setBlob(JSON.stringify(blob) + '\n');
      const r = await readSignedState(dir, REF, keyFor, strings);
      expect(r.verified, name).toBe(false);
      expect(r.state, name).toBeDefined();
    }
  });

  it('a blob that does not parse, or that the validator refuses, has no state', async () => {
    await writeSignedState(dir, REF, SIGNER, { a: '1' });
    const genuine = JSON.parse(git(['cat-file', 'blob', REF])) as object;
    for (const text of ['garbage\n', 'null\n', '[]\n', '""\n', JSON.stringify({ ...genuine, version: 2 }), JSON.stringify({ ...genuine, files: null }), JSON.stringify({ ...genuine, files: { a: 1 } })]) {
      setBlob(text);
      expect(await readSignedState(dir, REF, keyFor, strings), text).toEqual({ state: undefined, verified: false, exists: true });
    }
    git(['update-ref', '-d', REF]);
    expect(await readSignedState(dir, REF, keyFor, strings)).toEqual({ state: undefined, verified: false, exists: false });
  });

  it('nested state round-trips; an array and an object of the same pairs get different macs', async () => {
    const state = { targets: { b: { version: 3, keys: ['x', 'y'] }, a: null }, at: 'now' };
    await writeSignedState(dir, REF, SIGNER, state);
    expect(await readSignedState(dir, REF, keyFor, anything)).toEqual({ state, verified: true, exists: true, signer: 'age1signer', via: 'signer' });
    await writeSignedState(dir, REF, SIGNER, { a: '1' });
    const asObject = (JSON.parse(git(['cat-file', 'blob', REF])) as { mac: string }).mac;
    await writeSignedState(dir, REF, SIGNER, [['a', '1']]);
    const asArray = (JSON.parse(git(['cat-file', 'blob', REF])) as { mac: string }).mac;
    expect(asArray).not.toBe(asObject);
  });

  it('reader tags: a reader verifies with the key it shares with the signer; a tag for anyone else, or a stale one, does not', async () => {
    const READER = randomBytes(32);
    const signer = { ...SIGNER, readers: new Map([['age1reader', READER], ['age1third', randomBytes(32)]]) };
    const state = { commit: 'c', files: { 'prod/a': 'f1' } };
    await writeSignedState(dir, REF, signer, state);
    const blob = JSON.parse(git(['cat-file', 'blob', REF])) as { readers: Record<string, string>; mac: string };
    expect(Object.keys(blob.readers)).toEqual(['age1reader', 'age1third']);
    const none = () => undefined;
    const asReader = (s: string, r: string) => (s === 'age1signer' && r === 'age1reader' ? READER : undefined);
    expect(await readSignedState(dir, REF, none, anything, asReader)).toMatchObject({ state, verified: true, signer: 'age1signer', via: 'reader' });
    expect(await readSignedState(dir, REF, keyFor, anything)).toMatchObject({ verified: true, signer: 'age1signer', via: 'signer' });
    // Without the shared-key lookup, or with another reader's key, it does not verify.
    expect((await readSignedState(dir, REF, none, anything)).verified).toBe(false);
    expect((await readSignedState(dir, REF, none, anything, (s, r) => (r === 'age1third' ? READER : undefined))).verified).toBe(false);
    // A changed state with the old tags does not verify for the reader.
    setBlob(JSON.stringify({ ...blob, files: { ...state, files: { 'prod/a': 'f2' } } }) + '\n');
    expect((await readSignedState(dir, REF, none, anything, asReader)).verified).toBe(false);
    // No readers: the blob is exactly the format without them.
    await writeSignedState(dir, REF, { ...SIGNER, readers: new Map() }, { a: '1' });
    expect(Object.keys(JSON.parse(git(['cat-file', 'blob', REF])) as object)).toEqual(['version', 'recipient', 'files', 'mac']);
  });
});
