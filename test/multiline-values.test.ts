/**
 * Regression: multi-line values whose first line starts with a space. The yaml package
 * writes such block scalars with an indentation indicator that assumes 2-space steps
 * (`|2`), so with keyfold's 4-space layout they read back changed. Before the fix in
 * formats/yaml.ts, `edit` silently rewrote the value (extra leading spaces) when another
 * key was edited, `show` printed the wrong value, and an `_unencrypted` one made keyfold
 * write a file that it then refused as tampered (MAC mismatch).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeRepo, type TestRepo } from './helpers/repo.js';

const VALUE = '  indented\n  block';
const WHITESPACE_FIRST = ' \nsecond line';

let repo: TestRepo;

beforeAll(async () => {
  repo = await makeRepo();
  for (const [key, value] of [['V', VALUE], ['S', WHITESPACE_FIRST], ['W', 'x']]) {
    const r = await repo.run(['set', 'dev/app/ml', key!, '--stdin'], { input: value });
    if (r.code !== 0) throw new Error(r.stderr);
  }
});

afterAll(() => repo?.cleanup());

describe('multi-line values starting with a space', () => {
  it('show prints YAML that parses back to the exact values', async () => {
    const r = await repo.run(['show', 'dev/app/ml']);
    expect(r.code).toBe(0);
    expect(parse(r.stdout)).toEqual({ V: VALUE, S: WHITESPACE_FIRST, W: 'x' });
  });

  it('editing another key leaves them unchanged', async () => {
    const r = await repo.run(['edit', 'dev/app/ml'], { env: { EDITOR: "sed -i 's/^W: .*/W: y/'" } });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const show = await repo.run(['show', 'dev/app/ml', '--json']);
    expect(JSON.parse(show.stdout)).toEqual({ V: VALUE, S: WHITESPACE_FIRST, W: 'y' });
  });

  it('an _unencrypted block scalar: encrypt writes a file that decrypts (MAC verifies)', async () => {
    const file = join(repo.dir, '..', 'plain.yaml');
    writeFileSync(file, 'note_unencrypted: |4\n      indented\n    line\nk: v\n');
    const enc = await repo.run(['encrypt', file, '--in-place', '-r', repo.admin.recipient]);
    expect(enc.code).toBe(0);
    expect(readFileSync(file, 'utf8')).toContain('sops:');
    const dec = await repo.run(['decrypt', file, '--json']);
    expect(dec.stderr).toBe('');
    expect(dec.code).toBe(0);
    expect(Object.values(JSON.parse(dec.stdout) as Record<string, unknown>)).toEqual([{ note_unencrypted: '  indented\nline\n', k: 'v' }]);
  });
});
