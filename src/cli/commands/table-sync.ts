/** Command table rows: delivering secrets to their targets. */
import { defineCommand, type CommandSpec } from './define.js';
import { flag, repeatable, value } from './options.js';

export const SYNC_COMMANDS: readonly CommandSpec[] = [
  defineCommand({
    name: 'sync',
    args: '',
    summary: "push changed values to the services' targets (GitHub, Kubernetes, .env, Vault, …): plan first, names only; incremental from each target's signed state",
    examples: ['keyfold sync --env prod', 'keyfold sync --plan --json', 'keyfold sync --env dev --target api-dev-env --allow-branch'],
    options: [
      value('--env <env>', 'only the targets of this environment'),
      repeatable('--target <name>', 'only this target (repeatable)'),
      flag('--plan', 'print the plan (names only; with --json: also job groups for a CI matrix) and change nothing'),
      flag('--prune', 'also delete names keyfold manages that are no longer wanted (never names it did not create)'),
      flag('--full', "compare everything with the targets' contents instead of the changes since the last sync"),
      flag('--allow-branch', "sync from a commit that is not the default branch's tip (local testing)"),
    ],
    load: () => import('./sync.js'),
    json: true,
  }),
];
