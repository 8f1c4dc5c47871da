/** Command table rows: changes as pull requests (`propose set|unset|promote`). */
import { defineCommand, type CommandSpec } from './define.js';
import { flag, optionalValue, value } from './options.js';

const prOptions = () =>
  [
    value('--title <title>', 'the pull request title (default: the commit subject, naming refs and keys)'),
    value('--body <text>', 'text above the generated body (key names, services, targets, reviewers)'),
  ] as const;

export const PROPOSE_COMMANDS: readonly CommandSpec[] = [
  defineCommand({
    name: 'propose set',
    args: '<ref> <key>',
    summary: "open a pull request that sets one value (`set`'s rules, write-only included), on a new branch from the default branch; your working tree is left alone",
    examples: [
      'printf %s "$KEY" | keyfold propose set prod/providers/openai OPENAI_API_KEY --stdin',
      'keyfold propose set dev/api/session SESSION_SECRET --generate=48 --title "New session secret"',
    ],
    options: [
      flag('--stdin', 'read the value from standard input (one trailing newline is removed)'),
      value('--value <value>', 'the value itself (visible in shell history and ps; prefer --stdin)'),
      optionalValue('--generate [length]', 'a random value of LENGTH characters [A-Za-z0-9] (default 32)'),
      flag('--allow-empty', 'accept an empty value (refused by default: usually an unset variable)'),
      ...prOptions(),
    ],
    load: () => import('./propose-set.js'),
    json: true,
  }),
  defineCommand({
    name: 'propose unset',
    args: '<ref> <key>',
    summary: 'open a pull request that removes one key, on a new branch from the default branch',
    examples: ['keyfold propose unset prod/providers/openai OLD_API_KEY --body "Retired in favour of OPENAI_API_KEY"'],
    options: [...prOptions()],
    load: () => import('./propose-unset.js'),
    json: true,
  }),
  defineCommand({
    name: 'propose promote',
    args: '<from> <to>',
    summary: "open a pull request that promotes values from one environment to another (`promote`'s rules), on a new branch from the default branch",
    examples: ['keyfold propose promote dev staging --path providers', 'keyfold propose promote staging prod --path providers --keys OPENROUTER_API_KEY'],
    options: [value('--path <path>', 'only refs below this folder or ref (relative to the environment)'), value('--keys <k1,k2>', 'only these keys (comma-separated; nested: a.b)'), ...prOptions()],
    load: () => import('./propose-promote.js'),
    json: true,
  }),
];
