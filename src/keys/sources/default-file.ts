/** `$XDG_CONFIG_HOME/sops/age/keys.txt` (default `~/.config/sops/age/keys.txt`), as sops reads it; optional. */
import { homedir } from 'node:os';
import { join } from 'node:path';
import { readIdentityFile } from './identity-file.js';
import type { SourceProvider } from './source.js';

export function defaultKeyFile(env: NodeJS.ProcessEnv): string {
  const configHome = env['XDG_CONFIG_HOME'] || join(env['HOME'] || homedir(), '.config');
  return join(configHome, 'sops', 'age', 'keys.txt');
}

export const defaultFile: SourceProvider = {
  kind: 'default-file',
  exclusive: false,
  collect: (ctx) => {
    const path = defaultKeyFile(ctx.env);
    const identities = readIdentityFile(path, path, false);
    return identities.length > 0 ? [{ kind: 'default-file', name: path, identities }] : [];
  },
};
