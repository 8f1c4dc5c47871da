/** `KEYFOLD_SESSION`: agent sessions are not available yet; refuse rather than ignore it. */
import { UsageError } from '../../kernel/errors.js';
import type { SourceProvider } from './source.js';

export const sessionGuard: SourceProvider = {
  kind: 'session',
  exclusive: true,
  collect: (ctx) => {
    if (ctx.env['KEYFOLD_SESSION']) {
      throw new UsageError('KEYFOLD_SESSION is set, but agent sessions are not available in this version of keyfold', {
        hint: 'unset KEYFOLD_SESSION or pass --identity FILE',
      });
    }
    return [];
  },
};
