/**
 * `whoami`: which identities keyfold found and where, which policy members they are,
 * their roles, and what they can read and write. Reads no secret value.
 */
import { NotFoundError } from '../../kernel/errors.js';
import { identitySources } from '../../keys/identities.js';
import { memberAccess, type MemberAccess } from '../policy/access.js';
import type { Workspace } from '../context/workspace.js';

export interface WhoamiSource {
  kind: string;
  /** A path or an environment variable name. */
  name: string;
  recipients: string[];
}

export interface Whoami {
  sources: WhoamiSource[];
  /** Policy members whose recipient is one of ours, with what they can do. */
  members: Array<Omit<MemberAccess, 'skipped'>>;
  /** Our recipients that no member of the policy has. */
  unknown: string[];
  /** Whether there was a repository (and so a policy) to match the identities against. */
  repository: boolean;
}

export async function whoami(ws: Workspace): Promise<Whoami> {
  const sources = identitySources({ files: ws.options.identity, env: ws.options.env }).map((s) => ({
    kind: s.kind,
    name: s.name,
    recipients: s.identities.map((i) => i.recipient),
  }));
  const mine = new Set(sources.flatMap((s) => s.recipients));
  // Outside a repository there is no policy: the identities alone.
  let policy;
  try {
    policy = await ws.policy();
  } catch (e) {
    if (e instanceof NotFoundError) return { sources, members: [], unknown: [...mine], repository: false };
    throw e;
  }
  const names = Object.entries(policy.members)
    .filter(([, m]) => mine.has(m.recipient))
    .map(([name]) => name);
  const known = new Set(names.map((n) => policy.members[n]!.recipient));
  return {
    sources,
    members: (await Promise.all(names.map((n) => memberAccess(ws, n)))).map(({ skipped: _skipped, ...m }) => m),
    unknown: [...mine].filter((r) => !known.has(r)),
    repository: true,
  };
}
