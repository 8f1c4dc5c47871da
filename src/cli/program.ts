/**
 * Commander wiring. Each command declares its arguments, options and an example here;
 * its handler module (and the heavy dependencies behind it) loads only when it runs.
 */
import { Command, CommanderError, Option } from 'commander';
import { ExitCode } from '../kernel/errors.js';
import type { GlobalOptions } from '../ops/context/workspace.js';
import { Output, reportError, type Io } from './render/output.js';

export interface CommandContext {
  out: Output;
  io: Io;
  global: GlobalOptions;
  /** The command as registered, e.g. `member add`. */
  command: string;
}

type Handler = (ctx: CommandContext, args: string[], opts: Record<string, unknown>) => Promise<void>;
type Loader = () => Promise<{ default: Handler }>;

interface CommandSpec {
  name: string;
  args: string;
  summary: string;
  examples: string[];
  options?: (cmd: Command) => void;
  load: Loader;
  /** Prints data, so takes --json. */
  json?: boolean;
}

const collect = (value: string, previous: string[] = []) => [...previous, value];

const COMMANDS: CommandSpec[] = [
  {
    name: 'init',
    args: '[dir]',
    summary: 'scaffold a secrets repository: config, policy with tier roles, rules, generated .sops.yaml and CODEOWNERS, CI workflows; git init',
    examples: ['keyfold init --admin carol --github carol', 'keyfold init ./secrets-repo --recipient age1…'],
    options: (c) =>
      c
        .option('--admin <name>', 'member name of the first admin')
        .option('--recipient <age1…>', "the admin's age recipient (default: the identity found)")
        .option('--github <login>', "the admin's GitHub login"),
    load: () => import('./commands/init.js'),
    json: true,
  },
  {
    name: 'keygen',
    args: '',
    summary: 'generate an age identity (age-keygen format)',
    examples: ['keyfold keygen -o ~/.config/sops/age/keys.txt', 'keyfold keygen > key.txt'],
    options: (c) => c.option('-o, --output <file>', 'write the identity to FILE (created exclusively, mode 0600) and print only the recipient'),
    load: () => import('./commands/keygen.js'),
    json: true,
  },
  {
    name: 'set',
    args: '<ref> <key>',
    summary: 'create or update one value (creates the file, encrypted to the policy)',
    examples: [
      'printf %s "$KEY" | keyfold set prod/providers/openrouter OPENROUTER_API_KEY --stdin',
      'keyfold set dev/api/session SESSION_SECRET --generate=48',
    ],
    options: (c) =>
      c
        .option('--stdin', 'read the value from standard input (one trailing newline is removed)')
        .option('--value <value>', 'the value itself (visible in shell history and ps; prefer --stdin)')
        .addOption(new Option('--generate [length]', 'a random value of LENGTH characters [A-Za-z0-9] (default 32)')),
    load: () => import('./commands/set.js'),
    json: true,
  },
  {
    name: 'get',
    args: '<ref> <key>',
    summary: 'print one value',
    examples: ['keyfold get dev/api/db DATABASE_URL', 'keyfold get dev/api/db db.password --json'],
    load: () => import('./commands/get.js'),
    json: true,
  },
  {
    name: 'unset',
    args: '<ref> <key>',
    summary: 'remove one key',
    examples: ['keyfold unset dev/api/db OLD_PASSWORD'],
    load: () => import('./commands/unset.js'),
    json: true,
  },
  {
    name: 'show',
    args: '<ref>',
    summary: 'print a decrypted file',
    examples: ['keyfold show dev/api/db', 'keyfold show dev/api/db --format dotenv > .env'],
    options: (c) =>
      c.addOption(new Option('-f, --format <format>', 'output format').choices(['yaml', 'json', 'dotenv']).default('yaml')),
    load: () => import('./commands/show.js'),
    json: true,
  },
  {
    name: 'ls',
    args: '[prefix]',
    summary: 'list refs and their key names (no decryption)',
    examples: ['keyfold ls', 'keyfold ls prod/providers --json'],
    load: () => import('./commands/ls.js'),
    json: true,
  },
  {
    name: 'edit',
    args: '<ref>',
    summary: 'edit a decrypted copy in $EDITOR (private temp file, never in the repo)',
    examples: ['EDITOR="code --wait" keyfold edit dev/api/db'],
    load: () => import('./commands/edit.js'),
    json: true,
  },
  {
    name: 'encrypt',
    args: '<file>',
    summary: 'encrypt a plaintext YAML file, sops-style (to stdout, or --in-place)',
    examples: ['keyfold encrypt config.yaml -r age1… > config.enc.yaml', 'keyfold encrypt secrets/dev/app.yaml --in-place'],
    options: (c) =>
      c
        .option('-r, --recipient <age1…>', 'age recipient (repeatable; default: every member in the policy)', collect)
        .option('-i, --in-place', 'replace the file'),
    load: () => import('./commands/encrypt.js'),
    json: true,
  },
  {
    name: 'decrypt',
    args: '<paths...>',
    summary: 'decrypt files or whole directories (recursively), sops-style',
    examples: ['keyfold decrypt secrets/dev/api/db.yaml', 'keyfold decrypt secrets/ --json > all.json'],
    options: (c) => c.option('-i, --in-place', 'replace each file with its plaintext (mode 0600)'),
    load: () => import('./commands/decrypt.js'),
    json: true,
  },
  {
    name: 'recipients sync',
    args: '',
    summary: 're-wrap data keys so every file matches the policy (plan first; readers added keep ciphertext, readers removed force a fresh data key)',
    examples: ['keyfold recipients sync --check', 'keyfold recipients sync --env prod'],
    options: (c) =>
      c
        .option('--env <env>', 'only this environment')
        .option('--check', 'report drift and exit 3 if any; needs no identity')
        .option('--rekey-merged', 'also give a fresh data key to files whose sops block changed since the last sync (S6)'),
    load: () => import('./commands/recipients-sync.js'),
    json: true,
  },
  {
    name: 'rotate',
    args: '[prefix]',
    summary: 'give files a fresh data key (every value re-encrypted); plan first',
    examples: ['keyfold rotate prod/providers', 'keyfold rotate --dry-run'],
    options: (c) => c.option('--dry-run', 'print the plan only'),
    load: () => import('./commands/rotate.js'),
    json: true,
  },
  {
    name: 'member add',
    args: '<name>',
    summary: 'add a member to policies/access.yaml (then run `recipients sync`)',
    examples: ['keyfold member add alice --recipient age1… --role developer --github alice', 'keyfold member add me --recipient age1…   # onboarding PR: no role'],
    options: (c) =>
      c
        .requiredOption('--recipient <age1…>', "the member's age recipient")
        .option('--role <role>', 'a role to give them')
        .option('--github <login>', 'their GitHub login (PR authorship)')
        .addOption(new Option('--kind <kind>', 'member kind').choices(['human', 'machine', 'agent']).default('human')),
    load: () => import('./commands/member.js'),
    json: true,
  },
  {
    name: 'member remove',
    args: '<name>',
    summary: 'remove a member from the policy and list every ref they can read (rotate those values)',
    examples: ['keyfold member remove bob && keyfold recipients sync'],
    load: () => import('./commands/member.js'),
    json: true,
  },
  {
    name: 'validate',
    args: '',
    summary: 'everything CI checks: format, encryption, recipients vs policy, rules, secret scan; with --base, who may change what (no identity needed)',
    examples: [
      'keyfold validate',
      'keyfold validate --base origin/main --author "$GITHUB_ACTOR" --format github --summary "$RUNNER_TEMP/summary.md"',
    ],
    options: (c) =>
      c
        .option('--base <rev>', "judge the change since REV with REV's policy (authorization, rollback)")
        .option('--author <login>', 'GitHub login or numeric id of an author (repeatable; default $GITHUB_ACTOR)', collect)
        .addOption(new Option('--format <format>', 'output format').choices(['text', 'json', 'github']).default('text'))
        .option('--summary <file>', 'write the Markdown PR comment (changed key names, services, reviewers) to FILE'),
    load: () => import('./commands/validate.js'),
    json: true,
  },
  {
    name: 'access',
    args: '[ref]',
    summary: 'who can read and write what, now',
    examples: ['keyfold access', 'keyfold access prod/providers/openrouter', 'keyfold access --member alice --json', 'keyfold access --at v1.2.0 prod/api/db', 'keyfold access --history prod/api/db'],
    options: (c) =>
      c
        .option('--member <name>', 'what one member can read and write')
        .option('--at <rev>', 'who could read each ref at a past revision (the files\' recipients then)')
        .option('--history', 'how the readers of REF changed over its history'),
    load: () => import('./commands/access.js'),
    json: true,
  },
  {
    name: 'log',
    args: '[target]',
    summary: 'audit trail from git: per commit, which keys changed in which refs and who gained or lost access (no decryption)',
    examples: ['keyfold log prod/providers/openrouter --key OPENROUTER_API_KEY', 'keyfold log prod --since 2026-01-01 --json'],
    options: (c) =>
      c
        .option('--key <key>', 'only commits that changed this key (nested: a.b)')
        .option('--since <date>', 'commits after this date')
        .option('--until <date>', 'commits before this date')
        .option('--author <pattern>', 'commits by this author (git --author)')
        .option('--decrypt', 'confirm which values changed in re-encryption commits (needs a reader identity)'),
    load: () => import('./commands/log.js'),
    json: true,
  },
  {
    name: 'blame',
    args: '<ref>',
    summary: 'for every key of a ref, the last commit that changed its value',
    examples: ['keyfold blame prod/providers/openrouter', 'keyfold blame prod/providers/openrouter --decrypt'],
    options: (c) => c.option('--decrypt', 'count value changes made together with a data-key rotation (needs a reader identity)'),
    load: () => import('./commands/blame.js'),
    json: true,
  },
  {
    name: 'rotation status',
    args: '',
    summary: 'for every key a removed member could ever read: rotated since the removal, or still pending',
    examples: ['keyfold rotation status', 'keyfold rotation status --json'],
    options: (c) => c.option('--decrypt', 'count value changes made together with a data-key rotation (needs a reader identity)'),
    load: () => import('./commands/rotation-status.js'),
    json: true,
  },
  {
    name: 'report',
    args: '',
    summary: 'a self-contained HTML audit report: access matrix, timeline of changes, pending rotations (no values)',
    examples: ['keyfold report --html access-report.html'],
    options: (c) => c.requiredOption('--html <file>', 'where to write the report'),
    load: () => import('./commands/report.js'),
    json: true,
  },
];

