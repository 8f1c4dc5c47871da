/**
 * Stable ciphertext (docs/file-format.md): a change to one key changes one line of the file
 * (plus `lastmodified` and `mac`) in `git diff`; unchanged values keep their ciphertext
 * verbatim; a changed value always gets a fresh IV; and comments, key order, number-like
 * keys and block scalars survive decrypt → edit → encrypt.
 */
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeRepo, type TestRepo } from './helpers/repo.js';

const REF = 'dev/app/big';
const FILE = 'secrets/dev/app/big.yaml';
const key = (i: number) => `KEY_${String(i).padStart(2, '0')}`;
const original = (i: number) => `value-${i}-${'x'.repeat(i)}`;

let repo: TestRepo;

beforeAll(async () => {
  repo = await makeRepo({ keyPattern: '.+' });
  const plain = Array.from({ length: 50 }, (_, i) => `${key(i)}: ${original(i)}\n`).join('');
  mkdirSync(join(repo.dir, 'secrets', 'dev', 'app'), { recursive: true });
  writeFileSync(join(repo.dir, FILE), plain);
}, 60_000);
afterAll(() => repo?.cleanup());

const read = () => readFileSync(join(repo.dir, FILE), 'utf8');
function commit(msg: string): void {
  repo.git('add', '-A');
  repo.git('commit', '-q', '-m', msg);
}

/** Changed lines of FILE against HEAD: [removed, added], without the diff headers. */
function diffLines(file = FILE): { removed: string[]; added: string[] } {
  const out = repo.git('diff', '-U0', '--no-color', 'HEAD', '--', file);
  const lines = out.split('\n').filter((l) => !l.startsWith('---') && !l.startsWith('+++'));
  return {
    removed: lines.filter((l) => l.startsWith('-')).map((l) => l.slice(1)),
    added: lines.filter((l) => l.startsWith('+')).map((l) => l.slice(1)),
  };
}

/** Which line each changed line is: the key name, or `lastmodified` / `mac`. */
const labels = (lines: string[]) => lines.map((l) => /^\s*([^:]+):/.exec(l)?.[1]?.trim() ?? l).sort();

function editorScript(name: string, sedExpr: string): string {
  const script = join(dirname(repo.dir), `editor-${name}.sh`);
  writeFileSync(script, `#!/bin/sh\nexec </dev/null >/dev/null\nsed -i -e '${sedExpr}' "$1"\n`);
  chmodSync(script, 0o755);
  return script;
}

