import { count, printableName as p } from '../../kernel/names.js';
import { whoami } from '../../ops/identity/whoami.js';
import { Workspace } from '../../ops/context/workspace.js';
import type { CommandContext } from './context.js';

export default async function whoamiCommand(ctx: CommandContext): Promise<void> {
  const w = await whoami(new Workspace(ctx.global));
  ctx.out.result(w, () => {
    const lines: string[] = [];
    if (w.sources.length === 0) lines.push('no age identity found (create one: keyfold keygen -o ~/.config/sops/age/keys.txt)');
    for (const s of w.sources) lines.push(`identity ${p(s.name)} (${s.kind}): ${s.recipients.join(', ') || '(none)'}`);
    for (const m of w.members) {
      lines.push(`member ${m.member} (${m.kind}), roles: ${m.roles.join(', ') || '(none)'}`);
      lines.push(`  reads ${count(m.read.length, 'ref')}${m.read.length ? `: ${m.read.map((r) => p(r)).join(', ')}` : ''}`);
      lines.push(`  writes ${count(m.write.length, 'ref')}${m.write.length ? `: ${m.write.map((r) => p(r)).join(', ')}` : ''}`);
      if (m.breakglass.length) lines.push(`  break-glass custodian for ${count(m.breakglass.length, 'ref')}`);
    }
    if (!w.repository) lines.push('not in a keyfold repository: no policy to match these identities against (--repo DIR)');
    else for (const r of w.unknown) lines.push(`not a member of the policy: ${r} (an admin adds you with \`keyfold member add NAME --recipient ${r}\`)`);
    return lines.join('\n');
  });
}
