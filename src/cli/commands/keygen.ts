import { keyFileCommittable, keygen } from '../../ops/identity/keygen.js';
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
  if (r.file && (await keyFileCommittable(r.file))) {
    out.warn(`${r.file} is a private key inside a git work tree and not git-ignored: keep it out of git (add it to .gitignore, or keep keys in ~/.config/sops/age/keys.txt)`);
  }
}