describe('stable ciphertext in a 50-key file', () => {
  it('the file is created and committed', async () => {
    const r = await repo.run(['encrypt', FILE, '--in-place'], { as: null });
    expect(r.code, r.stderr).toBe(0);
    const text = read();
    expect(text.match(/^KEY_\d\d: ENC\[AES256_GCM,/gm)).toHaveLength(50);
    commit('50 keys');
    const show = JSON.parse((await repo.run(['show', REF, '--json'])).stdout) as Record<string, string>;
    expect(Object.keys(show)).toEqual(Array.from({ length: 50 }, (_, i) => key(i)));
    expect(show[key(49)]).toBe(original(49));
  });

  it('set of one key: git diff shows exactly that line, lastmodified and mac (3 removed, 3 added)', async () => {
    const r = await repo.run(['set', REF, key(17), '--stdin'], { input: 'changed-17' });
    expect(r.stdout).toBe(`updated: ${REF} ${key(17)}\n`);
    const { removed, added } = diffLines();
    expect(removed).toHaveLength(3);
    expect(added).toHaveLength(3);
    expect(labels(removed)).toEqual([key(17), 'lastmodified', 'mac'].sort());
    expect(labels(added)).toEqual([key(17), 'lastmodified', 'mac'].sort());
    expect(repo.git('diff', '--numstat', 'HEAD', '--', FILE).trim()).toBe(`3\t3\t${FILE}`);
    expect((await repo.run(['get', REF, key(17)])).stdout).toBe('changed-17\n');
    expect((await repo.run(['get', REF, key(18)])).stdout).toBe(original(18) + '\n');
    commit('change 17');
  });

  it('setting the same value again changes nothing: "unchanged", identical bytes', async () => {
    const before = readFileSync(join(repo.dir, FILE));
    const r = await repo.run(['set', REF, key(17), '--stdin', '--json'], { input: 'changed-17\n' });
    expect(JSON.parse(r.stdout)).toMatchObject({ action: 'unchanged' });
    const text = await repo.run(['set', REF, key(3), '--value', original(3)]);
    expect(text.stdout).toBe(`unchanged: ${REF} ${key(3)}\n`);
    expect(readFileSync(join(repo.dir, FILE)).equals(before)).toBe(true);
    expect(repo.git('status', '--porcelain')).toBe('');
  });

  it('unset changes only that key line (removed) plus lastmodified and mac', async () => {
    const r = await repo.run(['unset', REF, key(30)]);
    expect(r.code, r.stderr).toBe(0);
    const { removed, added } = diffLines();
    expect(labels(removed)).toEqual([key(30), 'lastmodified', 'mac'].sort());
    expect(labels(added)).toEqual(['lastmodified', 'mac']);
    expect(repo.git('diff', '--numstat', 'HEAD', '--', FILE).trim()).toBe(`2\t3\t${FILE}`);
    commit('unset 30');
  });

  it('edit that changes one value: the same three-line diff', async () => {
    const r = await repo.run(['edit', REF], { env: { EDITOR: editorScript('one', `s/^${key(5)}: .*/${key(5)}: edited-5/`) } });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe(`updated: ${REF}\n`);
    const { removed, added } = diffLines();
    expect(labels(removed)).toEqual([key(5), 'lastmodified', 'mac'].sort());
    expect(labels(added)).toEqual([key(5), 'lastmodified', 'mac'].sort());
    expect((await repo.run(['get', REF, key(5)])).stdout).toBe('edited-5\n');
    commit('edit 5');
  });

  it('edit that changes nothing writes nothing', async () => {
    const before = readFileSync(join(repo.dir, FILE));
    const r = await repo.run(['edit', REF], { env: { EDITOR: 'true' } });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe(`unchanged: ${REF}\n`);
    expect(readFileSync(join(repo.dir, FILE)).equals(before)).toBe(true);
  });

  it('a value changed and changed back gets a new ciphertext (fresh IV), every other line is untouched', async () => {
    const lineOf = (text: string, k: string) => text.split('\n').find((l) => l.startsWith(`${k}: `))!;
    const before = read();
    const encBefore = lineOf(before, key(9));
    expect((await repo.run(['set', REF, key(9), '--value', 'temporary'])).code).toBe(0);
    const encTemp = lineOf(read(), key(9));
    expect((await repo.run(['set', REF, key(9), '--value', original(9)])).code).toBe(0);
    const after = read();
    const encAfter = lineOf(after, key(9));
    expect((await repo.run(['get', REF, key(9)])).stdout).toBe(original(9) + '\n');
    const iv = (l: string) => /iv:([^,]+),/.exec(l)![1];
    expect(encAfter).not.toBe(encBefore);
    expect(new Set([iv(encBefore), iv(encTemp), iv(encAfter)]).size).toBe(3);
    // Same plaintext, same key: only the IV-dependent parts differ; the data length is equal.
    expect(/data:([^,]*),/.exec(encAfter)![1]!.length).toBe(/data:([^,]*),/.exec(encBefore)![1]!.length);
    expect(labels(diffLines().removed)).toEqual([key(9), 'lastmodified', 'mac'].sort());
    // Every ENC[…] of every other key is byte-identical to the committed file.
    const encs = (t: string) => t.split('\n').filter((l) => /^KEY_\d\d: /.test(l) && !l.startsWith(`${key(9)}: `));
    expect(encs(after)).toEqual(encs(before));
    // The data key and its envelopes did not change.
    const sopsAge = (t: string) => t.slice(t.indexOf('\nsops:'), t.indexOf('    lastmodified:'));
    expect(sopsAge(after)).toBe(sopsAge(before));
    commit('flip 9');
  });
});

describe('comments, key order, number-like keys and block scalars survive', () => {
  const RICH = 'dev/app/rich';
  const RICH_FILE = 'secrets/dev/app/rich.yaml';
  const PLAIN = [
    '# Provider keys for the app.',
    '# Rotated monthly.',
    'zeta: last-letter-first # trailing comment',
    '"123": quoted-number-key',
    '456: bare-number-key',
    'alpha:',
    '    # about the nested map',
    '    inner: two',
    '    "007": bond',
    'cert: |',
    '    -----BEGIN CERTIFICATE-----',
    '    MIIBszCCAVmgAwIBAgIUX',
    '    -----END CERTIFICATE-----',
    'folded: >',
    '    one',
    '    two',
    'list:',
    '    - b',
    '    - a',
    'beta: plain',
    '',
  ].join('\n');
  // What keyfold prints: number-like keys quoted (sops rejects non-string keys); a
  // multi-line value comes back as a literal block (a folded one keeps its value).
  const SHOWN = PLAIN.replace('456: bare', '"456": bare').replace('folded: >\n    one\n    two', 'folded: |\n    one two');
  const CERT = '-----BEGIN CERTIFICATE-----\nMIIBszCCAVmgAwIBAgIUX\n-----END CERTIFICATE-----\n';

  it('through encrypt, show, edit and show again', async () => {
    writeFileSync(join(repo.dir, RICH_FILE), PLAIN);
    expect((await repo.run(['encrypt', RICH_FILE, '--in-place'], { as: null })).code).toBe(0);
    const enc1 = read2();
    // Comments are encrypted, keys are in order and number-like keys are quoted strings.
    expect(enc1).not.toMatch(/Provider keys|Rotated|trailing comment|about the nested/);
    expect(enc1.match(/#ENC\[AES256_GCM,[^\]]+,type:comment\]/g)).toHaveLength(4);
    expect(topKeys(enc1)).toEqual(['zeta', '"123"', '"456"', 'alpha', 'cert', 'folded', 'list', 'beta', 'sops']);
    expect(enc1).toMatch(/^ {4}"007": ENC\[/m);
    commit('rich');

    const show1 = await repo.run(['show', RICH]);
    expect(show1.code, show1.stderr).toBe(0);
    expect(show1.stdout).toBe(SHOWN);
    const jsonText = (await repo.run(['show', RICH, '--json'])).stdout;
    // Key order as printed (JSON.parse would move integer-like keys first).
    expect([...jsonText.matchAll(/^ {2}"([^"]+)":/gm)].map((m) => m[1])).toEqual(['zeta', '123', '456', 'alpha', 'cert', 'folded', 'list', 'beta']);
    const json1 = JSON.parse(jsonText) as Record<string, unknown>;
    expect(json1['cert']).toBe(CERT);
    expect(json1['folded']).toBe('one two\n');
    expect(json1['alpha']).toEqual({ inner: 'two', '007': 'bond' });
    expect(json1['list']).toEqual(['b', 'a']);

    // Edit one value; everything else, comments included, comes back as it was.
    const r = await repo.run(['edit', RICH], { env: { EDITOR: editorScript('rich', 's/^beta: plain$/beta: changed/') } });
    expect(r.code, r.stderr).toBe(0);
    const show2 = await repo.run(['show', RICH]);
    expect(show2.stdout).toBe(SHOWN.replace('beta: plain', 'beta: changed'));
    const enc2 = read2();
    expect(topKeys(enc2)).toEqual(topKeys(enc1));
    const { removed, added } = diffLines(RICH_FILE);
    expect(labels(removed)).toEqual(['beta', 'lastmodified', 'mac']);
    expect(labels(added)).toEqual(['beta', 'lastmodified', 'mac']);
    expect((await repo.run(['get', RICH, 'cert', '--json'])).stdout).toBe(JSON.stringify(CERT) + '\n');
    expect((await repo.run(['get', RICH, '123'])).stdout).toBe('quoted-number-key\n');
    expect((await repo.run(['get', RICH, '456'])).stdout).toBe('bare-number-key\n');

    // A set through the CLI keeps it all too.
    expect((await repo.run(['set', RICH, 'alpha.inner', '--value', 'three'])).code).toBe(0);
    expect((await repo.run(['show', RICH])).stdout).toBe(SHOWN.replace('beta: plain', 'beta: changed').replace('inner: two', 'inner: three'));
  });

  const read2 = () => readFileSync(join(repo.dir, RICH_FILE), 'utf8');
  const topKeys = (t: string) =>
    t
      .split('\n')
      .filter((l) => /^[^\s#-][^:]*:/.test(l))
      .map((l) => l.slice(0, l.indexOf(':', l.startsWith('"') ? l.indexOf('"', 1) : 0)));
});
