/** Command table rows: reading and writing secrets. */
import { defineCommand, type CommandSpec } from './define.js';
import { SOPS_FORMATS } from '../../formats/stores/store.js';
import { WRITE_OPTIONS, choice, flag, oneOf, optionalValue, repeatable, value } from './options.js';

export const SECRETS_COMMANDS: readonly CommandSpec[] = [
  defineCommand({
    name: 'set',
    args: '<ref> <key>',
    summary: 'create or update one value (creates the file, encrypted to the policy)',
    examples: [
      'printf %s "$KEY" | keyfold set prod/providers/openrouter OPENROUTER_API_KEY --stdin',
      'keyfold set dev/api/session SESSION_SECRET --generate=48',
    ],
    options: [
      flag('--stdin', 'read the value from standard input (one trailing newline is removed)'),
      value('--value <value>', 'the value itself (visible in shell history and ps; prefer --stdin)'),
      optionalValue('--generate [length]', 'a random value of LENGTH characters [A-Za-z0-9] (default 32)'),
      flag('--allow-empty', 'accept an empty value (refused by default: usually an unset variable)'),
      ...WRITE_OPTIONS,
    ],
    load: () => import('./set.js'),
    json: true,
  }),
  defineCommand({
    name: 'get',
    args: '<ref> <key>',
    summary: 'print one value',
    examples: ['keyfold get dev/api/db DATABASE_URL', 'keyfold get dev/api/db db.password --json'],
    load: () => import('./get.js'),
    json: true,
  }),
  defineCommand({
    name: 'unset',
    args: '<ref> <key>',
    summary: 'remove one key',
    examples: ['keyfold unset dev/api/db OLD_PASSWORD'],
    options: [...WRITE_OPTIONS],
    load: () => import('./unset.js'),
    json: true,
  }),
  defineCommand({
    name: 'show',
    args: '<ref>',
    summary: 'print a decrypted file',
    examples: ['keyfold show dev/api/db', 'keyfold show dev/api/db --format dotenv > .env'],
    options: [choice('-f, --format <format>', 'output format', ['yaml', 'json', 'dotenv'], 'yaml')],
    load: () => import('./show.js'),
    json: true,
  }),
  defineCommand({
    name: 'ls',
    args: '[prefix]',
    summary: 'list refs and their key names (no decryption)',
    examples: ['keyfold ls', 'keyfold ls prod/providers --json'],
    load: () => import('./ls.js'),
    json: true,
  }),
  defineCommand({
    name: 'edit',
    args: '<ref-or-file>',
    summary: 'edit a decrypted copy in $EDITOR (private temp file, never in the repo); a ref, or any sops file by path',
    examples: ['EDITOR="code --wait" keyfold edit dev/api/db', 'keyfold edit config/app.enc.env'],
    options: [oneOf('--input-type <format>', "the file's format when its extension does not tell (edit FILE)", SOPS_FORMATS), ...WRITE_OPTIONS],
    load: () => import('./edit.js'),
    json: true,
  }),
  defineCommand({
    name: 'encrypt',
    args: '<file>',
    summary: 'encrypt a plaintext file, sops-style (YAML, JSON, dotenv, INI or binary by extension; to stdout, or --in-place)',
    examples: ['keyfold encrypt config.yaml -r age1… > config.enc.yaml', 'keyfold encrypt secrets/dev/app.yaml --in-place', 'keyfold encrypt .env -r age1… > .env.enc'],
    options: [
      repeatable('-r, --recipient <age1…>', "age recipient (repeatable; default for a file under secrets/: the policy's readers of its ref)"),
      flag('-i, --in-place', 'replace the file'),
      oneOf('--input-type <format>', 'read the file as this format (default: by extension; anything unknown is binary)', SOPS_FORMATS),
      oneOf('--output-type <format>', 'write the encrypted file in this format (default: the input format)', SOPS_FORMATS),
      ...WRITE_OPTIONS,
    ],
    load: () => import('./encrypt.js'),
    json: true,
  }),
  defineCommand({
    name: 'decrypt',
    args: '<paths...>',
    summary: 'decrypt files or whole directories (recursively), sops-style, in every sops format',
    examples: ['keyfold decrypt secrets/dev/api/db.yaml', 'keyfold decrypt secrets/ --json > all.json', 'keyfold decrypt app.enc.env --output-type json'],
    options: [
      flag('-i, --in-place', 'replace each file with its plaintext (mode 0600)'),
      oneOf('--input-type <format>', 'read files as this format (default: by extension)', SOPS_FORMATS),
      oneOf('--output-type <format>', 'print in this format (default: the input format)', SOPS_FORMATS),
    ],
    load: () => import('./decrypt.js'),
    json: true,
  }),
];
