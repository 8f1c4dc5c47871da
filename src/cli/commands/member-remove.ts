import { removeMember } from '../../ops/policy/member.js';
import { Workspace } from '../../ops/context/workspace.js';
import type { CommandContext } from './context.js';

export default async function memberRemoveCommand(ctx: CommandContext, [name]: string[]): Promise<void> {
  const r = await removeMember(new Workspace(ctx.global), name!);
  ctx.out.result(r, () =>
    [
      `removed member ${r.name} from the policy`,
      r.exposure.length
        ? `${r.name} could read these keys at some point in history — rotate their values (recorded in policies/rotations.yaml; track with \`keyfold rotation status\`):`
        : `${r.name} was never a recipient of any file`,
      ...r.exposure.map((e) => `  ${e.ref}${e.deleted ? ' (file deleted since)' : ''}: ${e.keys.join(', ') || '(no keys)'}`),
      'next: `keyfold recipients sync` gives the files they can still open fresh data keys',
    ].join('\n'),
  );
}
