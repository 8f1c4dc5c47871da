/**
 * Opening the three versions of a file for a merge. Each is opened with the user's
 * identities; a version they cannot open (the base, before they were made a reader) is
 * tried with the data key of another version: sides that share a data key share it
 * whatever their envelopes, and the MAC check tells a wrong key.
 */
import type { X25519Identity } from '../../crypto/age/index.js';
import { AccessError } from '../../kernel/errors.js';
import { openSopsFile, openWithDataKey, parseSopsFile, type OpenedSopsFile } from '../../sops/file.js';
import type { ThreeWay } from './three-way.js';

export interface SideTexts {
  /** Null or empty: no common version. */
  base: string | null;
  ours: string;
  theirs: string;
}

/** Open base, ours and theirs; throws (AccessError, IntegrityError, FormatError) naming `display`. */
export function openSides(texts: SideTexts, display: string, identities: X25519Identity[]): ThreeWay {
  const names = { base: `${display} (base)`, ours: `${display} (ours)`, theirs: `${display} (theirs)` };
  const base = texts.base ? texts.base : undefined;
  const attempts: Array<[keyof typeof names, string]> = [['ours', texts.ours], ['theirs', texts.theirs], ...(base ? [['base', base] as ['base', string]] : [])];
  const opened: Partial<Record<keyof typeof names, OpenedSopsFile>> = {};
  const failed: Array<[keyof typeof names, string, AccessError]> = [];
  for (const [side, text] of attempts) {
    try {
      opened[side] = openSopsFile(parseSopsFile(text, names[side], { strict: true }), identities, names[side]);
    } catch (e) {
      if (!(e instanceof AccessError)) throw e;
      failed.push([side, text, e]);
    }
  }
  for (const [side, text, error] of failed) {
    // A data key another side opened with, tried until one fits (sides often share it).
    let withKey: OpenedSopsFile | undefined;
    for (const o of Object.values(opened)) if ((withKey = tryWithDataKey(text, names[side], o.dataKey))) break;
    if (!withKey) throw error;
    opened[side] = withKey;
  }
  return { base: opened.base, ours: opened.ours!, theirs: opened.theirs! };
}

function tryWithDataKey(text: string, display: string, dataKey: Uint8Array): OpenedSopsFile | undefined {
  const parsed = parseSopsFile(text, display, { strict: true });
  try {
    return openWithDataKey(parsed, dataKey, display);
  } catch {
    return undefined;
  }
}
