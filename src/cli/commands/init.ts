import { init } from '../../ops/init/init.js';
import type { CommandContext } from './context.js';

interface Options {
  admin?: string;
  recipient?: string;
  github?: string;
}

export default async function initCommand({ out, global }: CommandContext, [dir]: string[], opts: Options): Promise<void> {
  const r = await init(global, { dir, admin: opts.admin, recipient: opts.recipient, github: opts.github });
  out.result(r, () =>
    [
      `Initialised keyfold repository in ${r.root}${r.gitInitialised ? ' (git init)' : ''}`,
      `  admin: ${r.admin} (${r.recipient})`,
      ...r.files.map((f) => `  wrote ${f}`),
      ...r.kept.map((f) => `  kept existing ${f}`),
      'Next: npm install --save-dev keyfold (the workflows install keyfold from package-lock.json),',
      '      then keyfold set dev/<folder>/<name> KEY --stdin',
    ].join('\n'),
  );
}