const GROUPS: Record<string, string> = {
  recipients: 'make files\' recipients match the access policy',
  member: 'add or remove members of the access policy',
  rotation: 'track value rotations owed after members leave',
};

function addGlobals(cmd: Command, json: boolean): Command {
  cmd
    .option('--repo <dir>', 'the secrets repository (default: nearest parent with keyfold.yaml)')
    .option('--identity <file>', 'age identity file (repeatable; replaces every other identity source)', collect);
  if (json) cmd.option('--json', 'machine-readable output');
  return cmd;
}

export async function run(argv: string[], io: Io, version: string): Promise<number> {
  const program = new Command('keyfold');
  let jsonMode = argv.includes('--json');
  let captured = '';
  program
    .description('GitOps for secrets: SOPS-compatible age-encrypted YAML, access policy and audit from git')
    .version(version, '-V, --version')
    .exitOverride()
    .configureOutput({
      writeOut: (s) => io.stdout.write(s),
      writeErr: (s) => {
        captured += s;
      },
    })
    .showSuggestionAfterError(true)
    .addHelpText(
      'after',
      `
Exit codes: 0 ok, 1 failure, 2 usage, 3 violations, 4 no identity can decrypt,
            5 integrity (MAC/tamper/malformed), 6 not found, 7 sync partly failed, 70 bug.
Identities: --identity FILE, else KEYFOLD_AGE_KEY(_FILE), SOPS_AGE_KEY(_FILE) and
            $XDG_CONFIG_HOME/sops/age/keys.txt.`,
    );

  let outcome: Promise<void> | undefined;
  const groups = new Map<string, Command>();
  for (const spec of COMMANDS) {
    // `recipients sync`, `member add`: a sub-command under its group.
    const [first, sub] = spec.name.split(' ') as [string, string | undefined];
    let parent: Command = program;
    if (sub) {
      parent = groups.get(first) ?? program.command(first).description(GROUPS[first] ?? '');
      groups.set(first, parent);
    }
    const cmd = parent.command(`${sub ?? first}${spec.args ? ' ' + spec.args : ''}`).description(spec.summary);
    spec.options?.(cmd);
    addGlobals(cmd, spec.json ?? false);
    cmd.addHelpText('after', `\nExamples:\n${spec.examples.map((e) => `  $ ${e}`).join('\n')}\n`);
    cmd.action((...params: unknown[]) => {
      const command = params[params.length - 1] as Command;
      const opts = command.opts() as Record<string, unknown>;
      const args = (params.slice(0, -2) as Array<string | string[] | undefined>).flatMap((a) => (a === undefined ? [] : a));
      jsonMode = opts['json'] === true;
      const global: GlobalOptions = {
        cwd: io.cwd,
        env: io.env,
        repo: opts['repo'] as string | undefined,
        identity: opts['identity'] as string[] | undefined,
      };
      outcome = spec.load().then((m) => m.default({ out: new Output(io, jsonMode), io, global, command: spec.name }, args, opts));
    });
  }

  try {
    await program.parseAsync(argv, { from: 'user' });
    if (outcome) await outcome;
    return ExitCode.ok;
  } catch (e) {
    if (e instanceof CommanderError) {
      if (e.code === 'commander.helpDisplayed' || e.code === 'commander.version') return ExitCode.ok;
      if (e.code === 'commander.help') {
        // `keyfold` with no command: help on stderr, usage exit.
        io.stderr.write(captured);
        return ExitCode.usage;
      }
      const message = (captured.split('\n').find((l) => l.trim()) ?? e.message).replace(/^error:\s*/, '');
      const known = COMMANDS.some((c) => c.name === argv[0]);
      io.stderr.write(`keyfold: ${message} — see \`keyfold ${known ? argv[0] + ' ' : ''}--help\`\n`);
      return ExitCode.usage;
    }
    return reportError(e, io, jsonMode);
  }
}
