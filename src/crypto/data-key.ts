/**
 * Data keys: unwrapping one from a file's age envelopes (one or several Shamir key
 * groups) with the identities at hand, and wrapping a new one for recipients.
 */
import { randomBytes } from 'node:crypto';
import { AccessError, IntegrityError, KeyfoldError } from '../kernel/errors.js';
import { decryptArmored, encryptArmored, type X25519Identity } from './age/index.js';
import { combineShares, splitSecret } from './shamir.js';

export const DATA_KEY_BYTES = 32;

/** One recipient's age envelope of a data key (or Shamir share), ASCII-armored. */
export interface AgeEnvelope {
  recipient: string;
  enc: string;
}

export function newDataKey(): Buffer {
  return randomBytes(DATA_KEY_BYTES);
}

/**
 * Open one key group: the envelope labelled with one of our recipients first (the
 * label is not authenticated, so then every envelope with every identity).
 * Returns null when no identity opens any envelope of the group.
 */
function openGroup(group: AgeEnvelope[], identities: X25519Identity[], byRecipient: Map<string, X25519Identity>, file: string): Uint8Array | null {
  let labelledFailure: KeyfoldError | undefined;
  for (const env of group) {
    const id = byRecipient.get(env.recipient);
    if (!id) continue;
    try {
      return decryptArmored(env.enc, [id]);
    } catch (e) {
      if (!(e instanceof KeyfoldError)) throw e;
      labelledFailure = e;
    }
  }
  for (const env of group) {
    const others = identities.filter((id) => id.recipient !== env.recipient);
    if (others.length === 0) continue;
    try {
      return decryptArmored(env.enc, others);
    } catch (e) {
      if (!(e instanceof AccessError) && !(e instanceof IntegrityError)) throw e;
    }
  }
  if (labelledFailure) {
    throw new IntegrityError(`${file}: the data-key envelope for one of your recipients does not open (${labelledFailure.message})`, {
      file,
      hint: 'the envelope was tampered with or truncated; restore the file from git history',
    });
  }
  return null;
}

/**
 * The data key of a file. Throws AccessError when the identities cannot open enough
 * key groups, IntegrityError when an envelope or the Shamir shares are damaged.
 */
export function unwrapDataKey(groups: AgeEnvelope[][], threshold: number, identities: X25519Identity[], file: string): Uint8Array {
  const byRecipient = new Map(identities.map((id) => [id.recipient, id] as const));
  const noIdentity = (opened: number) =>
    opened === 0
      ? new AccessError(`${file}: no identity can decrypt this file (tried ${identities.length})`, {
          file,
          hint:
            identities.length === 0
              ? 'no age identity found: pass --identity FILE or set KEYFOLD_AGE_KEY_FILE'
              : 'ask an admin to grant your role read access and run `keyfold recipients sync`',
        })
      : new AccessError(`${file}: your identities open ${opened} of the ${threshold} key groups needed`, {
          file,
          hint: 'break-glass files need identities from enough custodians: pass several --identity flags',
        });
  if (groups.length === 1) {
    const key = openGroup(groups[0]!, identities, byRecipient, file);
    if (!key) throw noIdentity(0);
    if (key.length !== DATA_KEY_BYTES) throw new IntegrityError(`${file}: the data key has the wrong length`, { file });
    return key;
  }
  const shares: Uint8Array[] = [];
  for (const group of groups) {
    const share = openGroup(group, identities, byRecipient, file);
    if (share) shares.push(share);
    if (shares.length >= threshold) break;
  }
  if (shares.length < threshold) throw noIdentity(shares.length);
  const key = combineShares(shares);
  if (key.length !== DATA_KEY_BYTES) throw new IntegrityError(`${file}: the combined data key has the wrong length`, { file });
  return key;
}

/**
 * Envelopes for a data key: with one group every recipient gets the whole key; with
 * several, the key is split (threshold of groups) and group i's recipients get share i.
 */
export function wrapDataKey(dataKey: Uint8Array, groups: string[][], threshold: number): AgeEnvelope[][] {
  if (groups.length === 1) {
    return [groups[0]!.map((recipient) => ({ recipient, enc: encryptArmored(dataKey, [recipient]) }))];
  }
  const shares = splitSecret(dataKey, groups.length, threshold);
  return groups.map((g, i) => g.map((recipient) => ({ recipient, enc: encryptArmored(shares[i]!, [recipient]) })));
}
