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
import { createHash } from 'node:crypto';
import { parseSopsFile } from '../../sops/file.js';
import { readRefFiles } from '../../repo/secrets-tree.js';
import { recordedParents, resolveCommit } from '../../repo/git/refs.js';
import { showFile } from '../../repo/git/blobs.js';
import { listFilesAt } from '../../repo/git/tree.js';
import { readSignedState, writeSignedState } from '../../repo/git/state-ref.js';
import type { Workspace } from '../context/workspace.js';

/** The label of the key a state's signer derives to MAC it. */
const KEY_LABEL = 'rekey-state';

const stateRef = (env: string | undefined) => `refs/keyfold/rekeyed/${env ?? 'all'}`;

/** Fingerprint of a file's envelopes (not values: rewriting a value keeps the data key). */
function envelopeFingerprint(text: string, file: string): string {
  const parsed = parseSopsFile(text, file, { strict: false, readOnly: true });
  const h = createHash('sha256');
  for (const g of parsed.meta.groups) for (const e of g) h.update(e.recipient).update('\0').update(e.enc).update('\0');
  return h.update(String(parsed.meta.threshold)).digest('hex');
}

/** The recorded fingerprints, parsed strictly: a map of strings. */
function fingerprints(value: unknown): Record<string, string> | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
  return Object.values(value).every((v) => typeof v === 'string') ? (value as Record<string, string>) : undefined;
}

async function verifiedState(ws: Workspace, env: string | undefined): Promise<Record<string, string> | undefined> {
  const keyFor = (recipient: string) => ws.identities.find((i) => i.recipient === recipient)?.deriveKey(KEY_LABEL);
  const { state, verified } = await readSignedState(ws.root, stateRef(env), keyFor, fingerprints);
  return verified ? state : undefined;
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
  await writeSignedState(ws.root, stateRef(env), { recipient: id.recipient, key: id.deriveKey(KEY_LABEL) }, files);
}
