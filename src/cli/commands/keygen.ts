import { keygen } from '../../ops/identity/keygen.js';
import type { CommandContext } from '../program.js';

export default async function keygenCommand({ out, io }: CommandContext, _args: string[], opts: Record<string, unknown>): Promise<void> {
  const r = keygen(opts['output'] as string | undefined);
  if (r.identityFile) {
    // Without -o the identity itself is the output; the recipient goes to stderr.
    io.stderr.write(`Public key: ${r.recipient}\n`);
    out.raw(r.identityFile.reveal());
    return;
  }
  out.result({ recipient: r.recipient, file: r.file }, () => r.recipient);
}
