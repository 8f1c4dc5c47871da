import { UsageError } from '../../kernel/errors.js';
import { accessAt, accessHistory, memberAccess, refAccess } from '../../ops/policy/access.js';
import { Workspace } from '../../ops/context/workspace.js';
import type { CommandContext } from './context.js';

interface Options {
  member?: string;
  at?: string;
  history?: boolean;
}

export default async function accessCommand(ctx: CommandContext, [ref]: string[], opts: Options): Promise<void> {
  const ws = new Workspace(ctx.global);
  const member = opts.member;
  if (opts.history) {
    if (!ref) throw new UsageError('access --history needs a REF');
    const changes = await accessHistory(ws, ref);
    ctx.out.result(changes, () =>
      changes
        .map((c) => `${c.date.slice(0, 10)}  ${c.sha.slice(0, 12)}  ${c.author}: ${[...c.added.map((m) => `+${m}`), ...c.removed.map((m) => `-${m}`)].join(' ')}  → readers: ${c.readers.join(', ') || '(none)'}  (${c.subject})`)
        .join('\n'),
    );
    return;
  }
  if (opts.at) {
    const at = await accessAt(ws, opts.at, ref);
    ctx.out.result(at, () =>
      [
        `at ${at.commit.slice(0, 12)}:`,
        ...at.refs.map((r) => `${r.ref}\n  read:  ${r.readers.join(', ') || '(nobody)'}${r.unknownRecipients.length ? ` + ${r.unknownRecipients.length} recipient(s) not in the policy then` : ''}\n  write: ${r.writers.join(', ') || '(nobody)'}`),
      ].join('\n'),
    );
    return;
  }
  if (member) {
    const a = await memberAccess(ws, member);
    ctx.out.result(a, () =>
      [
        `${a.member} (${a.kind}${a.roles.length ? `, roles: ${a.roles.join(', ')}` : ', no role'})`,
        `  read:  ${a.read.join(', ') || '(none)'}`,
        `  write: ${a.write.join(', ') || '(none)'}`,
        ...(a.breakglass.length ? [`  break-glass (with other custodians): ${a.breakglass.join(', ')}`] : []),
      ].join('\n'),
    );
    return;
  }
  const rows = await refAccess(ws, ref);
  ctx.out.result(rows, () =>
    rows
      .map((r) =>
        [
          `${r.ref}${r.exists ? '' : ' (no file yet)'}`,
          `  read:  ${r.readers.join(', ') || '(nobody)'}`,
          `  write: ${r.writers.join(', ') || '(nobody)'}`,
          ...(r.breakglass.length ? [`  break-glass: ${r.breakglass.join(', ')}`] : []),
        ].join('\n'),
      )
      .join('\n'),
  );
}
