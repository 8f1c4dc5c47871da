/** Asking for help is not a usage error; help for a command that does not exist is. */
import { afterAll, describe, expect, it } from 'vitest';
import { runCli as cli, tempDir } from './helpers/cli.js';
import { COMMANDS } from '../src/cli/commands/table.js';

const tmp = tempDir('keyfold-help-');
afterAll(() => tmp.cleanup());
const runCli = (args: string[]) => cli(args, { cwd: tmp.path });

describe('keyfold help', () => {
  it('`help CMD` and `help` print help on stdout and exit 0, as `CMD --help` does', async () => {
    const viaHelp = await runCli(['help', 'set']);
    const viaFlag = await runCli(['set', '--help']);
    expect(viaHelp.code).toBe(0);
    expect(viaHelp.stdout).toBe(viaFlag.stdout);
    expect(viaHelp.stdout).toMatch(/^Usage: keyfold set /);
    const top = await runCli(['help']);
    expect(top.code).toBe(0);
    expect(top.stdout).toMatch(/^Usage: keyfold /);
  });

  it('`help` of an unknown command is one usage line (exit 2); `keyfold` alone still shows the help with exit 2', async () => {
    const r = await runCli(['help', 'nosuch']);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe("keyfold: unknown command 'nosuch' — see `keyfold --help`\n");
    const bare = await runCli([]);
    expect(bare.code).toBe(2);
    expect(bare.stderr).toMatch(/^Usage: keyfold /);
  });

  it('every help fits 80 columns: the whole CLI, each group and each command (descriptions wrap; examples are shell lines, kept whole)', async () => {
    const names = new Set<string>();
    for (const c of COMMANDS) {
      names.add(c.name);
      if (c.name.includes(' ')) names.add(c.name.split(' ')[0]!);
    }
    const wide: string[] = [];
    for (const args of [[], ...[...names].map((n) => n.split(' '))]) {
      const r = await runCli([...args, '--help']);
      expect(r.code, `${args.join(' ')} --help`).toBe(0);
      for (const line of r.stdout.split('\n')) if (line.length > 80 && !line.startsWith('  $ ')) wide.push(`${args.join(' ') || '(keyfold)'}: ${line}`);
    }
    expect(wide).toEqual([]);
  }, 60_000);

  it("a usage error points at the help of the command given, nested ones and groups too", async () => {
    const hint = async (args: string[]) => {
      const r = await runCli(args);
      expect(r.code, args.join(' ')).toBe(2);
      return /see `(keyfold[^`]*)`/.exec(r.stderr)?.[1];
    };
    expect(await hint(['member', 'add', 'bob'])).toBe('keyfold member add --help');
    expect(await hint(['recipients', 'sync', '--bogus'])).toBe('keyfold recipients sync --help');
    expect(await hint(['get', '--bogus'])).toBe('keyfold get --help');
    expect(await hint(['member', 'ad', 'bob'])).toBe('keyfold member --help');
    expect(await hint(['gte'])).toBe('keyfold --help');
  });

  it('with --json a usage error is the same JSON object as any other error; a child\'s --json after -- does not count', async () => {
    const r = await runCli(['get', 'dev/x/y', 'K', '--json', '--bogus']);
    expect(r.code).toBe(2);
    expect(JSON.parse(r.stderr)).toEqual({ error: { code: 'usage', message: "unknown option '--bogus'", hint: 'see `keyfold get --help`', exitCode: 2 } });
    const child = await runCli(['run', '--env', 'dev', '--bogus', '--', 'tool', '--json']);
    expect(child.code).toBe(2);
    expect(child.stderr).toBe("keyfold: unknown option '--bogus' — see `keyfold run --help`\n");
  });
});
