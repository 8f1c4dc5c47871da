/** Command table rows: the access policy, recipients and CI validation. */
import { defineCommand, type CommandSpec } from './define.js';
import { choice, flag, repeatable, required, value } from './options.js';

export const POLICY_COMMANDS: readonly CommandSpec[] = [
  defineCommand({
    name: 'recipients sync',
    args: '',
    summary: 're-wrap data keys so every file matches the policy (plan first; readers added keep ciphertext, readers removed force a fresh data key)',
    examples: ['keyfold recipients sync --check', 'keyfold recipients sync --env prod', 'keyfold recipients sync --env prod --rekey-merged --since "$BEFORE" --commit   # the CI sync job'],
    options: [
      value('--env <env>', 'only this environment'),
      flag('--check', 'report drift and exit 3 if any; needs no identity'),
      flag('--rekey-merged', 'also give a fresh data key to every file whose envelopes are not trusted since the last re-key (S6; docs/threat-model.md)'),
      value('--since <rev>', 'with --rekey-merged and no re-key state or re-key commit to compare with: re-key the files changed since REV (CI: the push\'s before)'),
      flag('--commit', 'with --rekey-merged: commit the re-encrypted files of the scope as a re-key commit (an anchor for the next run)'),
    ],
    load: () => import('./recipients-sync.js'),
    json: true,
  }),
  defineCommand({
    name: 'rotate',
    args: '[prefix]',
    summary: 'give files a fresh data key (every value re-encrypted); plan first',
    examples: ['keyfold rotate prod/providers', 'keyfold rotate --dry-run'],
    options: [flag('--dry-run', 'print the plan only')],
    load: () => import('./rotate.js'),
    json: true,
  }),
  defineCommand({
    name: 'member add',
    args: '<name>',
    summary: 'add a member to policies/access.yaml (then run `recipients sync`)',
    examples: ['keyfold member add alice --recipient age1… --role developer --github alice', 'keyfold member add me --recipient age1…   # onboarding PR: no role'],
    options: [
      required('--recipient <age1…>', "the member's age recipient"),
      value('--role <role>', 'a role to give them'),
      value('--github <login>', 'their GitHub login (PR authorship)'),
      choice('--kind <kind>', 'member kind', ['human', 'machine', 'agent'], 'human'),
    ],
    load: () => import('./member-add.js'),
    json: true,
  }),
  defineCommand({
    name: 'member remove',
    args: '<name>',
    summary: 'remove a member from the policy and list every ref they can read (rotate those values)',
    examples: ['keyfold member remove bob && keyfold recipients sync'],
    load: () => import('./member-remove.js'),
    json: true,
  }),
  defineCommand({
    name: 'validate',
    args: '',
    summary: 'everything CI checks: format, encryption, recipients vs policy, rules, secret scan; with --base, who may change what (no identity needed)',
    examples: [
      'keyfold validate',
      'keyfold validate --base origin/main --author "$GITHUB_ACTOR" --format github --summary "$RUNNER_TEMP/summary.md"',
    ],
    options: [
      value('--base <rev>', "judge the change since REV with REV's policy (authorization, rollback)"),
      // A GitHub identity (PR authorship), unlike `log --git-author`.
      repeatable('--author <login>', 'GitHub login or numeric id of an author (repeatable; default $GITHUB_ACTOR)'),
      choice('--format <format>', 'output format', ['text', 'json', 'github'], 'text'),
      value('--summary <file>', 'write the Markdown PR comment (changed key names, services, reviewers) to FILE'),
    ],
    load: () => import('./validate.js'),
    json: true,
  }),
  defineCommand({
    name: 'access',
    args: '[ref]',
    summary: 'who can read and write what, now',
    examples: ['keyfold access', 'keyfold access prod/providers/openrouter', 'keyfold access --member alice --json', 'keyfold access --at v1.2.0 prod/api/db', 'keyfold access --history prod/api/db'],
    options: [
      value('--member <name>', 'what one member can read and write'),
      value('--at <rev>', "who could read each ref at a past revision (the files' recipients then)"),
      flag('--history', 'how the readers of REF changed over its history'),
    ],
    load: () => import('./access.js'),
    json: true,
  }),
];
