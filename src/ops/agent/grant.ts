/**
 * `agent grant`: a session credential for an AI agent — a bundle of only the in-scope
 * refs, each re-encrypted (fresh data key) to a new ephemeral identity, valid for a TTL.
 * The granter must be able to read the whole scope; scopes outside
 * `agents.allowed_envs` are refused.
 */
import { randomBytes } from 'node:crypto';
import { join, resolve } from 'node:path';
import { generateIdentity, identityToRecipient } from '../../crypto/age/index.js';
import { matchesAny } from '../../core/policy.js';
import { leafKeyPaths } from '../../formats/document-keys.js';
import { DURATION_HINT, parseDuration } from '../../kernel/duration.js';
import { AccessError, NotFoundError, UsageError } from '../../kernel/errors.js';
import { refEnv } from '../../kernel/ref.js';
import { Secret } from '../../kernel/secret.js';
import { ensureSessionsDir, writeBundle, type SessionBundle } from '../../keys/sources/session-bundle.js';
import { listRefFiles } from '../../repo/secrets-tree.js';
import { sealDocument } from '../../sops/seal.js';
import type { Workspace } from '../context/workspace.js';
import { locateRef, openRef } from '../secrets/store.js';

export interface GrantOptions {
  scope: readonly string[];
  ttl: string;
  name?: string;
  /** Write the bundle here too (an agent on another machine); the identity is never written beside it. */
  bundleOut?: string;
}

export interface GrantResult {
  id: string;
  name: string;
  expires: string;
  scope: string[];
  /** ref → key names the session can read (what to rotate if the agent leaked). */
  keys: Record<string, string[]>;
  /** `KEYFOLD_SESSION=<id>:<identity>`: the agent's credential. */
  variable: Secret<string>;
  bundle: string;
}

const MAX_TTL_MS = 30 * 86_400_000;

export async function grantSession(ws: Workspace, options: GrantOptions, now = new Date()): Promise<GrantResult> {
  if (ws.session) throw new AccessError('an agent session cannot grant sessions');
  const ttl = parseDuration(options.ttl);
  if (ttl === undefined || ttl <= 0 || ttl > MAX_TTL_MS) throw new UsageError(`invalid --ttl "${options.ttl.slice(0, 20)}"`, { hint: `${DURATION_HINT}, at most 30d` });
  if (options.scope.length === 0) throw new UsageError('agent grant needs --scope GLOB (e.g. dev/providers/**)');
  const allowed = (await ws.config()).agents.allowed_envs;
  for (const glob of options.scope) {
    const env = glob.split('/')[0]!;
    if (!allowed.includes(env)) {
      throw new AccessError(`scope ${glob.slice(0, 100)} reaches ${/^[\w.-]+$/.test(env) ? `environment ${env}` : 'environments by a pattern'}, outside agents.allowed_envs (${allowed.join(', ') || 'none'})`, {
        hint: 'agents get session credentials only for the environments keyfold.yaml allows (agents: { allowed_envs: [dev] })',
      });
    }
  }
  const refs = listRefFiles(ws.root)
    .map((e) => e.ref)
    .filter((r) => matchesAny(options.scope, r) && allowed.includes(refEnv(r)));
  if (refs.length === 0) throw new NotFoundError(`no ref matches ${options.scope.join(', ')}`, { hint: 'list refs with `keyfold ls`' });
  const secret = generateIdentity();
  const recipient = identityToRecipient(secret);
  const id = randomBytes(8).toString('hex');
  const bundle: SessionBundle = {
    version: 1,
    id,
    name: options.name ?? `agent-${id.slice(0, 6)}`,
    recipient,
    scope: [...options.scope],
    created: now.toISOString(),
    expires: new Date(now.getTime() + ttl).toISOString(),
    granter: ws.membersOf(await ws.policy()),
    refs: {},
    keys: {},
  };
  for (const ref of refs) {
    // Every ref in scope must open for the granter: nobody hands out what they cannot read.
    const opened = await openRef(ws, locateRef(ws, ref), { readOnly: true });
    bundle.refs[ref] = sealDocument(opened.plain, { kind: 'fresh', layout: { groups: [[recipient]], threshold: 1 } }, `session:${ref}`);
    bundle.keys[ref] = leafKeyPaths(opened.plain).map((p) => p.join('.'));
  }
  const path = join(ensureSessionsDir(ws.options.env), `${id}.json`);
  writeBundle(path, bundle);
  if (options.bundleOut) writeBundle(resolve(ws.cwd, options.bundleOut), bundle);
  return { id, name: bundle.name, expires: bundle.expires, scope: bundle.scope, keys: bundle.keys, variable: new Secret(`KEYFOLD_SESSION=${id}:${secret}`), bundle: options.bundleOut ?? path };
}
