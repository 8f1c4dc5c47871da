import { installGitDrivers } from '../../ops/git/install.js';
import { Workspace } from '../../ops/context/workspace.js';
import type { CommandContext } from './context.js';

interface Options {
  decryptDiffs?: true;
}

export default async function gitInstallCommand(ctx: CommandContext, _args: string[], opts: Options): Promise<void> {
  // Git runs the drivers later, from its own environment: name the program running now.
  const self = { execPath: process.execPath, script: process.argv[1] ?? '' };
  const r = await installGitDrivers(new Workspace(ctx.global), self, { decryptDiffs: opts.decryptDiffs === true });
  ctx.out.result(r, () =>
    [
      r.gitattributes.added ? `.gitattributes: added ${r.gitattributes.line}` : `.gitattributes: has ${r.gitattributes.line}`,
      'local git config (.git/config):',
      ...Object.entries(r.config).map(([k, v]) => `  ${k} = ${v}`),
      ...r.removed.map((k) => `  ${k} removed`),
      r.onPath ? 'git runs `keyfold` from PATH (this install)' : 'git runs keyfold by absolute path: run `keyfold git install` again after moving or reinstalling keyfold',
    ].join('\n'),
  );
}
