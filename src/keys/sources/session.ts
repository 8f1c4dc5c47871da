/** `KEYFOLD_SESSION=<id>:<identity>`: an agent session's identity — when set, the only identity used. */
import { parseSessionVariable } from './session-bundle.js';
import type { SourceProvider } from './source.js';

export const sessionSource: SourceProvider = {
  kind: 'session',
  exclusive: true,
  collect: (ctx) => {
    const value = ctx.env['KEYFOLD_SESSION'];
    if (!value) return [];
    const { id, identity } = parseSessionVariable(value);
    return [{ kind: 'session', name: `agent session ${id}`, identities: [identity] }];
  },
};
