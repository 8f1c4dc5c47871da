/**
 * Files written by the real sops, checked against the independent reference reader
 * (test/helpers/reference-sops.ts, which shares no code with src/) and against keyfold
 * itself, through the library and the built CLI (`keyfold decrypt --json FILE`):
 *
 * - test/fixtures/sops/: the interop vectors (always present);
 * - the sops corpus: files from other projects' public test suites, each with the test
 *   identity its project publishes. It lives in the directory named by SOPS_CORPUS_DIR,
 *   or test/fixtures/sops-corpus/ when that exists; its corpus.json lists each folder's
 *   file and format. Without it those cases are skipped, and the skip says why.
 *
 * Each file must decrypt to its expected.json with the MAC verified; a copy with one
 * flipped byte in an encrypted value, and a copy with a changed MAC, must be refused
 * (by keyfold's CLI with exit 5). A corpus folder with expected-error.txt instead holds
 * a file its project publishes as broken: every reader must refuse it as it stands.
 *
 * keyfold's age has no post-quantum (ML-KEM hybrid) identities yet: the files encrypted
 * only to `age1pq1…` recipients are checked to be refused with a clear error.
 */
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { parseIdentities } from '../src/crypto/age/index.js';
import { formatForPath } from '../src/formats/stores/registry.js';
import { normalizeNumbers } from '../src/formats/json.js';
import { openSopsFile, parseSopsFile } from '../src/sops/file.js';
import { runCli, tempDir } from './helpers/cli.js';
import { decryptSopsReference, parseIdentityFile, type SopsFormat } from './helpers/reference-sops.js';

const here = dirname(fileURLToPath(import.meta.url));
const VECTORS = join(here, 'fixtures', 'sops');
const corpusDir = [process.env['SOPS_CORPUS_DIR'], join(here, 'fixtures', 'sops-corpus')]
  .filter((d): d is string => d !== undefined && d !== '')
  .map((d) => resolve(d))
  .find((d) => existsSync(join(d, 'corpus.json')));

interface Case {
  name: string;
  file: string;
  format: SopsFormat;
  dir: string;
}

const vectors: Case[] = readdirSync(VECTORS, { withFileTypes: true })
  .filter((d) => d.isDirectory())
  .map((d) => ({ name: d.name, file: 'secrets.enc.yaml', format: 'yaml' as const, dir: join(VECTORS, d.name) }))
  .sort((a, b) => a.name.localeCompare(b.name));

const corpus: Case[] = corpusDir
  ? (JSON.parse(readFileSync(join(corpusDir, 'corpus.json'), 'utf8')) as { folder: string; file: string; format: SopsFormat }[]).map((r) => ({
      name: r.folder,
      file: r.file,
      format: r.format,
      dir: join(corpusDir, r.folder),
    }))
  : [];

const ENC = /ENC\[AES256_GCM,data:([A-Za-z0-9+/=]+),iv:[^\]]*,type:([a-z]+)\]/g;

