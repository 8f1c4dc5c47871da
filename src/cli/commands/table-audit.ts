/** Command table rows: the audit trail from git history. */
import { defineCommand, type CommandSpec } from './define.js';
import { flag, negatable, required, value, withHiddenAlias } from './options.js';

export const AUDIT_COMMANDS: readonly CommandSpec[] = [
  defineCommand({
    name: 'log',
    args: '[target]',
    summary: 'audit trail from git: per commit, which keys changed in which refs and who gained or lost access (no decryption)',
    examples: ['keyfold log prod/providers/openrouter --key OPENROUTER_API_KEY', 'keyfold log prod --since 2026-01-01 --git-author alice --json'],
    options: [
      value('--key <key>', 'only commits that changed this key (nested: a.b)'),
      value('--since <date>', 'commits after this date'),
      value('--until <date>', 'commits before this date'),
      // A git author pattern, unlike `validate --author`; `--author` still works (hidden).
      withHiddenAlias(value('--git-author <pattern>', 'commits whose author matches PATTERN (git --author)'), '--author <pattern>'),
      flag('--decrypt', 'confirm which values changed in re-encryption commits (needs a reader identity)'),
    ],
    load: () => import('./log.js'),
    json: true,
  }),
  defineCommand({
    name: 'blame',
    args: '<ref>',
    summary: 'for every key of a ref, the last commit that changed its value',
    examples: ['keyfold blame prod/providers/openrouter', 'keyfold blame prod/providers/openrouter --decrypt'],
    options: [flag('--decrypt', 'count value changes made together with a data-key rotation (needs a reader identity)')],
    load: () => import('./blame.js'),
    json: true,
  }),
  defineCommand({
    name: 'rotation status',
    args: '',
    summary: 'for every key a removed member could ever read: rotated since the removal, or still pending; and each rotation in keyfold.yaml: last rotated, next due, old credentials waiting for revoke',
    examples: ['keyfold rotation status', 'keyfold rotation status --json'],
    options: [flag('--decrypt', 'count value changes made together with a data-key rotation (needs a reader identity)')],
    load: () => import('./rotation-status.js'),
    json: true,
  }),
  defineCommand({
    name: 'report',
    args: '',
    summary: 'a self-contained HTML audit report: access matrix, timeline of changes, pending rotations (no values)',
    examples: ['keyfold report --html access-report.html'],
    options: [required('--html <file>', 'where to write the report')],
    load: () => import('./report.js'),
    json: true,
  }),
  defineCommand({
    name: 'rotation run',
    args: '[names...]',
    summary: 'rotate credentials declared under rotation: in keyfold.yaml (create, verify, write, commit), and revoke old ones once synced everywhere and past their grace',
    examples: ['keyfold rotation run --due', 'keyfold rotation run openrouter-prod', 'keyfold rotation run --due --env prod', 'keyfold rotation run --plan --json'],
    options: [
      flag('--due', 'only rotations whose value is older than their `every`'),
      value('--env <env>', "only the rotations of this environment's refs (a CI job holds one environment's identity)"),
      flag('--plan', 'print what is due and pending; change nothing'),
      negatable('--no-commit', 'leave the changes in the work tree instead of committing them'),
    ],
    load: () => import('./rotation-run.js'),
    json: true,
  }),
];
