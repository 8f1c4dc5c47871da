import { count, plural } from '../../kernel/names.js';
import { AccessError, IntegrityError, UsageError, ViolationsError } from '../../kernel/errors.js';
import { applyRecipients, planRecipients } from '../../ops/policy/recipients-sync.js';
import { Workspace } from '../../ops/context/workspace.js';
import type { CommandContext } from './context.js';
import { failureError, planLines, resultLines } from '../render/recipient-plan.js';

interface Options {
  env?: string;
  check?: boolean;
  rekeyMerged?: boolean;
  since?: string;
  commit?: boolean;
}

export default async function recipientsSyncCommand(ctx: CommandContext, _args: string[], opts: Options): Promise<void> {
  const ws = new Workspace(ctx.global);
  const env = opts.env;
  if ((opts.since !== undefined || opts.commit) && !opts.rekeyMerged) throw new UsageError('--since and --commit go with --rekey-merged');
  if (opts.commit && opts.check) throw new UsageError('--check changes nothing: leave out --commit');
  const merged = opts.rekeyMerged ? await import('../../ops/policy/rekey-merged.js') : undefined;
  if (opts.commit) await merged!.assertCleanScope(ws, env);
  const rekeys = merged ? await merged.mergedRekeys(ws, env, { since: opts.since }) : undefined;
  const plan = await planRecipients(ws, { env, rekey: rekeys?.rekey });
  const baseline = rekeys ? { baseline: rekeys.baseline } : {};
  if (opts.check) {
    // A file that cannot be planned (damaged, refused metadata, a symlink) is drift too.
    const drift = plan.changes.length + plan.skipped.length;
    ctx.out.result({ ok: drift === 0, changes: plan.changes, skipped: plan.skipped, ...baseline }, () => planLines(plan).join('\n'));
    if (drift > 0) {
      throw new ViolationsError(`${count(drift, 'file')} ${plural(drift, 'does', 'do')} not match the policy${plan.skipped.length ? ` (${plan.skipped.length} cannot be read)` : ''}`, {
        hint: plan.changes.length ? 'run `keyfold recipients sync` as a reader of those files' : 'restore the damaged files (`keyfold validate` names the problem)',
      });
    }
    return;
  }
  ctx.out.info(planLines(plan).join('\n'));
  const result = await applyRecipients(ws, plan, ctx.out.progress());
  const notDone = [...result.failed.map((f) => f.entry.ref), ...result.skipped.flatMap((s) => (s.ref !== undefined ? [s.ref] : []))];
  const recorded = merged ? await merged.recordRekeyState(ws, env, { notDone, commit: opts.commit === true, applied: result.applied.map((e) => e.ref) }) : {};
  ctx.out.result(
    {
      changes: plan.changes,
      applied: result.applied.map((e) => e.ref),
      failed: result.failed.map((f) => ({ ref: f.entry.ref, error: f.error.message })),
      skipped: result.skipped,
      generated: result.generated,
      ...baseline,
      ...recorded,
    },
    () =>
      [
        ...(plan.changes.length || result.skipped.length ? resultLines(result) : result.generated.map((f) => `regenerated ${f}`)),
        ...(recorded.commit ? [`committed ${recorded.commit.slice(0, 12)} (re-key commit)`] : []),
      ].join('\n'),
  );
  const failure = failureError(result, 'synced');
  // S6 in CI: files this identity cannot open — no envelope for it, or one labelled with
  // its recipient that does not open — stay untrusted (re-keyed again next run), and the
  // job fails here, before its sync step: exit 4, the files named.
  if (failure && merged && result.skipped.length === 0 && result.failed.every((f) => f.error instanceof AccessError || f.error instanceof IntegrityError)) {
    const names = notDone.slice(0, 10).join(', ') + (notDone.length > 10 ? `, … (${notDone.length})` : '');
    throw new AccessError(`cannot open ${names} with this identity (${result.failed[0]!.error.message}): no fresh data key was given (S6)`, {
      hint: 'a reader must give them a fresh data key (`keyfold rotate REF`, or any write) or delete them; until then every run fails here and nothing syncs',
    });
  }
  if (failure) throw failure;
}
