import { count, plural, printableName as p } from '../../kernel/names.js';
import { blame } from '../../ops/audit/blame.js';
import { Workspace } from '../../ops/context/workspace.js';
import type { CommandContext } from './context.js';

interface Options {
  decrypt?: boolean;
}

export default async function blameCommand(ctx: CommandContext, [ref]: string[], opts: Options): Promise<void> {
  const lines = await blame(new Workspace(ctx.global), ref!, { decrypt: opts.decrypt === true });
  const width = Math.max(0, ...lines.map((l) => p(l.key).length));
  ctx.out.result(lines, () =>
    lines
      .map(
        (l) =>
          `${p(l.key).padEnd(width)}  ${l.sha.slice(0, 12)}  ${l.date.slice(0, 10)}  ${p(l.author)}${l.pr !== undefined ? `  #${l.pr}` : ''}  ${p(l.subject)}${l.reencryptedSince ? `  (re-encrypted since in ${l.reencryptedSince.slice(0, 12)})` : ''}`,
      )
      .join('\n'),
  );
  const unsure = lines.filter((l) => l.reencryptedSince).length;
  if (unsure > 0) ctx.out.info(`(${count(unsure, 'key')} ${plural(unsure, 'was', 'were')} re-encrypted with a fresh data key since; --decrypt checks whether ${plural(unsure, 'its value', 'their values')} changed then)`);
}
