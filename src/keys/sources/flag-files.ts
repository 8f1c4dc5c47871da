/** `--identity FILE` (repeatable): when given, the only source. */
import { readIdentityFile } from './identity-file.js';
import type { SourceProvider } from './source.js';

export const flagFiles: SourceProvider = {
  kind: 'flag',
  exclusive: true,
  collect: (ctx) => ctx.files.map((f) => ({ kind: 'flag', name: f, identities: readIdentityFile(f, f, true) })),
};
