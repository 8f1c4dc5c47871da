import { printableName as p } from '../../kernel/names.js';
import { removeMember } from '../../ops/policy/member.js';
import { Workspace } from '../../ops/context/workspace.js';
import type { CommandContext } from './context.js';
import { warnSkipped } from '../render/skipped.js';

/** Files it could not read are named in warnings (and `skipped` with --json); the removal is made and the exit is 0. */
export default async function memberRemoveCommand(ctx: CommandContext, [name]: string[]): Promise<void> {
  const r = await removeMember(new Workspace(ctx.global), name!);
  ctx.out.result(r, () =>
    [
      `removed member ${r.name} from the policy`,
      r.exposure.length
        ? `${r.name} could read these keys at some point in history — rotate their values (recorded in policies/rotations.yaml; track with \`keyfold rotation status\`):`
        : `${r.name} was never a recipient of any file`,
      ...r.exposure.map((e) => `  ${p(e.ref)}${e.deleted ? ' (file deleted since)' : ''}: ${e.keys.map((k) => p(k)).join(', ') || '(no keys)'}`),
      'next: `keyfold recipients sync` gives the files they can still open fresh data keys',
    ].join('\n'),
  );
  // The member is removed all the same (off-boarding is never blocked by a damaged file); exit 0.
  warnSkipped(ctx.out, r.skipped, 'not read:');
}
