import { encryptSopsFile } from '../../ops/secrets/file-crypt.js';
import { Workspace } from '../../ops/context/workspace.js';
import type { CommandContext } from '../program.js';

export default async function encryptCommand(ctx: CommandContext, [file]: string[], opts: Record<string, unknown>): Promise<void> {
  const r = await encryptSopsFile(new Workspace(ctx.global), file!, {
    recipients: opts['recipient'] as string[] | undefined,
    inPlace: opts['inPlace'] === true,
  });
  if (opts['inPlace']) ctx.out.result({ file: r.file, recipients: r.recipients }, () => `encrypted ${r.file} for ${r.recipients.length} recipient(s)`);
  else ctx.out.raw(r.text);
}
