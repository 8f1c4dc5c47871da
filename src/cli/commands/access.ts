import { UsageError } from '../../kernel/errors.js';
import { count, printableName as p } from '../../kernel/names.js';
import { accessAt, accessHistory, memberAccess, refAccess } from '../../ops/policy/access.js';
import { Workspace } from '../../ops/context/workspace.js';
import type { CommandContext } from './context.js';
import { warnSkipped } from '../render/skipped.js';

interface Options {
  member?: string;
  at?: string;
  history?: boolean;
}

const names = (xs: readonly string[]) => xs.map((x) => p(x)).join(', ');

/** Exit 0 also when entries under secrets/ were skipped: each is named in a warning (and in `skipped` with --json). */
export default async function accessCommand(ctx: CommandContext, [ref]: string[], opts: Options): Promise<void> {
  const ws = new Workspace(ctx.global);
  const member = opts.member;
  if (opts.history) {
    if (!ref) throw new UsageError('access --history needs a REF');
    const changes = await accessHistory(ws, ref);
    ctx.out.result(changes, () =>
      changes
        .map((c) => `${p(c.date.slice(0, 10))}  ${c.sha.slice(0, 12)}  ${p(c.author)}: ${[...c.added.map((m) => `+${p(m)}`), ...c.removed.map((m) => `-${p(m)}`)].join(' ')}  → readers: ${names(c.readers) || '(none)'}  (${p(c.subject)})`)
        .join('\n'),
    );
    return;
  }
  if (opts.at) {
    const at = await accessAt(ws, opts.at, ref);
    ctx.out.result(at, () =>
      [
        `at ${at.commit.slice(0, 12)}:`,
        ...at.refs.map((r) => `${p(r.ref)}\n  read:  ${names(r.readers) || '(nobody)'}${r.unknownRecipients.length ? ` + ${count(r.unknownRecipients.length, 'recipient')} not in the policy then` : ''}\n  write: ${names(r.writers) || '(nobody)'}`),
      ].join('\n'),
    );
    warnSkipped(ctx.out, at.skipped);
    return;
  }
  if (member) {
    const a = await memberAccess(ws, member);
    ctx.out.result(a, () =>
      [
        `${p(a.member)} (${a.kind}${a.roles.length ? `, roles: ${names(a.roles)}` : ', no role'})`,
        `  read:  ${names(a.read) || '(none)'}`,
        `  write: ${names(a.write) || '(none)'}`,
        ...(a.breakglass.length ? [`  break-glass (with other custodians): ${names(a.breakglass)}`] : []),
      ].join('\n'),
    );
    warnSkipped(ctx.out, a.skipped);
    return;
  }
  const { refs, skipped } = await refAccess(ws, ref);
  ctx.out.result({ refs, skipped }, () =>
    refs
      .map((r) =>
        [
          `${p(r.ref)}${r.exists ? '' : ' (no file yet)'}`,
          `  read:  ${names(r.readers) || '(nobody)'}`,
          `  write: ${names(r.writers) || '(nobody)'}`,
          ...(r.breakglass.length ? [`  break-glass: ${names(r.breakglass)}`] : []),
        ].join('\n'),
      )
      .join('\n'),
  );
  warnSkipped(ctx.out, skipped);
}
