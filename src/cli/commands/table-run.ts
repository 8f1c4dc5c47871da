/** Command table rows: secrets reaching programs and moving between environments — run, export, import, promote, diff. */
import { BUNDLE_FORMATS } from '../../formats/bundle-names.js';
import { defineCommand, type CommandSpec } from './define.js';
import { WRITE_OPTIONS, choice, flag, negatable, oneOf, repeatable, required, value } from './options.js';

const bundleOptions = () =>
  [
    required('--env <env>', 'the environment'),
    value('--service <name>', 'a service of keyfold.yaml: its imports in order, then its env: block'),
    repeatable('--ref <ref>', 'a ref instead of a service (repeatable; relative to --env or full); a later ref overrides an earlier one'),
  ] as const;

export const RUN_COMMANDS: readonly CommandSpec[] = [
  defineCommand({
    name: 'run',
    args: '[command...]',
    summary:
      "run a command with a service's secrets in its environment (nothing written to disk); its output is redacted: values of 6+ characters, their base64 and URL-encoded forms become [keyfold:NAME]",
    examples: ['keyfold run --env dev --service api -- npm start', 'keyfold run --env dev --ref providers/openrouter -- node scripts/check.js'],
    options: [...bundleOptions(), negatable('--no-redact', 'pass the output through unchanged (redaction catches accidents, not a determined process)')],
    load: () => import('./run.js'),
    json: false,
  }),
  defineCommand({
    name: 'export',
    args: '',
    summary: "a service's (or refs') resolved variables as dotenv, shell, json, yaml or a Kubernetes Secret",
    examples: [
      'keyfold export --env dev --service api --format dotenv --out .env',
      'keyfold export --env prod --service api --format k8s --name api-secrets --namespace api',
      'keyfold export --env dev --service api --names-only > .env.example',
    ],
    options: [
      ...bundleOptions(),
      choice('--format <format>', 'output format', BUNDLE_FORMATS, 'dotenv'),
      value('--out <file>', 'write to FILE (mode 0600, atomically) instead of standard output'),
      flag('--names-only', 'the names without values (an .env.example)'),
      value('--name <name>', 'k8s: the Secret name (default keyfold-secrets)'),
      value('--namespace <namespace>', 'k8s: the namespace'),
    ],
    load: () => import('./export.js'),
    json: false,
  }),
  defineCommand({
    name: 'import',
    args: '<file>',
    summary: 'import the keys of a .env, JSON or YAML file (or, with --from-sops, any sops file) into a ref; nested maps kept',
    examples: ['keyfold import .env --ref dev/api/app', 'keyfold import config.json --ref dev/api/config --overwrite', 'keyfold import --from-sops legacy.enc.yaml --ref prod/api/legacy'],
    options: [
      required('--ref <ref>', 'the ref to import into (created when missing)'),
      oneOf('--format <format>', 'the plaintext format (default: by extension)', ['dotenv', 'json', 'yaml']),
      flag('--from-sops', 'FILE is a sops-encrypted file (any format): decrypt it and import its keys'),
      flag('--overwrite', 'replace keys the ref already holds (refused otherwise, naming them)'),
      ...WRITE_OPTIONS,
    ],
    load: () => import('./import.js'),
    json: true,
  }),
  defineCommand({
    name: 'promote',
    args: '<from> <to>',
    summary: "copy values from one environment to another, encrypted for the destination's readers (plan first; unchanged values keep their ciphertext)",
    examples: ['keyfold promote dev staging --path providers --plan', 'keyfold promote staging prod --path providers --keys OPENROUTER_API_KEY'],
    options: [
      value('--path <path>', 'only refs below this folder or ref (relative to the environment)'),
      value('--keys <k1,k2>', 'only these keys (comma-separated; nested: a.b)'),
      flag('--plan', 'print the plan (key names only) and change nothing'),
      ...WRITE_OPTIONS,
    ],
    load: () => import('./promote.js'),
    json: true,
  }),
  defineCommand({
    name: 'diff',
    args: '<a> <b>',
    summary: 'compare two environments (or two refs) by key name and value equality, never printing values',
    examples: ['keyfold diff dev staging --path providers', 'keyfold diff dev/api/db prod/api/db --json', 'keyfold diff staging prod --path providers --exit-code'],
    options: [value('--path <path>', 'only refs below this folder or ref (two environments)'), flag('--exit-code', 'exit 1 when the two sides differ')],
    load: () => import('./diff.js'),
    json: true,
  }),
];
