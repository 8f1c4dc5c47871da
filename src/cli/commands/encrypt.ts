import { count } from '../../kernel/names.js';
import { parseSopsFormat } from '../../formats/stores/registry.js';
import { encryptSopsFile } from '../../ops/secrets/file-crypt.js';
import { Workspace } from '../../ops/context/workspace.js';
import type { CommandContext } from './context.js';

interface Options {
  recipient?: string[];
  inPlace?: boolean;
  inputType?: string;
  outputType?: string;
}

export default async function encryptCommand(ctx: CommandContext, [file]: string[], opts: Options): Promise<void> {
  const r = await encryptSopsFile(new Workspace(ctx.global), file!, {
    recipients: opts.recipient,
    inPlace: opts.inPlace === true,
    inputType: opts.inputType === undefined ? undefined : parseSopsFormat(opts.inputType, '--input-type'),
    outputType: opts.outputType === undefined ? undefined : parseSopsFormat(opts.outputType, '--output-type'),
  });
  if (opts.inPlace) ctx.out.result({ file: r.file, format: r.format, recipients: r.recipients }, () => `encrypted ${r.file} (${r.format}) for ${count(r.recipients.length, 'recipient')}`);
  else ctx.out.raw(r.text);
}
