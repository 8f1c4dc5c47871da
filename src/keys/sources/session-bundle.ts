/**
 * Agent sessions (`agent grant`): a bundle holding only the in-scope refs, each
 * re-encrypted to a fresh ephemeral age identity, under
 * `$XDG_STATE_HOME/keyfold/sessions/<id>.json` (mode 0600 in a 0700 folder), and a
 * `KEYFOLD_SESSION=<id>:<identity>` line for the agent. The scope is cryptographic: the
 * bundle holds nothing else. The TTL and revocation are enforced by keyfold (an expired
 * or revoked bundle is refused and deleted), so the honest limit is that an agent under
 * the same OS user could read or keep the bundle itself; real revocation of what an
 * agent saw is rotating those values.
 */
import { appendFileSync, existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import * as z from 'zod/mini';
import '../../kernel/zod-locale.js';
import { parseIdentities, type X25519Identity } from '../../crypto/age/index.js';
import { AccessError, ConfigError, KeyfoldError, UsageError } from '../../kernel/errors.js';
import { writeFileAtomic } from '../../repo/atomic-write.js';
import { readUtf8File } from '../../repo/read-file.js';

const SessionBundleSchema = z.strictObject({
  version: z.literal(1),
  id: z.string().check(z.regex(/^[0-9a-f]{16}$/)),
  name: z.string(),
  recipient: z.string(),
  scope: z.array(z.string()),
  created: z.string(),
  expires: z.string(),
  /** Who granted it (member names). */
  granter: z.array(z.string()),
  /** ref → the SOPS file text, encrypted to the session identity only. */
  refs: z.record(z.string(), z.string()),
  /** ref → key names (what to rotate if the agent leaked). */
  keys: z.record(z.string(), z.array(z.string())),
});
export type SessionBundle = z.infer<typeof SessionBundleSchema>;

export interface Session {
  bundle: SessionBundle;
  identity: X25519Identity;
  /** Where the bundle is. */
  path: string;
}

export const SESSION_ID_RE = /^[0-9a-f]{16}$/;

/** `$XDG_STATE_HOME/keyfold/sessions` (default `~/.local/state/keyfold/sessions`). */
export function sessionsDir(env: NodeJS.ProcessEnv): string {
  const state = env['XDG_STATE_HOME'] || join(env['HOME'] || homedir(), '.local', 'state');
  return join(state, 'keyfold', 'sessions');
}

/** Create the sessions folder private (0700). */
export function ensureSessionsDir(env: NodeJS.ProcessEnv): string {
  const dir = sessionsDir(env);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  return dir;
}

/** `<id>:<AGE-SECRET-KEY-1…>` from KEYFOLD_SESSION. */
export function parseSessionVariable(value: string): { id: string; identity: X25519Identity } {
  const colon = value.indexOf(':');
  const id = value.slice(0, colon);
  if (colon < 0 || !SESSION_ID_RE.test(id)) {
    throw new UsageError('KEYFOLD_SESSION is malformed', { hint: 'it is the KEYFOLD_SESSION=<id>:<identity> line `keyfold agent grant` printed' });
  }
  let identities: X25519Identity[];
  try {
    identities = parseIdentities(value.slice(colon + 1));
  } catch (e) {
    if (!(e instanceof KeyfoldError)) throw e;
    throw new UsageError('KEYFOLD_SESSION holds no valid identity', { hint: 'it is the KEYFOLD_SESSION=<id>:<identity> line `keyfold agent grant` printed' });
  }
  if (identities.length !== 1) throw new UsageError('KEYFOLD_SESSION must hold exactly one identity');
  return { id, identity: identities[0]! };
}

export function readBundle(path: string, display: string): SessionBundle {
  let data: unknown;
  try {
    data = JSON.parse(readUtf8File(path, display, { maxBytes: 64 * 1024 * 1024 }));
  } catch (e) {
    if (e instanceof KeyfoldError) throw e;
    throw new ConfigError(`${display} is not a keyfold session bundle`);
  }
  const parsed = SessionBundleSchema.safeParse(data);
  if (!parsed.success) throw new ConfigError(`${display} is not a keyfold session bundle`, { hint: 'grant a new session with `keyfold agent grant`' });
  return parsed.data;
}

/** The bundle path of a session: `KEYFOLD_SESSION_BUNDLE` (an agent on another machine), else the sessions folder. */
export function bundlePath(env: NodeJS.ProcessEnv, id: string): string {
  return env['KEYFOLD_SESSION_BUNDLE'] || join(sessionsDir(env), `${id}.json`);
}

const revokedMarker = (env: NodeJS.ProcessEnv, id: string) => join(sessionsDir(env), `${id}.revoked`);
export const sessionLog = (env: NodeJS.ProcessEnv, id: string) => join(sessionsDir(env), `${id}.log`);

/**
 * The session KEYFOLD_SESSION names, checked: its bundle exists, is not revoked, has not
 * expired (an expired one is deleted), and belongs to that identity. AccessError (exit 4)
 * with the reason otherwise.
 */
export function openSession(env: NodeJS.ProcessEnv, now = new Date()): Session {
  const { id, identity } = parseSessionVariable(env['KEYFOLD_SESSION']!);
  if (existsSync(revokedMarker(env, id))) throw new AccessError(`agent session ${id} was revoked`, { hint: 'ask for a new session (`keyfold agent grant`)' });
  const path = bundlePath(env, id);
  if (!existsSync(path)) throw new AccessError(`agent session ${id} has no bundle (revoked, expired or never on this machine)`, { hint: 'ask for a new session (`keyfold agent grant`); on another machine set KEYFOLD_SESSION_BUNDLE' });
  const bundle = readBundle(path, `session ${id}`);
  if (bundle.id !== id || bundle.recipient !== identity.recipient) throw new AccessError(`agent session ${id}: the bundle does not belong to this session's identity`);
  if (Date.parse(bundle.expires) <= now.getTime()) {
    if (!env['KEYFOLD_SESSION_BUNDLE']) rmSync(path, { force: true });
    throw new AccessError(`agent session ${id} expired at ${bundle.expires}`, { hint: 'ask for a new session (`keyfold agent grant`)' });
  }
  return { bundle, identity, path };
}

/** Append one use to the session's log (time, command, refs, key names; never values). */
export function recordUse(env: NodeJS.ProcessEnv, id: string, use: { command: string; refs: string[]; keys: string[] }): void {
  ensureSessionsDir(env);
  appendFileSync(sessionLog(env, id), JSON.stringify({ time: new Date().toISOString(), ...use }) + '\n', { mode: 0o600 });
}

export function writeBundle(path: string, bundle: SessionBundle): void {
  writeFileAtomic(path, JSON.stringify(bundle) + '\n', { mode: 0o600 });
}

/** Mark a session revoked and delete its bundle (here). */
export function revokeSession(env: NodeJS.ProcessEnv, id: string): void {
  ensureSessionsDir(env);
  writeFileSync(revokedMarker(env, id), new Date().toISOString() + '\n', { mode: 0o600 });
  rmSync(join(sessionsDir(env), `${id}.json`), { force: true });
}

/** Every session this machine knows: bundles, and revoked or expired ones by their log/marker. */
export function listSessionIds(env: NodeJS.ProcessEnv): string[] {
  const dir = sessionsDir(env);
  if (!existsSync(dir)) return [];
  return [...new Set(readdirSync(dir).map((f) => f.split('.')[0]!).filter((id) => SESSION_ID_RE.test(id)))].sort();
}

export const isRevoked = (env: NodeJS.ProcessEnv, id: string) => existsSync(revokedMarker(env, id));
