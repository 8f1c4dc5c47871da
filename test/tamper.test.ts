/**
 * Tampering with what the format authenticates (docs/threat-model.md) is detected through the
 * built CLI: exit 5, nothing on stdout, one line on stderr that holds no value and no
 * stack trace — for `get`, `set`, and `decrypt` both under `secrets/` (strict) and
 * outside any repository (sops-lenient). Plus the neighbouring exit codes: a wrong
 * identity is 4, a missing ref or key is 6.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CliResult } from './helpers/cli.js';
import { makeRepo, type TestRepo } from './helpers/repo.js';

/** Values long enough that a leak of any part would show; each one distinct. */
const VALUES = {
  A: 'alpha-plaintext-0123456789-first',
  B: 'bravo-plaintext-abcdefghij-middle',
  C: 'charlie-plaintext-ZYXWVUTSRQ-last',
  NOTE_unencrypted: 'visible-note-not-secret',
} as const;
const LIST = ['list-item-one-secret', 'list-item-two-secret', 'list-item-three-secret'];
const LIST_TOKEN = 'list-file-token-secret';
const ALL_SECRETS = [VALUES.A, VALUES.B, VALUES.C, ...LIST, LIST_TOKEN];

type Field = 'data' | 'iv' | 'tag';
const ENC_RE = /ENC\[AES256_GCM,data:([^,]*),iv:([^,]*),tag:([^,]*),type:([a-z]+)\]/;

/** Flip every bit of one byte of the decoded `field` of the ENC string, re-encoded. */
function flipEncByte(enc: string, field: Field, at: 'first' | 'middle' | 'last'): string {
  const m = ENC_RE.exec(enc);
  if (!m) throw new Error('not an ENC string');
  const parts = { data: m[1]!, iv: m[2]!, tag: m[3]! };
  const bytes = Buffer.from(parts[field], 'base64');
  const i = at === 'first' ? 0 : at === 'last' ? bytes.length - 1 : bytes.length >> 1;
  bytes[i] = bytes[i]! ^ 0xff;
  parts[field] = bytes.toString('base64');
  return `ENC[AES256_GCM,data:${parts.data},iv:${parts.iv},tag:${parts.tag},type:${m[4]}]`;
}

/** The ENC string on the line `<key>: ENC[…]` (top level) of `text`. */
function encOf(text: string, key: string): string {
  const m = new RegExp(`^${key}: (ENC\\[[^\\]]+\\])$`, 'm').exec(text);
  if (!m) throw new Error(`no encrypted value for ${key}`);
  return m[1]!;
}

function replaceOnce(text: string, from: string, to: string): string {
  const i = text.indexOf(from);
  if (i < 0 || text.indexOf(from, i + 1) >= 0) throw new Error('expected exactly one occurrence');
  return text.slice(0, i) + to + text.slice(i + from.length);
}

/** Remove the `n`-th base64 line (0-based; -1 = last) of the first age envelope. */
function dropArmorLine(text: string, n: number): string {
  const lines = text.split('\n');
  const begin = lines.findIndex((l) => l.trim() === '-----BEGIN AGE ENCRYPTED FILE-----');
  const end = lines.findIndex((l, i) => i > begin && l.trim() === '-----END AGE ENCRYPTED FILE-----');
  const body = end - begin - 1;
  if (begin < 0 || body < 3) throw new Error('unexpected envelope layout');
  const idx = begin + 1 + (n < 0 ? body + n : n);
  lines.splice(idx, 1);
  return lines.join('\n');
}

function expectIntegrityFailure(r: CliResult, what: string): void {
  expect(r.code, `${what}: exit code (stderr: ${r.stderr})`).toBe(5);
  expectOneCleanLine(r, what);
}

function expectOneCleanLine(r: CliResult, what: string): void {
  expect(r.stdout, `${what}: stdout`).toBe('');
  expect(r.stderr, `${what}: one line on stderr`).toMatch(/^keyfold: [^\n]+\n$/);
  expect(r.stderr, `${what}: no stack trace`).not.toMatch(/\n\s+at |Error:|node:internal/);
  for (const s of [...ALL_SECRETS, VALUES.NOTE_unencrypted]) {
    expect(r.stderr, `${what}: no value in stderr`).not.toContain(s);
  }
  // Not even a fragment: 12 characters of any secret.
  for (const s of ALL_SECRETS) expect(r.stderr, `${what}: no value fragment`).not.toContain(s.slice(6, 18));
}

let repo: TestRepo;
let outside: string;
let db: string; // secrets/dev/app/db.yaml with A, B, C (+ an _unencrypted note)
let list: string; // secrets/dev/app/list.yaml with a list, encrypted by `keyfold encrypt`

