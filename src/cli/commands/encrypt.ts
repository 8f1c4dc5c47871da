import { encryptSopsFile } from '../../ops/secrets/file-crypt.js';
import { Workspace } from '../../ops/context/workspace.js';
import type { CommandContext } from './context.js';

interface Options {
  recipient?: string[];
  inPlace?: boolean;
}

export default async function encryptCommand(ctx: CommandContext, [file]: string[], opts: Options): Promise<void> {
  const r = await encryptSopsFile(new Workspace(ctx.global), file!, {
    recipients: opts.recipient,
    inPlace: opts.inPlace === true,
  });
  if (opts.inPlace) ctx.out.result({ file: r.file, recipients: r.recipients }, () => `encrypted ${r.file} for ${r.recipients.length} recipient(s)`);
  else ctx.out.raw(r.text);
}
