/**
 * S6, re-key after merge: a file whose data-key envelopes changed since the last sync
 * (or that is new since then — a write-only author knows its data key) gets a fresh
 * data key, so no PR author keeps a data key that later values use.
 *
 * What "the last sync" saw is a JSON blob under `refs/keyfold/rekeyed/<env>`: each
 * file's envelope fingerprint, MAC'd with a key only the syncing identity can derive
 * (anyone who can push could write such a ref). Missing or unverifiable state falls
 * back to comparing with HEAD's first parent.
 */
import { repoPathToRef, SECRETS_DIR } from '../../kernel/ref.js';
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { parseSopsFile } from '../../sops/file.js';
import { readRefFiles } from '../../repo/secrets-tree.js';
import { readRefBlob, recordedParents, resolveCommit, writeRefBlob } from '../../repo/git/refs.js';
import { showFile } from '../../repo/git/blobs.js';
import { listFilesAt } from '../../repo/git/tree.js';
import type { Workspace } from '../context/workspace.js';

interface RekeyState {
  version: 1;
  /** The identity whose derived key MACs this state. */
  recipient: string;
  files: Record<string, string>;
  mac: string;
}

const stateRef = (env: string | undefined) => `refs/keyfold/rekeyed/${env ?? 'all'}`;

/** Fingerprint of a file's envelopes (not values: rewriting a value keeps the data key). */
function envelopeFingerprint(text: string, file: string): string {
  const parsed = parseSopsFile(text, file, { strict: false, readOnly: true });
  const h = createHash('sha256');
  for (const g of parsed.meta.groups) for (const e of g) h.update(e.recipient).update('\0').update(e.enc).update('\0');
  return h.update(String(parsed.meta.threshold)).digest('hex');
}

function macOf(ws: Workspace, recipient: string, files: Record<string, string>): string | undefined {
  const id = ws.identities.find((i) => i.recipient === recipient);
  if (!id) return undefined;
  const body = JSON.stringify(Object.entries(files).sort(([a], [b]) => (a < b ? -1 : 1)));
  return createHmac('sha256', id.deriveKey('rekey-state')).update(body).digest('hex');
}

async function verifiedState(ws: Workspace, env: string | undefined): Promise<Record<string, string> | undefined> {
  const text = await readRefBlob(ws.root, stateRef(env));
  if (!text) return undefined;
  let state: RekeyState;
  try {
    state = JSON.parse(text) as RekeyState;
  } catch {
    return undefined;
  }
  // Parsed strictly: anyone who can push can write this ref, so a malformed blob is
  // untrusted state (fall back), never a crash.
  if (typeof state !== 'object' || state === null || state.version !== 1 || typeof state.recipient !== 'string' || typeof state.mac !== 'string') return undefined;
  const files: unknown = state.files;
  if (typeof files !== 'object' || files === null || Array.isArray(files) || !Object.values(files).every((v) => typeof v === 'string')) return undefined;
  if (!/^[0-9a-f]{64}$/.test(state.mac)) return undefined;
  const expected = macOf(ws, state.recipient, files as Record<string, string>);
  if (!expected || !timingSafeEqual(Buffer.from(expected, 'hex'), Buffer.from(state.mac, 'hex'))) return undefined;
  return files as Record<string, string>;
}

function currentFingerprints(ws: Workspace, env: string | undefined): Map<string, string> {
  const out = new Map<string, string>();
  for (const entry of readRefFiles(ws.root, env)) out.set(entry.ref, envelopeFingerprint(entry.text, entry.display));
  return out;
}

/** Which refs need a fresh data key, with the reason; for `planRecipients({ rekey })`. */
export async function mergedRekeys(ws: Workspace, env: string | undefined): Promise<(ref: string) => string | undefined> {
  const now = currentFingerprints(ws, env);
  let before = await verifiedState(ws, env);
  let source = 'the last sync';
  if (!before) {
    before = {};
    source = "HEAD's parent";
    const parent = await resolveCommit(ws.root, 'HEAD^');
    if (parent) {
      for (const path of await listFilesAt(ws.root, parent, env ? `${SECRETS_DIR}/${env}` : SECRETS_DIR)) {
        const ref = repoPathToRef(path);
        const text = await showFile(ws.root, parent, path);
        if (text === undefined || ref === undefined) continue;
        try {
          before[ref] = envelopeFingerprint(text, path);
        } catch {
          /* unreadable then: treat as changed */
        }
      }
    } else {
      const head = await resolveCommit(ws.root, 'HEAD');
      if (head && (await recordedParents(ws.root, head)).length > 0) {
        // HEAD has a parent this (shallow) clone lacks: nothing to compare with, so
        // every file counts as new rather than none.
        source = "HEAD's parent (missing from this shallow clone; fetch 2 commits to compare)";
      } else {
        // A repository with one commit: everything in it is the starting point.
        before = Object.fromEntries(now);
      }
    }
  }
  const prior = before;
  return (ref) => {
    const fp = now.get(ref);
    if (fp === undefined) return undefined;
    if (prior[ref] === undefined) return `new since ${source}: fresh data key (S6)`;
    if (prior[ref] !== fp) return `envelopes changed since ${source}: fresh data key (S6)`;
    return undefined;
  };
}

/**
 * Record the envelopes as they are now, MAC'd with the first identity's derived key.
 * `unsynced` refs (ones this run could not re-key) are left out, so the next run still
 * treats them as new and gives them a fresh data key.
 */
export async function recordRekeyState(ws: Workspace, env: string | undefined, unsynced: readonly string[] = []): Promise<void> {
  const id = ws.identities[0];
  if (!id) return;
  const skip = new Set(unsynced);
  const files = Object.fromEntries([...currentFingerprints(ws, env)].filter(([ref]) => !skip.has(ref)));
  const state: RekeyState = { version: 1, recipient: id.recipient, files, mac: macOf(ws, id.recipient, files)! };
  await writeRefBlob(ws.root, stateRef(env), JSON.stringify(state) + '\n');
}