beforeAll(async () => {
  repo = await makeRepo({ members: ['outsider'], keyPattern: '.+' });
  outside = join(repo.dir, '..', 'outside');
  mkdirSync(outside);
  for (const [key, value] of Object.entries(VALUES)) {
    const r = await repo.run(['set', 'dev/app/db', key, '--stdin'], { input: value });
    if (r.code !== 0) throw new Error(`set failed: ${r.stderr}`);
  }
  const listPath = join(repo.dir, 'secrets', 'dev', 'app', 'list.yaml');
  writeFileSync(listPath, `hosts:\n${LIST.map((v) => `    - ${v}\n`).join('')}token: ${LIST_TOKEN}\n`);
  const r = await repo.run(['encrypt', listPath, '--in-place', '-r', repo.admin.recipient]);
  if (r.code !== 0) throw new Error(`encrypt failed: ${r.stderr}`);
  db = readFileSync(join(repo.dir, 'secrets', 'dev', 'app', 'db.yaml'), 'utf8');
  list = readFileSync(listPath, 'utf8');
});

afterAll(() => repo?.cleanup());

describe('test fixtures', () => {
  it('db and list files have the expected shape', () => {
    for (const k of ['A', 'B', 'C']) expect(encOf(db, k)).toMatch(ENC_RE);
    expect(db).toContain(`NOTE_unencrypted: ${VALUES.NOTE_unencrypted}`);
    expect(list.match(/^ {4}- ENC\[/gm)).toHaveLength(3);
    for (const s of ALL_SECRETS) {
      expect(db).not.toContain(s);
      expect(list).not.toContain(s);
    }
  });
});

interface Case {
  name: string;
  /** The tampered file text. */
  make: () => string;
  /** A key to `get`. */
  key: string;
  /** Which pristine file the case derives from. */
  base: 'db' | 'list';
}

const cases: Case[] = [];
for (const [key, at] of [
  ['A', 'first'],
  ['B', 'middle'],
  ['C', 'last'],
] as const) {
  for (const field of ['data', 'iv', 'tag'] as const) {
    cases.push({
      name: `flipped ${at} byte of ${field} of ${key} (${key === 'A' ? 'first' : key === 'B' ? 'middle' : 'last'} value)`,
      key,
      base: 'db',
      make: () => replaceOnce(db, encOf(db, key), flipEncByte(encOf(db, key), field, at)),
    });
  }
}
cases.push(
  {
    name: 'ENC strings of A and B swapped',
    key: 'A',
    base: 'db',
    make: () => {
      const a = encOf(db, 'A');
      const b = encOf(db, 'B');
      return db.replace(`A: ${a}`, `A: ${b}`).replace(`B: ${b}`, `B: ${a}`);
    },
  },
  {
    name: 'value moved to another key (A renamed to Z)',
    key: 'B',
    base: 'db',
    make: () => replaceOnce(db, `A: ${encOf(db, 'A')}`, `Z: ${encOf(db, 'A')}`),
  },
  {
    name: 'an encrypted value replaced by plaintext',
    key: 'B',
    base: 'db',
    make: () => replaceOnce(db, encOf(db, 'A'), 'attacker-chosen'),
  },
  {
    name: 'the _unencrypted value edited (it is in the MAC)',
    key: 'A',
    base: 'db',
    make: () => replaceOnce(db, VALUES.NOTE_unencrypted, 'visible-note-EDITED'),
  },
  {
    name: 'a deleted value line',
    key: 'A',
    base: 'db',
    make: () => replaceOnce(db, `B: ${encOf(db, 'B')}\n`, ''),
  },
  {
    name: 'two list items swapped',
    key: 'token',
    base: 'list',
    make: () => {
      const items = [...list.matchAll(/^ {4}- (ENC\[[^\]]+\])$/gm)].map((m) => m[1]!);
      return list.replace(`- ${items[0]}`, '- @@0@@').replace(`- ${items[1]}`, `- ${items[0]}`).replace('- @@0@@', `- ${items[1]}`);
    },
  },
  {
    name: 'a list item deleted',
    key: 'token',
    base: 'list',
    make: () => {
      const item = /^ {4}- ENC\[[^\]]+\]\n/m.exec(list)![0];
      return replaceOnce(list, item, '');
    },
  },
  {
    name: 'MAC data byte flipped',
    key: 'A',
    base: 'db',
    make: () => {
      const mac = /mac: (ENC\[[^\]]+\])/.exec(db)![1]!;
      return replaceOnce(db, mac, flipEncByte(mac, 'data', 'middle'));
    },
  },
  {
    name: 'MAC tag byte flipped',
    key: 'A',
    base: 'db',
    make: () => {
      const mac = /mac: (ENC\[[^\]]+\])/.exec(db)![1]!;
      return replaceOnce(db, mac, flipEncByte(mac, 'tag', 'last'));
    },
  },
  {
    name: 'lastmodified edited (one digit)',
    key: 'A',
    base: 'db',
    make: () => {
      const lm = /lastmodified: "([^"]+)"/.exec(db)![1]!;
      const edited = lm.replace(/(\d)(Z)$/, (_m, d: string, z: string) => `${(Number(d) + 1) % 10}${z}`);
      return replaceOnce(db, `lastmodified: "${lm}"`, `lastmodified: "${edited}"`);
    },
  },
  {
    name: 'age envelope truncated (first base64 line removed)',
    key: 'A',
    base: 'db',
    make: () => dropArmorLine(db, 0),
  },
  {
    name: 'age envelope truncated (a middle base64 line removed)',
    key: 'A',
    base: 'db',
    make: () => dropArmorLine(db, 2),
  },
  {
    name: 'age envelope truncated (last base64 line removed)',
    key: 'A',
    base: 'db',
    make: () => dropArmorLine(db, -1),
  },
);

