/**
 * Reading and writing refs: the secrets tree, the policy's recipients, stable
 * ciphertext and atomic writes, composed.
 */
import { mkdirSync } from 'node:fs';
import { dirname, relative } from 'node:path';
import { Document } from 'yaml';
import { NotFoundError, UsageError } from '../core/errors.js';
import { openSopsFile, parseSopsFile, sealSopsFile, type OpenedSopsFile, type ParsedSopsFile } from '../core/sops-file.js';
import { newDataKey, wrapDataKey } from '../crypto/data-key.js';
import { allRecipients } from '../config/access-policy.js';
import { writeFileAtomic } from '../repo/atomic-write.js';
import { assertNoSymlinks, parseRef, readTextFile, refToPath } from '../repo/secrets-tree.js';
import type { Workspace } from './workspace.js';

export interface RefLocation {
  ref: string;
  path: string;
  /** Repository-relative path, for messages. */
  display: string;
}

/** Resolve a ref to its file, checking its environment against keyfold.yaml. */
export function locateRef(ws: Workspace, ref: string): RefLocation {
  const segments = parseRef(ref);
  const envs = ws.config.environments;
  if (!envs.includes(segments[0]!)) {
    throw new UsageError(`unknown environment "${segments[0]}" in ref ${segments.join('/')}`, {
      hint: `environments in keyfold.yaml: ${envs.join(', ')}`,
    });
  }
  const path = refToPath(ws.root, ref);
  const clean = segments.join('/');
  return { ref: clean, path, display: relative(ws.root, path) };
}

/** Parse a ref's file without decrypting it; undefined when it does not exist. */
export function parseRefFile(ws: Workspace, loc: RefLocation): ParsedSopsFile | undefined {
  let text: string;
  try {
    text = readTextFile(loc.path, loc.display, ws.root);
  } catch (e) {
    if (e instanceof NotFoundError) return undefined;
    throw e;
  }
  return parseSopsFile(text, loc.display, { strict: true });
}

/** Decrypt a ref; NotFoundError (exit 6) when it does not exist. */
export function openRef(ws: Workspace, loc: RefLocation): OpenedSopsFile {
  const parsed = parseRefFile(ws, loc);
  if (!parsed) throw new NotFoundError(`ref ${loc.ref} not found (${loc.display})`, { hint: 'list refs with `keyfold ls`' });
  return openSopsFile(parsed, ws.identities, loc.display);
}

/**
 * Encrypt and atomically write a ref. An existing file keeps its data key, envelopes
 * and the ciphertext of unchanged values; a new file is encrypted to the policy.
 * Call inside the repository lock.
 */
export function saveRef(ws: Workspace, loc: RefLocation, plain: Document, opened: OpenedSopsFile | undefined): void {
  let text: string;
  if (opened) {
    text = sealSopsFile(
      plain,
      {
        dataKey: opened.dataKey,
        groups: opened.meta.groups,
        threshold: opened.meta.threshold,
        cache: opened.cache,
        previous: opened.meta,
        indent: opened.indent,
      },
      loc.display,
    );
  } else {
    const recipients = allRecipients(ws.policy);
    if (recipients.length === 0) {
      throw new UsageError('the access policy lists no members, so a new file would have no recipients', {
        hint: 'add a member with `keyfold member add` or edit policies/access.yaml',
      });
    }
    const dataKey = newDataKey();
    text = sealSopsFile(plain, { dataKey, groups: wrapDataKey(dataKey, [recipients], 1), threshold: 1 }, loc.display);
  }
  assertNoSymlinks(ws.root, loc.path);
  mkdirSync(dirname(loc.path), { recursive: true });
  assertNoSymlinks(ws.root, loc.path);
  writeFileAtomic(loc.path, text, { mode: 0o644 });
}

/** A new, empty plaintext document. */
export function emptyDocument(): Document {
  return new Document({}, { intAsBigInt: true });
}