/** Offsets of every ENC[...] data field, split into the MAC and the document's values. */
function encryptedFields(text: string): { mac: number[]; values: number[] } {
  const mac: number[] = [];
  const values: number[] = [];
  for (const m of text.matchAll(ENC)) {
    const start = m.index + 'ENC[AES256_GCM,data:'.length;
    const lineStart = text.lastIndexOf('\n', m.index) + 1;
    const before = text.slice(lineStart, m.index);
    if (/(^|\s|")(sops_)?mac"?\s*[:=]\s*"?$/.test(before)) mac.push(start);
    else if (m[2] !== 'comment' && !/[#;]\s*$/.test(before)) values.push(start);
  }
  return { mac, values };
}

/** Replaces the base64 character at `at` with another one, which changes a byte. */
function flip(text: string, at: number): string {
  const c = text[at];
  return text.slice(0, at) + (c === 'A' ? 'B' : 'A') + text.slice(at + 1);
}

const work = tempDir('keyfold-corpus-');
afterAll(() => work.cleanup());

/** The built CLI reads `--input-type` (the command table wires it); without it, files named against their format are skipped. */
const cliInputType = (await runCli(['decrypt', '--help'], { cwd: work.path })).stdout.includes('--input-type');

/** keyfold's library: the document as expected.json writes it. */
function keyfoldOpen(text: string, c: Case, identityText: string): unknown {
  const opened = openSopsFile(parseSopsFile(text, c.file, { strict: false, format: c.format }), parseIdentities(identityText), c.file);
  return JSON.parse(JSON.stringify(normalizeNumbers(opened.plain.toJS()), (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v)));
}

/** keyfold's CLI on a copy of `text` named like the case's file: its exit code and the decrypted document. */
async function keyfoldCli(text: string, c: Case, tag: string): Promise<{ code: number; doc: unknown; stderr: string }> {
  const name = `${c.name}-${tag}-${c.file}`;
  writeFileSync(join(work.path, name), text);
  const typeArgs = formatForPath(c.file) === c.format ? [] : ['--input-type', c.format];
  const r = await runCli(['decrypt', '--json', name, ...typeArgs, '--identity', join(c.dir, 'identity.txt')], { cwd: work.path });
  return { code: r.code, stderr: r.stderr, doc: r.code === 0 ? (JSON.parse(r.stdout) as Record<string, unknown>)[name] : undefined };
}

function defineCases(cases: Case[]): void {
  for (const c of cases) {
    const text = readFileSync(join(c.dir, c.file), 'utf8');
    const identityText = readFileSync(join(c.dir, 'identity.txt'), 'utf8');
    const identities = parseIdentityFile(identityText);
    const run = (t: string) => decryptSopsReference(t, c.format, identities);
    const postQuantum = identities.every((id) => id.startsWith('AGE-SECRET-KEY-PQ-'));
    const needsType = formatForPath(c.file) !== c.format;

    if (existsSync(join(c.dir, 'expected-error.txt'))) {
      it(`${c.name}: published as broken, and refused`, async () => {
        await expect(run(text)).rejects.toThrow();
      });
      it(`${c.name}: published as broken, and refused by keyfold (library, and CLI with exit 5)`, async () => {
        expect(() => keyfoldOpen(text, c, identityText)).toThrow();
        expect((await keyfoldCli(text, c, 'broken')).code).toBe(5);
      });
      continue;
    }

    const expected = JSON.parse(readFileSync(join(c.dir, 'expected.json'), 'utf8')) as unknown;
    const fields = encryptedFields(text);

    it(`${c.name}: decrypts to expected.json with the MAC verified`, async () => {
      expect(JSON.parse(JSON.stringify(await run(text)))).toEqual(expected);
    });

    it(`${c.name}: a changed MAC is refused`, async () => {
      expect(fields.mac).toHaveLength(1);
      await expect(run(flip(text, fields.mac[0]!))).rejects.toThrow();
    });

    if (fields.values.length === 0) {
      it(`${c.name}: holds no encrypted value to tamper with (only empty or null values)`, () => {
        expect(JSON.stringify(expected)).not.toMatch(/"[^"]+"\s*:\s*"[^"]+"/);
      });
    } else {
      it(`${c.name}: a flipped byte in an encrypted value is refused`, async () => {
        await expect(run(flip(text, fields.values[0]!))).rejects.toThrow();
      });
    }

    if (postQuantum) {
      it(`${c.name}: keyfold does not read post-quantum age identities yet, and says so`, async () => {
        expect(() => parseIdentities(identityText)).toThrow(/not an X25519 identity/);
        const r = await keyfoldCli(text, c, 'pq');
        expect(r.code).not.toBe(0);
        expect(r.stderr).toMatch(/not an X25519 identity/);
      });
      continue;
    }

    it(`${c.name}: keyfold's library decrypts it to expected.json, and refuses tampered copies`, () => {
      expect(keyfoldOpen(text, c, identityText)).toEqual(expected);
      expect(() => keyfoldOpen(flip(text, fields.mac[0]!), c, identityText)).toThrow(/MAC|tampered/);
      if (fields.values.length > 0) expect(() => keyfoldOpen(flip(text, fields.values[0]!), c, identityText)).toThrow();
    });

    it.skipIf(needsType && !cliInputType)(`${c.name}: \`keyfold decrypt --json\` prints expected.json; a tampered copy exits 5`, async () => {
      const r = await keyfoldCli(text, c, 'ok');
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      expect(r.doc).toEqual(expected);
      const tampered = flip(text, fields.values.length > 0 ? fields.values[0]! : fields.mac[0]!);
      expect((await keyfoldCli(tampered, c, 'tampered')).code).toBe(5);
    });
  }
}

describe('sops interop vectors (test/fixtures/sops) against the reference reader', () => {
  it('finds the four vectors', () => {
    expect(vectors.map((v) => v.name)).toEqual(['sops-3.7.1-b', 'sops-3.7.1-c', 'sops-3.8.1-a', 'sops-3.9.0-threshold1']);
  });
  defineCases(vectors);
});

describe.skipIf(corpus.length === 0)('sops corpus against the reference reader', () => {
  it('has at least 30 files', () => {
    expect(corpus.length).toBeGreaterThanOrEqual(30);
  });
  defineCases(corpus);
});

if (corpus.length === 0) {
  describe('sops corpus', () => {
    it.skip('is not present here: set SOPS_CORPUS_DIR to a corpus directory (with corpus.json) to check it', () => {});
  });
}
