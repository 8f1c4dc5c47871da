import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { generateIdentity } from '../crypto/age/index.js';
import { isAllowed, looksBinary, scanText } from './secret-scan.js';

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
