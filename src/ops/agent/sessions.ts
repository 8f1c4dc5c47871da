/** `agent list` and `agent revoke`: what sessions exist, their use, and ending one. */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { NotFoundError } from '../../kernel/errors.js';
import { isRevoked, listSessionIds, readBundle, revokeSession, SESSION_ID_RE, sessionLog, sessionsDir } from '../../keys/sources/session-bundle.js';
import type { Workspace } from '../context/workspace.js';

export interface SessionInfo {
  id: string;
  name?: string;
  scope?: string[];
  expires?: string;
  status: 'active' | 'expired' | 'revoked' | 'unknown';
  uses: number;
  /** ref → key names it could read. */
  keys?: Record<string, string[]>;
}

function uses(ws: Workspace, id: string): number {
  const log = sessionLog(ws.options.env, id);
  return existsSync(log) ? readFileSync(log, 'utf8').split('\n').filter(Boolean).length : 0;
}

export function listSessions(ws: Workspace, now = new Date()): SessionInfo[] {
  return listSessionIds(ws.options.env).map((id) => {
    const path = join(sessionsDir(ws.options.env), `${id}.json`);
    if (!existsSync(path)) return { id, status: isRevoked(ws.options.env, id) ? 'revoked' : 'unknown', uses: uses(ws, id) };
    const b = readBundle(path, `session ${id}`);
    const status = isRevoked(ws.options.env, id) ? 'revoked' : Date.parse(b.expires) <= now.getTime() ? 'expired' : 'active';
    return { id, name: b.name, scope: b.scope, expires: b.expires, status, uses: uses(ws, id), keys: b.keys };
  });
}

/** Revoke a session (its bundle deleted, a marker kept); returns what it could read. */
export function revoke(ws: Workspace, id: string): SessionInfo {
  if (!SESSION_ID_RE.test(id)) throw new NotFoundError(`no agent session ${id.slice(0, 40)}`, { hint: 'list sessions with `keyfold agent list`' });
  const info = listSessions(ws).find((s) => s.id === id);
  if (!info) throw new NotFoundError(`no agent session ${id}`, { hint: 'list sessions with `keyfold agent list`' });
  revokeSession(ws.options.env, id);
  return { ...info, status: 'revoked' };
}
