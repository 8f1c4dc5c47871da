/** Command table rows: setting up a repository and an identity, and checking both. */
import { defineCommand, type CommandSpec } from './define.js';
import { oneOf, value } from './options.js';

export const SETUP_COMMANDS: readonly CommandSpec[] = [
  defineCommand({
    name: 'init',
    args: '[dir]',
    summary: 'scaffold a secrets repository: config, policy with tier roles, rules, generated .sops.yaml and CODEOWNERS, CI workflows; git init',
    examples: [
      'keyfold init --admin carol --github carol --action-ref keyfold/keyfold@<commit of the release you trust>',
      'keyfold init ./secrets-repo --recipient age1…',
      'keyfold init --install npm   # workflows run the keyfold package from your package-lock.json',
    ],
    options: [
      value('--admin <name>', 'member name of the first admin'),
      value('--recipient <age1…>', "the admin's age recipient (default: the identity found)"),
      value('--github <login>', "the admin's GitHub login"),
      value('--action-ref <owner/repo@sha>', 'the keyfold GitHub Action the workflows use, pinned by commit (default: keyfold/keyfold at a placeholder commit to replace)'),
      oneOf('--install <how>', 'how the workflows run keyfold: action (default), or npm (the package from your lockfile, for teams that vendor it)', ['action', 'npm']),
    ],
    load: () => import('./init.js'),
    json: true,
  }),
  defineCommand({
    name: 'keygen',
    args: '',
    summary: 'generate an age identity (age-keygen format)',
    examples: ['keyfold keygen -o ~/.config/sops/age/keys.txt', 'keyfold keygen > key.txt'],
    options: [value('-o, --output <file>', 'write the identity to FILE (created exclusively, mode 0600) and print only the recipient')],
    load: () => import('./keygen.js'),
    json: true,
  }),
  defineCommand({
    name: 'whoami',
    args: '',
    summary: 'which identities keyfold finds and where, the members they are, their roles, and what they can read and write',
    examples: ['keyfold whoami', 'keyfold whoami --json'],
    load: () => import('./whoami.js'),
    json: true,
  }),
  defineCommand({
    name: 'doctor',
    args: '',
    summary: 'health check: identity sources, environments you can open, config and policy valid, generated files current, git, age (exit 1 if a check fails)',
    examples: ['keyfold doctor', 'keyfold doctor --json'],
    load: () => import('./doctor.js'),
    json: true,
  }),
  defineCommand({
    name: 'completion',
    args: '<shell>',
    summary: 'print a shell completion script (bash, zsh or fish)',
    examples: ['source <(keyfold completion bash)', 'keyfold completion fish > ~/.config/fish/completions/keyfold.fish'],
    load: () => import('./completion.js'),
    json: false,
  }),
];
