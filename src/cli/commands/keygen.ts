import { keygen } from '../../ops/identity/keygen.js';
import type { CommandContext } from './context.js';

interface Options {
  output?: string;
}

export default async function keygenCommand({ out }: CommandContext, _args: string[], opts: Options): Promise<void> {
  const r = keygen(opts.output);
  if (r.identityFile) {
    // Without -o the identity itself is the output; the recipient goes to stderr.
    out.note(`Public key: ${r.recipient}`);
    out.raw(r.identityFile.reveal());
    return;
  }
  out.result({ recipient: r.recipient, file: r.file }, () => r.recipient);
}