describe('tampering is detected (exit 5, one clean line)', () => {
  cases.forEach((c, i) => {
    it.concurrent(c.name, async () => {
      const tampered = c.make();
      expect(tampered).not.toBe(c.base === 'db' ? db : list);
      const ref = `dev/tamper/case${i}`;
      const inRepo = join(repo.dir, 'secrets', 'dev', 'tamper', `case${i}.yaml`);
      const out = join(outside, `case${i}.yaml`);
      mkdirSync(join(repo.dir, 'secrets', 'dev', 'tamper'), { recursive: true });
      writeFileSync(inRepo, tampered);
      writeFileSync(out, tampered);

      expectIntegrityFailure(await repo.run(['get', ref, c.key]), `get ${c.name}`);
      expectIntegrityFailure(await repo.run(['show', ref]), `show ${c.name}`);
      expectIntegrityFailure(await repo.run(['decrypt', inRepo]), `decrypt (strict) ${c.name}`);
      expectIntegrityFailure(await repo.run(['decrypt', out]), `decrypt (outside the repo) ${c.name}`);
      // The write path refuses too, and leaves the file as it was.
      expectIntegrityFailure(await repo.run(['set', ref, 'NEW', '--stdin'], { input: 'x' }), `set ${c.name}`);
      expect(readFileSync(inRepo, 'utf8')).toBe(tampered);
    });
  });
});

describe('controls and neighbouring exit codes', () => {
  it('untampered copies decrypt (so every failure above is the tamper)', async () => {
    const inRepo = join(repo.dir, 'secrets', 'dev', 'tamper', 'control.yaml');
    mkdirSync(join(repo.dir, 'secrets', 'dev', 'tamper'), { recursive: true });
    writeFileSync(inRepo, db);
    writeFileSync(join(outside, 'control.yaml'), db);
    writeFileSync(join(outside, 'control-list.yaml'), list);
    for (const k of ['A', 'B', 'C'] as const) {
      const r = await repo.run(['get', 'dev/tamper/control', k]);
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      expect(r.stdout).toBe(`${VALUES[k]}\n`);
    }
    const d = await repo.run(['decrypt', join(outside, 'control-list.yaml'), '--json']);
    expect(d.stderr).toBe('');
    expect(d.code).toBe(0);
    expect(Object.values(JSON.parse(d.stdout) as Record<string, unknown>)).toEqual([{ hosts: LIST, token: LIST_TOKEN }]);
  });

  it('a wrong identity (not a recipient) exits 4 for get, show, set and decrypt', async () => {
    const as = repo.identity('outsider');
    const file = join(repo.dir, 'secrets', 'dev', 'app', 'db.yaml');
    for (const args of [['get', 'dev/app/db', 'A'], ['show', 'dev/app/db'], ['set', 'dev/app/db', 'A', '--stdin'], ['decrypt', file]]) {
      const r = await repo.run(args, { as, input: 'x' });
      expect(r.code, `${args[0]}: ${r.stderr}`).toBe(4);
      expectOneCleanLine(r, args[0]!);
    }
    expect(readFileSync(file, 'utf8')).toBe(db);
  });

  it('a missing ref exits 6, a missing key exits 6', async () => {
    const noRef = await repo.run(['get', 'dev/app/nope', 'A']);
    expect(noRef.code).toBe(6);
    expectOneCleanLine(noRef, 'missing ref');
    expect(noRef.stderr).toContain('dev/app/nope');
    const noKey = await repo.run(['get', 'dev/app/db', 'NOPE']);
    expect(noKey.code).toBe(6);
    expectOneCleanLine(noKey, 'missing key');
    expect(noKey.stderr).toContain('NOPE');
    const noFile = await repo.run(['decrypt', join(outside, 'nope.yaml')]);
    expect(noFile.code).toBe(6);
    expectOneCleanLine(noFile, 'missing file');
  });
});
