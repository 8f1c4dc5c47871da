/** `KEYFOLD_AGE_KEY` / `SOPS_AGE_KEY` (identity text) and `KEYFOLD_AGE_KEY_FILE` / `SOPS_AGE_KEY_FILE` (a key file). */
import { parseIdentityText, readIdentityFile } from './identity-file.js';
import type { IdentitySource, SourceProvider } from './source.js';

export const envText: SourceProvider = {
  kind: 'env',
  exclusive: false,
  collect: (ctx) => {
    const out: IdentitySource[] = [];
    for (const name of ['KEYFOLD_AGE_KEY', 'SOPS_AGE_KEY']) {
      const text = ctx.env[name];
      if (text) out.push({ kind: 'env', name, identities: parseIdentityText(text, `$${name}`) });
    }
    return out;
  },
};

export const envFile: SourceProvider = {
  kind: 'env-file',
  exclusive: false,
  collect: (ctx) => {
    const out: IdentitySource[] = [];
    for (const name of ['KEYFOLD_AGE_KEY_FILE', 'SOPS_AGE_KEY_FILE']) {
      const path = ctx.env[name];
      if (path) out.push({ kind: 'env-file', name: path, identities: readIdentityFile(path, `$${name} (${path})`, true) });
    }
    return out;
  },
};
