/**
 * S6 trust: which files' data keys keyfold trusts, and the records that say so.
 *
 * A file's data key is *trusted* when its envelopes (recipient + wrapped key of every
 * key group, and the threshold: its "envelope fingerprint") are ones a reader vouched
 * for: the last `recipients sync --rekey-merged` either gave the file a fresh data key
 * itself or found its envelopes trusted already. Anything else — a new file, changed
 * envelopes — may carry a data key a write-only author chose, so the CI job gives it a
 * fresh one, and a reader's write gives it a fresh one instead of writing under it.
 *
 * The records, all MAC'd so that pushing a ref or writing a commit message forges
 * nothing (anyone who can push can write both):
 *
 * - the **re-key state** `refs/keyfold/rekeyed/<env>` (`all` without `--env`):
 *   `{ commit, files: {ref: fingerprint}, unopenable: [ref] }` (states written before
 *   keyfold recorded the commit are a bare `{ref: fingerprint}` map and still read),
 *   MAC'd by the identity that wrote it and, for every member who reads a file of the
 *   scope, with a key that identity shares with that member (static X25519), so the
 *   members' own writes can check it too. A state is used only for the refs its signer
 *   may read.
 * - the **re-key commit** trailer `Keyfold-Rekeyed: <env> <age1 signer> <mac>`: the MAC
 *   (under the signer's derived key) of every envelope fingerprint of the scope in that
 *   commit's tree, so that a commit the CI identity made is an anchor even when the
 *   state ref is gone or forged.
 */
import type { X25519Identity } from '../../crypto/age/index.js';
import type { AccessPolicy } from '../../config/access-policy.js';
import { matchesAny, memberCan } from '../../core/policy.js';
import { COMMIT_RE } from '../../kernel/names.js';
import type { SopsMetadata } from '../../sops/metadata.js';
import { commitsWithTrailer } from '../../repo/git/commit.js';
import { scanRefFiles } from '../../repo/secrets-tree.js';
import { fingerprintsAt, metaFingerprint } from './fingerprints.js';
import { readRefBlob } from '../../repo/git/refs.js';
import { checkStateMac, readSignedState, stateMac, writeSignedState } from '../../repo/git/state-ref.js';
import type { Workspace } from '../context/workspace.js';

/** The label of the keys that MAC S6 records. */
const KEY_LABEL = 'rekey-state';

/** The trailer a re-key commit carries. */
export const REKEY_TRAILER = 'Keyfold-Rekeyed';

/** `prod`, or `all` for a run over every environment. */
export const rekeyScope = (env: string | undefined): string => env ?? 'all';

export const rekeyStateRef = (env: string | undefined): string => `refs/keyfold/rekeyed/${rekeyScope(env)}`;

export interface RekeyState {
  /** The commit whose tree the fingerprints describe; absent in states from before it was recorded. */
  commit?: string;
  /** ref → envelope fingerprint, for every file whose data key is trusted. */
  files: Record<string, string>;
  /** Refs the signer could not open (informative: the PR summary lists them). */
  unopenable: string[];
}

const isMapOfStrings = (v: unknown): v is Record<string, string> =>
  typeof v === 'object' && v !== null && !Array.isArray(v) && Object.values(v).every((x) => typeof x === 'string');

/** The recorded state, parsed strictly: the current form, or the bare map written before it. */
export function parseRekeyState(value: unknown): RekeyState | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
  const v = value as Record<string, unknown>;
  if ('files' in v && typeof v['files'] === 'object') {
    if (Object.keys(v).some((k) => !['commit', 'files', 'unopenable'].includes(k))) return undefined;
    if (v['commit'] !== undefined && (typeof v['commit'] !== 'string' || !COMMIT_RE.test(v['commit']))) return undefined;
    if (!isMapOfStrings(v['files'])) return undefined;
    const unopenable = v['unopenable'] ?? [];
    if (!Array.isArray(unopenable) || !unopenable.every((r) => typeof r === 'string')) return undefined;
    return { ...(v['commit'] !== undefined ? { commit: v['commit'] as string } : {}), files: v['files'], unopenable: unopenable as string[] };
  }
  // Written before the commit was recorded: the map of fingerprints itself.
  return isMapOfStrings(v) ? { files: v, unopenable: [] } : undefined;
}


const memberByRecipient = (policy: AccessPolicy, recipient: string) => Object.entries(policy.members).find(([, m]) => m.recipient === recipient)?.[0];

