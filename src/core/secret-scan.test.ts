import { generateKeyPairSync } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { generateIdentity } from '../crypto/age/index.js';
import { MAX_MATCH_LENGTH } from './secret-scan-rules.js';
import { TextScanner, isAllowed, looksBinary, scanText, type ScanFinding } from './secret-scan.js';

// Fake credentials are assembled at run time, so this file itself holds none.
const fake = {
  ghp: 'ghp' + '_' + 'Ab1'.repeat(12),
  aws: 'AKIA' + 'Z7QX2M4N6P8R0T1V',
  openai: 'sk-' + 'proj-' + 'a1B2c3D4'.repeat(6),
  anthropic: 'sk-' + 'ant-api03-' + 'Zx9'.repeat(30),
  stripe: 'sk_' + 'live_' + '4eC39HqLyjWDarjtT1zdp7dc',
  google: 'AIza' + 'SyA1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q',
  slack: 'xoxb' + '-123456789012-abcdefABCDEF',
};

describe('scanText', () => {
  it('finds age secret keys, PEM private keys and provider keys, with their lines', () => {
    const pem = generateKeyPairSync('ed25519').privateKey.export({ format: 'pem', type: 'pkcs8' }).toString().trimEnd(); // 3 lines
    const text = ['line one', generateIdentity(), pem, `token = "${fake.ghp}"`, fake.aws, fake.openai, fake.anthropic, fake.stripe, fake.google, fake.slack].join('\n');
    const found = scanText(text);
    expect(found.map((f) => [f.kind, f.line])).toEqual([
      ['age-secret-key', 2],
      ['private-key', 3],
      ['github-token', 6],
      ['aws-access-key', 7],
      ['sk-api-key', 8],
      ['sk-api-key', 9],
      ['stripe-key', 10],
      ['google-api-key', 11],
      ['slack-token', 12],
    ]);
  });

  it('leaves ordinary text alone', () => {
    const text = [
      'const re = /AGE-SECRET-KEY-1[0-9A-Z]{58}/;',
      "'-----BEGIN PUBLIC KEY-----'",
      'task-runner-and-some-more-words-joined-by-dashes',
      'sk-live-metadata-secret-value',
      'AKIAEXAMPLE',
      'ghp_short',
    ].join('\n');
    expect(scanText(text)).toEqual([]);
  });

  it('never exposes the match through printing', () => {
    const [f] = scanText(fake.ghp);
    expect(JSON.stringify(f)).not.toContain(fake.ghp.slice(4));
    expect(String(f!.match)).toBe('[REDACTED]');
  });

  it('allow entries match by path glob and, when given, by pattern on the matched text', () => {
    const [f] = scanText(generateIdentity());
    expect(isAllowed([{ path: 'examples/identities/*.txt' }], 'examples/identities/alice.txt', f!)).toBe(true);
    expect(isAllowed([{ path: 'examples/identities/*.txt' }], 'examples/other/alice.txt', f!)).toBe(false);
    expect(isAllowed([{ path: '**', pattern: '^AGE-SECRET-KEY-1' }], 'a/b.txt', f!)).toBe(true);
    expect(isAllowed([{ path: '**', pattern: '^ghp_' }], 'a/b.txt', f!)).toBe(false);
  });

  it('looksBinary: a NUL in the first 8 KiB', () => {
    expect(looksBinary(Buffer.from('text'))).toBe(false);
    expect(looksBinary(Buffer.from([0x50, 0x00, 0x4b]))).toBe(true);
  });
});

/** Scan `text` cut at `cuts` (offsets), as a file read block by block would be. */
function scanPieces(text: string, cuts: readonly number[]): ScanFinding[] {
  const scanner = new TextScanner();
  const found: ScanFinding[] = [];
  let from = 0;
  for (const cut of [...cuts].sort((a, b) => a - b)) {
    found.push(...scanner.push(text.slice(from, cut)));
    from = Math.max(from, cut);
  }
  found.push(...scanner.push(text.slice(from)), ...scanner.end());
  return found;
}

const view = (found: readonly ScanFinding[]) => found.map((f) => [f.kind, f.line, f.match.reveal()]);

describe('TextScanner: a text in pieces', () => {
  it('finds a token cut anywhere, once, on its line', () => {
    const head = 'x\n'.repeat(40) + 'filler '.repeat(400) + '\ntoken = "';
    const text = `${head}${fake.ghp}"\n` + 'y\n'.repeat(10);
    for (let cut = head.length - 2; cut <= head.length + fake.ghp.length + 2; cut++) {
      expect(view(scanPieces(text, [cut])), `cut at ${cut}`).toEqual([['github-token', 42, fake.ghp]]);
    }
  });

  it('finds what scanText finds, however the text is cut', () => {
    const fragments = [...Object.values(fake), 'plain words ', '\n', '-'.repeat(700), 'a'.repeat(1500), '"', 'x'];
    const texts = fc.array(fc.constantFrom(...fragments), { maxLength: 40 }).map((parts) => parts.join(''));
    fc.assert(
      fc.property(texts, fc.array(fc.nat({ max: 8 * MAX_MATCH_LENGTH }), { maxLength: 12 }), (text, cuts) => {
        expect(view(scanPieces(text, cuts))).toEqual(view(scanText(text)));
      }),
      { numRuns: 300 },
    );
  });

  it('holds back no more than it must: a finding is returned once the text after it is long enough', () => {
    const scanner = new TextScanner();
    expect(scanner.push(`a\n${fake.aws}\n`)).toEqual([]);
    expect(view(scanner.push(' '.repeat(MAX_MATCH_LENGTH)))).toEqual([['aws-access-key', 2, fake.aws]]);
    expect(scanner.push(fake.google)).toEqual([]);
    expect(view(scanner.end())).toEqual([['google-api-key', 3, fake.google]]);
  });

  it('never reports a token glued to the word before it, wherever the held-back boundary falls', () => {
    for (let first = MAX_MATCH_LENGTH - 3; first <= MAX_MATCH_LENGTH + 8; first++) {
      const text = `${'x'.repeat(5)}${fake.ghp}${' '.repeat(MAX_MATCH_LENGTH)}`;
      expect(scanPieces(text, [first]), `first piece ${first}`).toEqual([]);
    }
  });

  it('matches of one rule never overlap, as in one pass over the whole text', () => {
    const rule = { kind: 'three-digits', label: 'three digits', re: /[0-9]{3}/g };
    const text = `ab1234567${' '.repeat(MAX_MATCH_LENGTH)}`;
    for (let first = MAX_MATCH_LENGTH; first <= MAX_MATCH_LENGTH + 10; first++) {
      const scanner = new TextScanner([rule]);
      const found = [...scanner.push(text.slice(0, first)), ...scanner.push(text.slice(first)), ...scanner.end()];
      expect(found.map((f) => f.match.reveal()), `first piece ${first}`).toEqual(['123', '456']);
    }
  });

  it('scans a text far beyond the old 2 MiB limit, with the right line near its end', () => {
    const line = 'lorem ipsum dolor sit amet, consectetur adipiscing elit\n';
    const lines = Math.ceil((3 * 1024 * 1024) / line.length);
    const text = line.repeat(lines) + `key: ${fake.stripe}\n`;
    const cuts = Array.from({ length: Math.floor(text.length / 65536) }, (_, i) => (i + 1) * 65536);
    expect(view(scanPieces(text, cuts))).toEqual([['stripe-key', lines + 1, fake.stripe]]);
  });
});
