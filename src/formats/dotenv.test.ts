/**
 * .env and shell output round-trip exactly — through the `dotenv` package (both its
 * parsers) and through `set -a; . file` in bash and sh — and never run code.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import dotenv from 'dotenv';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { UsageError } from '../kernel/errors.js';
import { dotenvRefusal, encodeDotenv } from './dotenv.js';
import { encodeShell } from './shell.js';

const dir = mkdtempSync(join(tmpdir(), 'keyfold-dotenv-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const canary = join(dir, 'pwned');

const HOSTILE = [
  '',
  'plain',
  ' leading and trailing ',
  ['-----BEGIN', 'PRIVATE KEY-----\nMIIEv\nQ==\n-----END', 'PRIVATE KEY-----\n'].join(' '),
  `$(touch ${canary})`,
  `\`touch ${canary}\``,
  `"; touch ${canary}; "`,
  `'; touch ${canary}; '`,
  'a#b # not a comment',
  'back\\slash\\n not a newline\\',
  'trailing backslash\\',
  '"double" quotes',
  "it's",
  "it's\nmulti-line",
  'emoji 🔑 and ünïcödé and \u2028 separator',
  '${HOME} and $HOME',
  'tab\tinside',
  '=starts with equals',
  'export X=1',
];

/** Values of the variables after sourcing `file` in `shell` (NUL-separated), with `set -a`. */
function sourced(shell: string, file: string, names: string[]): string[] {
  const script = `set -a; . "$1"; shift; for n in "$@"; do eval "printf '%s\\\\0' \\"\\$$n\\""; done`;
  const out = execFileSync(shell, ['-c', script, shell, file, ...names], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], env: { PATH: process.env['PATH'], HOME: dir } });
  return out.split('\0').slice(0, names.length);
}

function check(values: string[]): void {
  const carried = values.filter((v) => dotenvRefusal(v) === undefined);
  const entries = carried.map((v, i) => [`V_${i}`, v] as const);
  const names = entries.map(([n]) => n);
  const text = encodeDotenv(entries);
  expect(dotenv.parse(text)).toEqual(Object.fromEntries(entries));
  expect(dotenv.parse(text, { fast: true } as never)).toEqual(Object.fromEntries(entries));
  const file = join(dir, 'values.env');
  writeFileSync(file, text);
  for (const shell of ['bash', 'sh']) expect(sourced(shell, file, names)).toEqual(carried);
  const shellFile = join(dir, 'values.sh');
  const all = values.filter((v) => !v.includes('\0')).map((v, i) => [`S_${i}`, v] as const);
  writeFileSync(shellFile, encodeShell(all));
  for (const shell of ['bash', 'sh']) {
    expect(sourced(shell, shellFile, all.map(([n]) => n))).toEqual(all.map(([, v]) => v));
  }
  expect(existsSync(canary)).toBe(false);
}

describe('dotenv and shell output', () => {
  it('round-trips hostile values through dotenv, bash and sh without running anything', () => {
    check(HOSTILE);
  });

  it('round-trips arbitrary text (property)', () => {
    const chars = fc.constantFrom('a', 'Z', '0', ' ', '\n', '\t', "'", '"', '`', '$', '\\', '#', '=', '(', ')', '{', '}', ';', '&', '|', '!', '*', 'é', '🔑', '\u2028');
    fc.assert(
      fc.property(fc.array(fc.string({ unit: chars, maxLength: 24 }), { minLength: 1, maxLength: 40 }), (values) => check(values)),
      { numRuns: 40 },
    );
  });

  it('refuses, naming the key, what no .env quoting carries safely', () => {
    for (const v of ["it's $HOME", 'it\'s "quoted"', "it's a \\", "it's `x`", 'cr\r\nlf', 'nul\0']) {
      expect(() => encodeDotenv([['API_KEY', v]])).toThrow(UsageError);
      expect(() => encodeDotenv([['API_KEY', v]])).toThrow(/API_KEY/);
    }
  });
});
