/** Command table rows: secrets reaching programs — run, export. */
import { BUNDLE_FORMATS } from '../../formats/bundle-names.js';
import { defineCommand, type CommandSpec } from './define.js';
import { choice, flag, negatable, repeatable, required, value } from './options.js';

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
];

