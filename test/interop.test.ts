/**
 * Files written by the real sops (test/fixtures/sops): each decrypts to exactly its
 * expected.json with the MAC verified, through the library and the CLI.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openSopsFile, parseSopsFile } from '../src/sops/file.js';
import { parseIdentities } from '../src/crypto/age/index.js';
import { normalizeNumbers } from '../src/formats/json.js';
import { INTEROP, runCli } from './helpers/cli.js';

const vectors = readdirSync(INTEROP, { withFileTypes: true })
  .filter((d) => d.isDirectory())
  .map((d) => d.name)
  .sort();

describe('sops interop vectors', () => {
  it('finds all four vectors', () => {
    expect(vectors).toEqual(['sops-3.7.1-b', 'sops-3.7.1-c', 'sops-3.8.1-a', 'sops-3.9.0-threshold1']);
  });

  for (const name of vectors) {
    const dir = join(INTEROP, name);
    const text = readFileSync(join(dir, 'secrets.enc.yaml'), 'utf8');
    const expected = JSON.parse(readFileSync(join(dir, 'expected.json'), 'utf8')) as unknown;
    const identities = parseIdentities(readFileSync(join(dir, 'identity.txt'), 'utf8'));

    it(`${name}: library decrypts to expected.json`, () => {
      const opened = openSopsFile(parseSopsFile(text, name, { strict: false }), identities, name);
      expect(normalizeNumbers(opened.plain.toJS())).toEqual(expected);
    });

    it(`${name}: CLI decrypt --json matches expected.json`, async () => {
      const r = await runCli(['decrypt', join(dir, 'secrets.enc.yaml'), '--identity', join(dir, 'identity.txt'), '--json'], { cwd: dir });
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      const out = JSON.parse(r.stdout) as Record<string, unknown>;
      expect(out).toEqual({ 'secrets.enc.yaml': expected });
    });

    it(`${name}: a changed MAC is detected`, () => {
      // Flip one character of the MAC ciphertext.
      const tampered = text.replace(/mac: ENC\[AES256_GCM,data:(.)/, (_m, c: string) => `mac: ENC[AES256_GCM,data:${c === 'A' ? 'B' : 'A'}`);
      expect(tampered).not.toBe(text);
      expect(() => openSopsFile(parseSopsFile(tampered, name, { strict: false }), identities, name)).toThrow(/MAC|tamper/);
    });

    it(`${name}: a re-encrypted copy round-trips and keeps every unchanged ciphertext`, async () => {
      const { sealSopsFile } = await import('../src/sops/seal.js');
      const opened = openSopsFile(parseSopsFile(text, name, { strict: false }), identities, name);
      const resealed = sealSopsFile(
        opened.plain,
        { dataKey: opened.dataKey, groups: opened.meta.groups, threshold: opened.meta.threshold, cache: opened.cache, previous: opened.meta, indent: opened.indent },
        name,
      );
      const encValues = (t: string) => (t.split('\nsops:')[0]!.match(/ENC\[[^\]]+\]/g) ?? []).sort();
      expect(encValues(resealed)).toEqual(encValues(text));
      const again = openSopsFile(parseSopsFile(resealed, name, { strict: false }), identities, name);
      expect(normalizeNumbers(again.plain.toJS())).toEqual(expected);
    });
  }

  it('the vectors with pgp or gcp_kms keys are refused under secrets/ (S1) but decrypt leniently elsewhere', () => {
    for (const name of ['sops-3.7.1-b', 'sops-3.9.0-threshold1']) {
      const text = readFileSync(join(INTEROP, name, 'secrets.enc.yaml'), 'utf8');
      expect(() => parseSopsFile(text, name, { strict: true })).toThrow(/non-age key source/);
      expect(() => parseSopsFile(text, name, { strict: false })).not.toThrow();
    }
  });
});
