/** Command table rows: git integration — the diff (textconv) and merge drivers for secrets files. */
import { defineCommand, type CommandSpec } from './define.js';
import { flag } from './options.js';

export const GIT_COMMANDS: readonly CommandSpec[] = [
  defineCommand({
    name: 'git install',
    args: '',
    summary:
      "route secrets/** through keyfold's diff and merge drivers: the .gitattributes line and the repository-local git config (never global); git runs keyfold by an absolute path unless the keyfold on PATH is this install",
    examples: ['keyfold git install', 'keyfold git install --decrypt-diffs --json'],
    options: [flag('--decrypt-diffs', 'show decrypted values in git diff / git log -p to those who can read the file (local config keyfold.textconvDecrypt=true; removed without this flag)')],
    load: () => import('./git-install.js'),
    json: true,
  }),
  defineCommand({
    name: 'git textconv',
    args: '<file>',
    summary: 'the diff driver (git runs it): one line per key with a fingerprint of its ciphertext, never a value (values only with --decrypt-diffs, for readers); never fails',
    examples: ['keyfold git textconv secrets/dev/api/db.yaml', 'git show HEAD~1:secrets/dev/api/db.yaml > /tmp/db.yaml && keyfold git textconv /tmp/db.yaml'],
    load: () => import('./git-textconv.js'),
    json: false,
  }),
  defineCommand({
    name: 'git merge',
    args: '<base> <ours> <theirs> <path>',
    summary:
      'the merge driver (git runs it as %O %A %B %P): a key-level three-way merge keeping unchanged ciphertext; a conflict leaves ours encrypted, names the keys and exits 1 (resolve with `keyfold git resolve`)',
    examples: ['keyfold git merge .merge_file_base .merge_file_ours .merge_file_theirs secrets/dev/api/db.yaml'],
    load: () => import('./git-merge.js'),
    json: false,
  }),
  defineCommand({
    name: 'git resolve',
    args: '<ref> [keys...]',
    summary: 'finish a merge that stopped on a secrets file: take ours or theirs for the conflicting KEYs (all when none are listed), re-encrypt with stable ciphertext and git add it',
    examples: ['keyfold git resolve dev/api/db --theirs', 'keyfold git resolve dev/api/db --ours DATABASE_URL'],
    options: [flag('--ours', 'take our side (the branch checked out) for the keys'), flag('--theirs', 'take their side (the branch being merged) for the keys')],
    load: () => import('./git-resolve.js'),
    json: true,
  }),
];