/** Whether the holder of `recipient` is a member whose roles grant read on `ref` (whose word on its data key counts). */
function vouchesFor(policy: AccessPolicy, signer: string, ref: string): boolean {
  const member = memberByRecipient(policy, signer);
  return member !== undefined && memberCan(policy, member, 'read', ref);
}

export interface TrustedState {
  /** ref → trusted fingerprint (only refs the signer may read under `policy`). */
  files: Map<string, string>;
  commit?: string;
  signer: string;
  ref: string;
}

export interface LoadedRekeyState {
  trusted?: TrustedState;
  /** A state ref exists (verified or not). */
  exists: boolean;
}

/**
 * The re-key state of `env`, when one of our identities verifies it: as its signer, or
 * through the tag the signer left for it as a reader. `policy` decides whose word
 * counts: only refs the signer may read are trusted.
 */
export async function readRekeyState(ws: Workspace, env: string | undefined, policy: AccessPolicy): Promise<LoadedRekeyState> {
  const ref = rekeyStateRef(env);
  const ours = (recipient: string) => ws.identities.find((i) => i.recipient === recipient);
  const read = await readSignedState(
    ws.root,
    ref,
    (signer) => ours(signer)?.deriveKey(KEY_LABEL),
    parseRekeyState,
    (signer, reader) => {
      try {
        return ours(reader)?.agreeKey(signer, KEY_LABEL);
      } catch {
        return undefined; // a signer that is not a valid recipient
      }
    },
  );
  if (!read.verified || !read.state || !read.signer) return { exists: read.exists };
  const signer = read.signer;
  const recorded = Object.entries(read.state.files);
  const files = new Map(recorded.filter(([r]) => vouchesFor(policy, signer, r)));
  // A signer who reads none of what it vouches for (not a member, or a write-only author) is no one's word.
  if (recorded.length > 0 && files.size === 0) return { exists: true };
  return { exists: true, trusted: { files, signer, ref, ...(read.state.commit ? { commit: read.state.commit } : {}) } };
}

/** The identity that signs S6 records: one of ours that is a member reading the scope (a machine first), else the first. */
function signerFor(ws: Workspace, policy: AccessPolicy, refs: readonly string[]): X25519Identity | undefined {
  const reads = (id: X25519Identity) => {
    const m = memberByRecipient(policy, id.recipient);
    return m !== undefined && refs.every((r) => memberCan(policy, m, 'read', r));
  };
  const kind = (id: X25519Identity) => policy.members[memberByRecipient(policy, id.recipient) ?? '']?.kind;
  return ws.identities.find((id) => reads(id) && kind(id) === 'machine') ?? ws.identities.find(reads) ?? ws.identities[0];
}

/**
 * Record `state` for `env`, MAC'd by our signing identity and tagged for every member
 * who reads one of its files (so their writes can tell a trusted data key).
 */
export async function writeRekeyState(ws: Workspace, env: string | undefined, policy: AccessPolicy, state: RekeyState): Promise<void> {
  const refs = Object.keys(state.files);
  const id = signerFor(ws, policy, refs);
  if (!id) return;
  const readers = new Map<string, Uint8Array>();
  for (const [name, m] of Object.entries(policy.members)) {
    if (m.recipient === id.recipient || readers.has(m.recipient)) continue;
    if (!refs.some((r) => memberCan(policy, name, 'read', r))) continue;
    try {
      readers.set(m.recipient, id.agreeKey(m.recipient, KEY_LABEL));
    } catch {
      /* not a usable recipient: no tag */
    }
  }
  const clean: RekeyState = { ...(state.commit ? { commit: state.commit } : {}), files: state.files, unopenable: [...new Set(state.unopenable)].sort() };
  await writeSignedState(ws.root, rekeyStateRef(env), { recipient: id.recipient, key: id.deriveKey(KEY_LABEL), readers }, clean);
}

/** What a re-key commit's trailer MACs: the scope and every fingerprint of it in the commit's tree. */
const anchorData = (scope: string, files: ReadonlyMap<string, string>) => ({ anchor: scope, files: Object.fromEntries(files) });

/** The trailer line for a re-key commit whose tree holds exactly `files` (fingerprints) for `env`. */
export function rekeyTrailer(ws: Workspace, env: string | undefined, policy: AccessPolicy, files: ReadonlyMap<string, string>): string | undefined {
  const id = signerFor(ws, policy, [...files.keys()]);
  if (!id) return undefined;
  return `${REKEY_TRAILER}: ${rekeyScope(env)} ${id.recipient} ${stateMac(id.deriveKey(KEY_LABEL), anchorData(rekeyScope(env), files))}`;
}

