/**
 * The command table (src/cli/commands/table.ts) forces its tests: a new row fails here
 * until its command has a working `--help` with an example and an e2e test.
 *
 * What counts as an e2e test of a command: in a test/*.test.ts file that runs the built
 * CLI (it imports ./helpers/cli.js or ./helpers/repo.js), a call `run([…])` or
 * `runCli([…])` — any receiver, e.g. `repo.run(` — whose argv array literal starts with
 * the command's words as string literals: `runCli(['get', …` or
 * `repo.run(['member', 'add', …`. This file's own runs do not count.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, expectTypeOf, it } from 'vitest';
import { COMMANDS, GROUPS } from '../src/cli/commands/table.js';
import type { flag, Key, repeatable, Values } from '../src/cli/commands/options.js';
import { ROOT, runCli, tempDir } from './helpers/cli.js';
import { makeRepo } from './helpers/repo.js';

const THIS_FILE = 'commands.test.ts';
const NAMES = COMMANDS.map((c) => c.name);

const tmp = tempDir('keyfold-commands-');
afterAll(() => tmp.cleanup());

/** `run(['member', 'add'` or `runCli(["get"]`: a call whose argv starts with the command's words. */
export function e2eCall(name: string): RegExp {
  const words = name.split(' ').map((w) => `['"]${w.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}['"]`);
  return new RegExp(`\\b(?:run|runCli)\\(\\s*\\[\\s*${words.join('\\s*,\\s*')}\\s*[,\\]]`);
}

const RUNS_BUILT_CLI = /from '\.\/helpers\/(?:cli|repo)\.js'/;

/** The test files (name → text) that run `name` through the built CLI. */
export function e2eFiles(name: string, files: Record<string, string>): string[] {
  const call = e2eCall(name);
  return Object.entries(files)
    .filter(([file, text]) => file !== THIS_FILE && RUNS_BUILT_CLI.test(text) && call.test(text))
    .map(([file]) => file);
}

function testFiles(): Record<string, string> {
  const dir = join(ROOT, 'test');
  const files: Record<string, string> = {};
  for (const f of readdirSync(dir)) if (f.endsWith('.test.ts')) files[f] = readFileSync(join(dir, f), 'utf8');
  return files;
}

