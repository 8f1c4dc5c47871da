/**
 * Per-target sync state under `refs/keyfold/state/<target>`: the commit last synced,
 * the names keyfold manages there, and a keyed fingerprint of each value written (an
 * HMAC under a key derived from the syncing identity — never the value). MAC'd and
 * parsed strictly (repo/git/state-ref.ts); state that does not verify is not used.
 */
import { createHmac } from 'node:crypto';
import type { X25519Identity } from '../../crypto/age/index.js';
import { COMMIT_RE } from '../../kernel/names.js';
import type { Secret } from '../../kernel/secret.js';
import { readSignedState, writeSignedState, type StateSigner } from '../../repo/git/state-ref.js';
import type { Workspace } from '../context/workspace.js';

const KEY_LABEL = 'sync-state';

export interface SyncState {
  /** The commit last synced completely; absent after a first sync that failed halfway. */
  commit?: string;
  managed: string[];
  /** name → HMAC of the value last written (hex). */
  fingerprints: Record<string, string>;
}

export const stateRef = (target: string) => `refs/keyfold/state/${target}`;

function parseState(value: unknown): SyncState | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
  const v = value as Record<string, unknown>;
  if (Object.keys(v).some((k) => !['commit', 'managed', 'fingerprints'].includes(k))) return undefined;
  if (v['commit'] !== undefined && (typeof v['commit'] !== 'string' || !COMMIT_RE.test(v['commit']))) return undefined;
  if (!Array.isArray(v['managed']) || !v['managed'].every((n) => typeof n === 'string' && n.length <= 256)) return undefined;
  const fp = v['fingerprints'];
  if (typeof fp !== 'object' || fp === null || Array.isArray(fp) || !Object.values(fp).every((h) => typeof h === 'string' && /^[0-9a-f]{64}$/.test(h))) return undefined;
  return { ...(v['commit'] !== undefined ? { commit: v['commit'] as string } : {}), managed: v['managed'] as string[], fingerprints: fp as Record<string, string> };
}

export interface LoadedState {
  state?: SyncState;
  /** A state ref exists but its MAC does not verify under a key we hold (or it is malformed). */
  untrusted: boolean;
}

export async function readSyncState(ws: Workspace, target: string): Promise<LoadedState> {
  const keyFor = (recipient: string) => ws.identities.find((i) => i.recipient === recipient)?.deriveKey(KEY_LABEL);
  const { state, verified, exists } = await readSignedState(ws.root, stateRef(target), keyFor, parseState);
  return state && verified ? { state, untrusted: false } : { untrusted: exists };
}

/** The identity that signs the state: one of ours whose member reads the environment, a machine (the CI identity) first. */
export async function stateSigner(ws: Workspace, env: string): Promise<X25519Identity | undefined> {
  const policy = await ws.policy();
  const { memberCan } = await import('../../core/policy.js');
  const readers = Object.entries(policy.members).filter(([name]) => memberCan(policy, name, 'read', `${env}/*`));
  const ours = (kind?: string) => ws.identities.find((id) => readers.some(([, m]) => m.recipient === id.recipient && (!kind || m.kind === kind)));
  return ours('machine') ?? ours() ?? ws.identities[0];
}

export function signerOf(identity: X25519Identity): StateSigner {
  return { recipient: identity.recipient, key: identity.deriveKey(KEY_LABEL) };
}

/** A keyed fingerprint of a value at a target (to tell an unchanged value without reading it back). */
export function fingerprint(signer: StateSigner, target: string, name: string, value: Secret<string>): string {
  return createHmac('sha256', signer.key).update(`value\0${target}\0${name}\0`).update(value.reveal()).digest('hex');
}

export async function writeSyncState(ws: Workspace, target: string, signer: StateSigner, state: SyncState): Promise<void> {
  const clean = { ...state, managed: [...new Set(state.managed)].sort() };
  await writeSignedState(ws.root, stateRef(target), signer, clean);
}
