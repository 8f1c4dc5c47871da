/**
 * `whoami`: which identities keyfold found and where, which policy members they are,
 * their roles, and what they can read and write. Reads no secret value.
 */
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
  members: MemberAccess[];
  /** Our recipients that no member of the policy has. */
  unknown: string[];
}

export async function whoami(ws: Workspace): Promise<Whoami> {
  const sources = identitySources({ files: ws.options.identity, env: ws.options.env }).map((s) => ({
    kind: s.kind,
    name: s.name,
    recipients: s.identities.map((i) => i.recipient),
  }));
  const mine = new Set(sources.flatMap((s) => s.recipients));
  const policy = await ws.policy();
  const names = Object.entries(policy.members)
    .filter(([, m]) => mine.has(m.recipient))
    .map(([name]) => name);
  const known = new Set(names.map((n) => policy.members[n]!.recipient));
  return {
    sources,
    members: await Promise.all(names.map((n) => memberAccess(ws, n))),
    unknown: [...mine].filter((r) => !known.has(r)),
  };
}
