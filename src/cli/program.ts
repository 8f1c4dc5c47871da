/**
 * Commander wiring: turns the command table (commands/table.ts) into commander commands,
 * parses argv, runs the handler and maps every outcome to an exit code. Writes nothing
 * itself: help goes through render/output.ts, errors through render/errors.ts.
 */
import { Command, CommanderError } from 'commander';
import { ExitCode } from '../kernel/errors.js';
import type { GlobalOptions } from '../ops/context/workspace.js';
import type { CommandSpec } from './commands/define.js';
import { GLOBAL_OPTIONS, JSON_OPTIONS, type Values } from './commands/options.js';
import { COMMANDS, GROUPS } from './commands/table.js';
import type { Io } from './io/io.js';
import { reportError, reportNoCommand, reportUsage } from './render/errors.js';
import { Output } from './render/output.js';

type Globals = Values<typeof GLOBAL_OPTIONS> & Partial<Values<typeof JSON_OPTIONS>>;

const FOOTER = `
Exit codes: 0 ok, 1 failure, 2 usage, 3 violations, 4 no identity can decrypt,
            5 integrity (MAC/tamper/malformed), 6 not found,
            7 sync partly failed, 70 bug.
Identities: --identity FILE, else KEYFOLD_AGE_KEY(_FILE), SOPS_AGE_KEY(_FILE)
            and $XDG_CONFIG_HOME/sops/age/keys.txt.`;

/**
 * A group's subcommands listed by name and arguments, without commander's "[options]":
 * `git merge <base> <ours> <theirs> <path>` would otherwise leave too narrow a column
 * for the descriptions to wrap at 80.
 */
const GROUP_HELP = {
  subcommandTerm: (c: Command) => [c.name(), ...c.registeredArguments.map((a) => (a.required ? `<${a.name()}${a.variadic ? '...' : ''}>` : `[${a.name()}${a.variadic ? '...' : ''}]`))].join(' '),
};

/** Adds the command of `spec` (under its group for `member add`) to `program`. */
function addCommand(program: Command, groups: Map<string, Command>, spec: CommandSpec, run: (args: string[], opts: Globals) => Promise<void>): void {
  const [first, sub] = spec.name.split(' ') as [string, string | undefined];
  let parent = program;
  if (sub) {
    parent = groups.get(first) ?? program.command(first).description(GROUPS[first] ?? '').configureHelp(GROUP_HELP);
    groups.set(first, parent);
  }
  const cmd = parent.command(`${sub ?? first}${spec.args ? ' ' + spec.args : ''}`).description(spec.summary);
  for (const option of [...spec.options, ...GLOBAL_OPTIONS, ...(spec.json ? JSON_OPTIONS : [])]) option.addTo(cmd);
  cmd.addHelpText('after', `\nExamples:\n${spec.examples.map((e) => `  $ ${e}`).join('\n')}\n`);
  cmd.action((...params: unknown[]) => {
    const command = params[params.length - 1] as Command;
    const args = (params.slice(0, -2) as Array<string | string[] | undefined>).flatMap((a) => (a === undefined ? [] : a));
    return run(args, command.opts<Globals>());
  });
}

/**
 * The commands to register: those `argv` names (a command, or a group and its members),
 * else all of them (`--help`, `help CMD`, a typo's suggestions). Registering 40 commands
 * with their options is a few milliseconds a short command need not pay.
 */
function commandsFor(argv: readonly string[]): readonly CommandSpec[] {
  const named = COMMANDS.filter((c) => c.name.split(' ')[0] === argv[0]);
  return named.length > 0 ? named : COMMANDS;
}

/** Runs the CLI on `argv` (without node and script) and returns the exit code. */
export async function run(argv: string[], io: Io, version: string): Promise<number> {
  const program = new Command('keyfold');
  const screen = new Output(io, false);
  // --json among keyfold's own arguments (not a `run` child's, after `--`), until parsing knows.
  let jsonMode = (argv.includes('--') ? argv.slice(0, argv.indexOf('--')) : argv).includes('--json');
  let captured = '';
  program
    .description('GitOps for secrets: SOPS-compatible age-encrypted YAML, access policy and audit from git')
    .version(version, '-V, --version')
    .exitOverride()
    .configureOutput({
      writeOut: (s) => screen.raw(s),
      writeErr: (s) => {
        captured += s;
      },
    })
    .showSuggestionAfterError(true)
    .addHelpText('after', FOOTER);

  // A handler may return its own exit status (`run`: the child's).
  let exitStatus: number = ExitCode.ok;
  const groups = new Map<string, Command>();
  for (const spec of commandsFor(argv)) {
    addCommand(program, groups, spec, async (args, opts) => {
      jsonMode = opts.json === true;
      const out = new Output(io, jsonMode);
      const global: GlobalOptions = {
        cwd: io.cwd,
        env: io.env,
        repo: opts.repo,
        identity: opts.identity,
        worktreePolicy: (opts as { worktreePolicy?: true }).worktreePolicy === true,
        note: (message) => out.warn(message),
        version,
      };
      const handler = (await spec.load()).default;
      // The row's defineCommand checked that the handler takes these options.
      const status = await handler({ out, io, global }, args, opts as never);
      if (typeof status === 'number') exitStatus = status;
    });
  }

  try {
    await program.parseAsync(argv, { from: 'user' });
    return exitStatus;
  } catch (e) {
    if (e instanceof CommanderError) {
      if (e.code === 'commander.helpDisplayed' || e.code === 'commander.version') return ExitCode.ok;
      // `keyfold help CMD` printed its help: exit 0. `keyfold` alone, or `help` of an unknown command: usage.
      if (e.code === 'commander.help' && e.exitCode === 0) return ExitCode.ok;
      if (e.code === 'commander.help' && argv[0] === 'help' && argv[1] !== undefined && !COMMANDS.some((c) => c.name === argv[1])) {
        return reportUsage(io, `unknown command '${argv[1].slice(0, 60)}'`, '', undefined, jsonMode);
      }
      if (e.code === 'commander.help') return reportNoCommand(io, captured);
      // The help to point at: a command's (`member add`, `get`), else its group's (`member`).
      const named = [argv.slice(0, 2).join(' '), argv[0]].find((n) => n !== undefined && (COMMANDS.some((c) => c.name === n) || Object.hasOwn(GROUPS, n)));
      return reportUsage(io, captured, e.message, named, jsonMode);
    }
    return reportError(e, io, jsonMode);
  }
}