/** The long flags an example passes to its command (`--generate=48` → `--generate`). */
function exampleFlags(example: string, name: string): string[] {
  const at = example.indexOf(`keyfold ${name}`);
  const own = example.slice(at).split(/\s(?:&&|\|\|?|;|#)\s/)[0]!;
  return [...own.matchAll(/\s(--[a-z][a-z-]*)/g)].map((m) => m[1]!);
}

describe('the command table', () => {
  it('names each command once; every two-word command has a described group; every example runs its command', () => {
    expect(new Set(NAMES).size).toBe(NAMES.length);
    for (const c of COMMANDS) {
      const [group, sub] = c.name.split(' ');
      if (sub) expect(GROUPS[group!], `group of ${c.name}`).toBeTruthy();
      expect(c.examples.length, c.name).toBeGreaterThan(0);
      for (const e of c.examples) expect(e, `an example of ${c.name}`).toContain(`keyfold ${c.name}`);
    }
  });

  it('keys options as commander does, typed by their helper', () => {
    expectTypeOf<Key<'--check'>>().toEqualTypeOf<'check'>();
    expectTypeOf<Key<'--rekey-merged'>>().toEqualTypeOf<'rekeyMerged'>();
    expectTypeOf<Key<'-i, --in-place'>>().toEqualTypeOf<'inPlace'>();
    expectTypeOf<Key<'-o, --output <file>'>>().toEqualTypeOf<'output'>();
    expectTypeOf<Key<'--generate [length]'>>().toEqualTypeOf<'generate'>();
    expectTypeOf<Key<'--git-author <pattern>'>>().toEqualTypeOf<'gitAuthor'>();
    expectTypeOf<Values<[ReturnType<typeof flag<'--dry-run'>>, ReturnType<typeof repeatable<'-r, --recipient <age1…>'>>]>>().toEqualTypeOf<{
      dryRun: true | undefined;
      recipient: string[] | undefined;
    }>();
  });

  it.each(NAMES)('`keyfold %s --help` exits 0 and shows its examples, whose options it lists', async (name) => {
    const r = await runCli([...name.split(' '), '--help'], { cwd: tmp.path });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain(`Usage: keyfold ${name}`);
    expect(r.stdout).toMatch(new RegExp(`\\nExamples:\\n {2}\\$ .*keyfold ${name}`));
    const options = r.stdout.slice(r.stdout.indexOf('\nOptions:'), r.stdout.indexOf('\nExamples:'));
    for (const e of COMMANDS.find((c) => c.name === name)!.examples) {
      for (const f of exampleFlags(e, name)) expect(options, `${f} in the example \`${e}\``).toMatch(new RegExp(`${f}\\b`));
    }
  });

  it.each(NAMES)('`keyfold %s` has an e2e test through the built CLI', (name) => {
    const files = e2eFiles(name, testFiles());
    const words = name.split(' ').map((w) => `'${w}'`).join(', ');
    expect(files, `command \`${name}\` has no e2e test: add one that calls run([${words}, …]) or runCli([${words}, …]) (see the top of test/${THIS_FILE})`).not.toEqual([]);
  });

  it('the e2e check fails on a command that no test runs', () => {
    const cli = "import { runCli } from './helpers/cli.js';\n";
    expect(e2eFiles('member add', { 'a.test.ts': `${cli}await repo.run(['member', 'add', 'bob'])` })).toEqual(['a.test.ts']);
    expect(e2eFiles('get', { 'a.test.ts': `${cli}await runCli(["get"], opts)` })).toEqual(['a.test.ts']);
    // Another command, a longer word, the words apart, no built CLI, this very file: none.
    expect(e2eFiles('member add', { 'a.test.ts': `${cli}await repo.run(['member', 'remove', 'add'])` })).toEqual([]);
    expect(e2eFiles('set', { 'a.test.ts': `${cli}await runCli(['settings', 'x'])` })).toEqual([]);
    expect(e2eFiles('rotation status', { 'a.test.ts': `${cli}await run(['rotation', '--json', 'status'])` })).toEqual([]);
    expect(e2eFiles('ls', { 'a.test.ts': "await run(['ls'])" })).toEqual([]);
    expect(e2eFiles('ls', { [THIS_FILE]: `${cli}await runCli(['ls'])` })).toEqual([]);
  });
});

describe('log --git-author (a git author pattern) and validate --author (a GitHub identity)', () => {
  it('log --git-author filters by git author; the old log --author still works, hidden from help', async () => {
    const repo = await makeRepo();
    try {
      const set = async (key: string, value: string) => expect((await repo.run(['set', 'dev/a/x', key, '--stdin'], { input: value })).code).toBe(0);
      await set('K1', 'value-one-1');
      repo.git('add', '-A');
      repo.git('commit', '-q', '-m', 'by bob', '--author', 'Bob Builder <bob@example.org>');
      await set('K2', 'value-two-2');
      repo.git('add', '-A');
      repo.git('commit', '-q', '-m', 'by test');

      const authors = async (args: string[]) => {
        const r = await repo.run(['log', 'dev/a/x', ...args, '--json'], { as: null });
        expect(r.code, r.stderr).toBe(0);
        return (JSON.parse(r.stdout) as { entries: Array<{ author: string }> }).entries.map((e) => e.author);
      };
      expect(await authors(['--git-author', 'Bob'])).toEqual(['Bob Builder']);
      expect(await authors(['--author', 'Bob'])).toEqual(['Bob Builder']);
      expect(await authors(['--git-author', 'bob@example.org'])).toEqual(['Bob Builder']);
      const all = await authors([]);
      expect(all).toHaveLength(2);
      expect(all[1]).toBe('Bob Builder');

      const logHelp = (await runCli(['log', '--help'], { cwd: tmp.path })).stdout;
      expect(logHelp).toContain('--git-author <pattern>');
      expect(logHelp).not.toMatch(/^ {2}--author\b/m);
      expect((await runCli(['validate', '--help'], { cwd: tmp.path })).stdout).toContain('--author <login>');
    } finally {
      repo.cleanup();
    }
  });
});