export interface RekeyAnchor {
  commit: string;
  files: Map<string, string>;
}

/** How many re-key commits (newest first) are tried for one whose trailer verifies. */
const ANCHOR_CANDIDATES = 20;

/**
 * The newest commit reachable from `head` that one of our identities made as a re-key
 * commit for `env`: its trailer's MAC verifies over the fingerprints of its own tree.
 * Commits rebased after the fact (their tree changed) do not verify and are skipped.
 */
export async function findRekeyAnchor(ws: Workspace, env: string | undefined, head: string): Promise<RekeyAnchor | undefined> {
  if (ws.identities.length === 0) return undefined;
  const scope = rekeyScope(env);
  const line = new RegExp(`^${REKEY_TRAILER}: ${scope.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} (age1[0-9a-z]+) ([0-9a-f]{64})$`, 'm');
  for (const c of await commitsWithTrailer(ws.root, head, `${REKEY_TRAILER}: ${scope} `, ANCHOR_CANDIDATES)) {
    const m = line.exec(c.message);
    const id = m && ws.identities.find((i) => i.recipient === m[1]);
    if (!m || !id) continue;
    const files = await fingerprintsAt(ws.root, c.commit, env);
    if (checkStateMac(id.deriveKey(KEY_LABEL), anchorData(scope, files), m[2]!)) return { commit: c.commit, files };
  }
  return undefined;
}

/**
 * Whether some role may write `ref` without reading it (a write-only grant): only then
 * can a file's data key have been chosen by someone who is not a reader.
 */
export function writeOnlyPossible(policy: AccessPolicy, ref: string): boolean {
  const roles = new Set(policy.grants.map((g) => g.role));
  for (const role of roles) {
    const grants = policy.grants.filter((g) => g.role === role);
    if (grants.some((g) => matchesAny(g.write, ref)) && !grants.some((g) => matchesAny(g.read, ref))) return true;
  }
  return false;
}

/**
 * S6 for a reader's write to an existing file: whether it may keep the file's data key
 * (stable ciphertext), or must give it a fresh one with the policy's envelopes. It may
 * keep it when no role can write the ref without reading it, or when the re-key state
 * of its environment (or of every environment) vouches for the file's envelopes.
 * Returns why not, or undefined.
 */
export async function freshKeyNeeded(ws: Workspace, ref: string, meta: Pick<SopsMetadata, 'groups' | 'threshold'>, policy: AccessPolicy): Promise<string | undefined> {
  if (!writeOnlyPossible(policy, ref)) return undefined;
  const fp = metaFingerprint(meta);
  const env = ref.split('/')[0]!;
  let seen = false;
  for (const scope of [env, undefined]) {
    const loaded = await readRekeyState(ws, scope, policy);
    seen ||= loaded.exists;
    if (loaded.trusted?.files.get(ref) === fp) return undefined;
  }
  return seen
    ? `its envelopes are not in the verified re-key state (S6: a write-only author may know its data key)`
    : `no verified re-key state for ${env} here (S6: a write-only author may know its data key; fetch it with git fetch origin '+refs/keyfold/*:refs/keyfold/*')`;
}

/**
 * What the re-key states of `envs` (and `all`) list as unopenable, for files that still
 * exist — read without verifying (validate holds no identity): a hint for the PR
 * summary, never a decision.
 */
export async function unopenableFiles(root: string, envs: readonly string[]): Promise<Array<{ env: string; ref: string }>> {
  const out: Array<{ env: string; ref: string }> = [];
  const present = new Set(scanRefFiles(root).refs.map((e) => e.ref));
  for (const scope of [...envs, undefined]) {
    const text = await readRefBlob(root, rekeyStateRef(scope));
    if (!text) continue;
    let state: RekeyState | undefined;
    try {
      state = parseRekeyState((JSON.parse(text) as { files?: unknown }).files);
    } catch {
      continue;
    }
    for (const ref of state?.unopenable ?? []) if (present.has(ref) && !out.some((o) => o.ref === ref)) out.push({ env: rekeyScope(scope), ref });
  }
  return out.sort((a, b) => (a.ref < b.ref ? -1 : 1));
}
