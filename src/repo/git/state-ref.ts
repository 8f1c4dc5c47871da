/**
 * Signed state refs: JSON state keyfold keeps in a blob under a ref of its own
 * (`refs/keyfold/rekeyed/<env>` for S6, `refs/keyfold/state/<target>` for sync), MAC'd
 * with a key only the identity that wrote it can derive. Anyone who can push can write
 * such a ref, so a reader trusts the state only when the MAC verifies under a key it
 * holds, and parses it strictly (the caller's validator): a malformed blob is untrusted
 * state, never a crash.
 *
 * On disk, one line of JSON and a newline:
 *
 *     {"version":1,"recipient":"age1…","files":<state>,"mac":"<64 hex digits>"}
 *
 * `recipient` names the signing identity; `files` holds the state (the name S6, whose
 * state is a map of files, gave it; kept so existing refs still verify); `mac` is
 * HMAC-SHA256 under the signer's key over `JSON.stringify(canonical(state))`.
 *
 * Optionally, `"readers":{"age1…":"<64 hex digits>",…}` lets other identities verify
 * the state: the same MAC under a key the signer shares with each reader (static
 * X25519, `X25519Identity.agreeKey`), so a reader trusts the state without being able
 * to sign one in the signer's name. Whoever verifies a reader tag must still check
 * that the signer is someone whose word counts (S6: a reader of the files).
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { readRefBlob, writeRefBlob } from './refs.js';

/** The identity that signs a state: its recipient (recorded) and its derived key. */
export interface StateSigner {
  recipient: string;
  key: Uint8Array;
  /** Other identities that may verify the state: their recipient → the key the signer shares with them. */
  readers?: ReadonlyMap<string, Uint8Array>;
}

/** The key a reader shares with `signer` when the reader is `reader` (one of ours), else undefined. */
export type SharedKeyLookup = (signer: string, reader: string) => Uint8Array | undefined;

/** The key of a recorded signer, or undefined when the reader holds no such identity. */
export type StateKeyLookup = (recipient: string) => Uint8Array | undefined;

/** A strict parse of the untrusted state: the typed value, or undefined when malformed. */
export type StateValidator<T> = (value: unknown) => T | undefined;

export interface SignedState<T> {
  /** The state as recorded; undefined when there is no ref or it does not parse. */
  state: T | undefined;
  /** Whether the MAC verified under the recorded signer's key: only then trust `state`. */
  verified: boolean;
  /** Whether the ref exists at all (a ref that exists but does not verify is untrusted state). */
  exists: boolean;
  /** The recorded signer, when verified. */
  signer?: string;
  /** How it verified: under the signer's own key, or a reader tag (`readers`) for one of ours. */
  via?: 'signer' | 'reader';
}

const VERSION = 1;
const HEX_MAC = /^[0-9a-f]{64}$/;

/**
 * The MAC'd form of a JSON value: an object as its `[key, value]` pairs sorted by key
 * (so key order does not matter), an array as `{"items": [...]}` (never confused with
 * an object's pairs), anything else as it is. For a map of strings this is the sorted
 * entries, the form S6 state has always been MAC'd in.
 */
function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return { items: value.map(canonical) };
  if (value !== null && typeof value === 'object') {
    return Object.entries(value)
      .sort(([a], [b]) => (a < b ? -1 : 1))
      .map(([k, v]) => [k, canonical(v)]);
  }
  return value;
}

function macOf(key: Uint8Array, state: unknown): string {
  return createHmac('sha256', key).update(JSON.stringify(canonical(state))).digest('hex');
}

/**
 * Read the state under `ref`; `verified` only when its MAC checks with `keyFor(signer)`,
 * or (with `sharedKeyFor`) a reader tag checks with a key one of ours shares with the signer.
 */
export async function readSignedState<T>(
  root: string,
  ref: string,
  keyFor: StateKeyLookup,
  validate: StateValidator<T>,
  sharedKeyFor?: SharedKeyLookup,
): Promise<SignedState<T>> {
  const text = await readRefBlob(root, ref);
  const none: SignedState<T> = { state: undefined, verified: false, exists: text !== undefined };
  if (!text) return none;
  let blob: unknown;
  try {
    blob = JSON.parse(text);
  } catch {
    return none;
  }
  if (typeof blob !== 'object' || blob === null || Array.isArray(blob)) return none;
  const { version, recipient, files, mac, readers } = blob as Record<string, unknown>;
  if (version !== VERSION || typeof recipient !== 'string' || typeof mac !== 'string') return none;
  const state = validate(files);
  if (state === undefined) return none;
  const unverified: SignedState<T> = { state, verified: false, exists: true };
  // Compare the MAC over the state as recorded (`files`), not as the validator returned it.
  const matches = (key: Uint8Array, tag: unknown) => typeof tag === 'string' && HEX_MAC.test(tag) && timingSafeEqual(Buffer.from(macOf(key, files), 'hex'), Buffer.from(tag, 'hex'));
  const key = keyFor(recipient);
  if (key && matches(key, mac)) return { state, verified: true, exists: true, signer: recipient, via: 'signer' };
  if (sharedKeyFor && typeof readers === 'object' && readers !== null && !Array.isArray(readers)) {
    for (const [reader, tag] of Object.entries(readers)) {
      const shared = sharedKeyFor(recipient, reader);
      if (shared && matches(shared, tag)) return { state, verified: true, exists: true, signer: recipient, via: 'reader' };
    }
  }
  return unverified;
}


/** The MAC of a state under `key`, as a state ref records it (for MACs kept elsewhere, e.g. a commit trailer). */
export function stateMac(key: Uint8Array, state: unknown): string {
  return macOf(key, JSON.parse(JSON.stringify(state)));
}

/** Whether `mac` is `stateMac(key, state)`, in constant time. */
export function checkStateMac(key: Uint8Array, state: unknown, mac: string): boolean {
  return HEX_MAC.test(mac) && timingSafeEqual(Buffer.from(stateMac(key, state), 'hex'), Buffer.from(mac, 'hex'));
}

/** Record `state` (JSON data) under `ref`, signed by `signer`. */
export async function writeSignedState(root: string, ref: string, signer: StateSigner, state: unknown): Promise<void> {
  // Through JSON first: the MAC covers exactly what is written (no `undefined`, no methods).
  const files: unknown = JSON.parse(JSON.stringify(state));
  const blob: Record<string, unknown> = { version: VERSION, recipient: signer.recipient, files, mac: macOf(signer.key, files) };
  if (signer.readers && signer.readers.size > 0) {
    blob['readers'] = Object.fromEntries([...signer.readers].sort(([a], [b]) => (a < b ? -1 : 1)).map(([r, key]) => [r, macOf(key, files)]));
  }
  await writeRefBlob(root, ref, JSON.stringify(blob) + '\n');
}
