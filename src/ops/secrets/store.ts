/**
 * Reading and writing refs: the secrets tree, the policy's recipients, stable
 * ciphertext and atomic writes, composed. `writeSopsFile` is the one path that seals
 * and writes a SOPS file.
 */
import { mkdirSync } from 'node:fs';
import { dirname, relative } from 'node:path';
import { Document } from 'yaml';
import { AccessError, NotFoundError, UsageError } from '../../kernel/errors.js';
import { printableNameCut } from '../../kernel/names.js';
import { keyNameProblems } from '../../core/key-name-rules.js';
import { envNames, topLevelKeys } from '../../formats/document-keys.js';
import { openSopsFile, parseSopsFile, type OpenedSopsFile, type ParsedSopsFile } from '../../sops/file.js';
import { sealDocument, type Keying } from '../../sops/seal.js';
import { memberCan, recipientLayout, rolesOf, type RecipientLayout } from '../../core/policy.js';
import { removeStaleTemps, writeFileAtomic } from '../../repo/atomic-write.js';
import { assertNoSymlinks, readTextFile } from '../../repo/secrets-tree.js';
import type { Workspace } from '../context/workspace.js';
import { parseRef, refToPath } from '../../kernel/ref.js';

export interface RefLocation {
  ref: string;
  path: string;
  /** Repository-relative path, for messages. */
  display: string;
}

/** Resolve a ref to its file (syntax only; see `checkEnvironment`). */
export function locateRef(ws: Workspace, ref: string): RefLocation {
  const segments = parseRef(ref);
  const path = refToPath(ws.root, ref);
  return { ref: segments.join('/'), path, display: relative(ws.root, path) };
}

/** Refuse a ref whose first segment is not an environment of keyfold.yaml. */
export async function checkEnvironment(ws: Workspace, loc: RefLocation): Promise<void> {
  const envs = (await ws.config()).environments;
  const env = loc.ref.split('/')[0]!;
  if (!envs.includes(env)) {
    throw new UsageError(`unknown environment "${env}" in ref ${loc.ref}`, { hint: `environments in keyfold.yaml: ${envs.join(', ')}` });
  }
}

export interface ReadOptions {
  /** The caller will not write the file back (allows the lean reader). */
  readOnly?: boolean;
}

/** Parse a ref's file without decrypting it; undefined when it does not exist. */
export function parseRefFile(ws: Workspace, loc: RefLocation, options: ReadOptions = {}): ParsedSopsFile | undefined {
  const session = ws.session;
  if (session) {
    // An agent session reads its bundle only: the scope is what it holds.
    const text = session.bundle.refs[loc.ref];
    if (text === undefined || !Object.hasOwn(session.bundle.refs, loc.ref)) {
      throw new AccessError(`${loc.ref} is outside agent session ${session.bundle.id}'s scope (${session.bundle.scope.join(', ')})`, { hint: 'ask for a session whose --scope covers it' });
    }
    return parseSopsFile(text, `session:${loc.ref}`, { strict: true, readOnly: options.readOnly });
  }
  let text: string;
  try {
    text = readTextFile(loc.path, loc.display, { root: ws.root });
  } catch (e) {
    if (e instanceof NotFoundError) return undefined;
    throw e;
  }
  return parseSopsFile(text, loc.display, { strict: true, readOnly: options.readOnly });
}

/** Decrypt a ref; NotFoundError (exit 6) when it does not exist. */
export async function openRef(ws: Workspace, loc: RefLocation, options: ReadOptions = {}): Promise<OpenedSopsFile> {
  const parsed = parseRefFile(ws, loc, options);
  if (!parsed) {
    await checkEnvironment(ws, loc);
    throw new NotFoundError(`ref ${loc.ref} not found (${loc.display})`, { hint: 'list refs with `keyfold ls`' });
  }
  return openSopsFile(parsed, ws.identities, loc.display);
}

/** Where a SOPS file is written. */
export interface SopsFileTarget {
  path: string;
  /** Names the file in errors. */
  display: string;
  /**
   * The keyfold repository whose secrets tree holds the file: no path component may be
   * a symlink (S10), and temp files a killed writer left are removed, so call inside
   * that repository's lock. Omitted for a file outside any secrets tree.
   */
  repoRoot?: string;
  /** Default 0644. */
  mode?: number;
}

/** Seal `plain` as `keying` says without writing it (`encrypt` to standard output). */
export function sealSopsText(plain: Document, keying: Keying, display: string): string {
  return sealDocument(plain, keying, display);
}

/**
 * The one path that seals and writes a SOPS file: seal `plain` as `keying` says, then
 * replace the file atomically. Returns the text written.
 */
export function writeSopsFile(target: SopsFileTarget, plain: Document, keying: Keying): string {
  const text = sealSopsText(plain, keying, target.display);
  if (target.repoRoot !== undefined) {
    assertNoSymlinks(target.repoRoot, target.path);
    mkdirSync(dirname(target.path), { recursive: true });
    assertNoSymlinks(target.repoRoot, target.path);
    removeStaleTemps(target.path);
  }
  writeFileAtomic(target.path, text, { mode: target.mode ?? 0o644 });
  return text;
}

/**
 * Encrypt and atomically write a ref. An existing file keeps its data key, envelopes
 * and the ciphertext of unchanged values; a new file is encrypted to the policy. S6:
 * an existing file that a write-only author could have written, and whose envelopes
 * the re-key state does not vouch for, gets a fresh data key and the policy's
 * envelopes instead (ops/rekey/trust.ts). Returns the keying used. Call inside the
 * repository lock.
 */
export async function saveRef(ws: Workspace, loc: RefLocation, plain: Document, opened: OpenedSopsFile | undefined): Promise<Keying> {
  await checkWrite(ws, loc.ref, plain);
  // Loaded here, not at start: it brings git history (a read never needs it).
  const { freshKeyNeeded } = await import('../rekey/trust.js');
  const untrusted = opened && (await freshKeyNeeded(ws, loc.ref, opened.meta, (await ws.writePolicy()).policy));
  if (untrusted) ws.options.note?.(`${loc.ref}: fresh data key and the policy's recipients — ${untrusted}`);
  const keying: Keying = opened && !untrusted ? { kind: 'keep', opened } : { kind: 'fresh', layout: await policyLayout(ws, loc), ...(opened ? { previous: opened } : {}) };
  writeSopsFile({ path: loc.path, display: loc.display, repoRoot: ws.root }, plain, keying);
  return keying;
}

/**
 * What every write of a ref checks before touching it: our identities (when we have
 * any) are members whose roles may write the ref (by the write policy: the default branch's, see Workspace), and
 * every key name follows the repository's rules (policies/rules.yaml, the names that
 * change how programs start). AccessError (exit 4) or UsageError (exit 2).
 */
export async function checkWrite(ws: Workspace, ref: string, plain: Document): Promise<void> {
  if (ws.session) throw new AccessError(`agent session ${ws.session.bundle.id} is read-only: it cannot write ${ref}`, { hint: 'agents never write; a person or CI makes the change' });
  // With no identity at all (encrypting to the policy needs none) the writer is unknown
  // here; `validate --base` judges the change in CI.
  // A rotation run writes as the environment's CI identity, which no grant lets write.
  if (ws.identities.length > 0 && !ws.options.rotationWriter) await assertMayWrite(ws, ref);
  const rules = await ws.rules();
  const problems = keyNameProblems(topLevelKeys(plain), envNames(plain), new RegExp(rules.key_pattern), rules.key_pattern, (n) => `"${printableNameCut(n, 100)}"`);
  const p = problems[0];
  if (p) {
    throw new UsageError(`refused key name in ${ref}: ${p.message}`, {
      hint: p.message.includes('key_pattern') ? 'choose another name (policies/rules.yaml sets key_pattern)' : 'choose another name for this secret',
    });
  }
}

async function assertMayWrite(ws: Workspace, ref: string): Promise<void> {
  const { policy, source } = await ws.writePolicy();
  const members = ws.membersOf(policy);
  if (members.length === 0) {
    throw new AccessError(`you may not write ${ref}: none of your identities is a member of the policy${source === 'working tree' ? '' : ` on ${source}`}`, {
      hint: 'ask an admin to add you (`keyfold whoami` prints your recipient), or pass --identity',
    });
  }
  if (!members.some((m) => memberCan(policy, m, 'write', ref))) {
    const roles = [...new Set(members.flatMap((m) => rolesOf(policy, m)))];
    throw new AccessError(`${members.join(', ')} may not write ${ref}: no grant of ${roles.length ? `role ${roles.join(', ')}` : 'theirs (no role)'} has write on it`, {
      hint: 'ask an admin for a write grant, or propose the change for an admin to make',
    });
  }
}

/** The recipients the write policy gives a ref (checking its environment); refuses a ref nobody may read. */
export async function policyLayout(ws: Workspace, loc: RefLocation): Promise<RecipientLayout> {
  await checkEnvironment(ws, loc);
  const layout = recipientLayout((await ws.writePolicy()).policy, loc.ref);
  if (layout.groups.every((g) => g.length === 0)) {
    throw new UsageError(`no member may read ${loc.ref}, so its file would have no recipients`, {
      hint: 'grant a role read access to it in policies/access.yaml',
    });
  }
  return layout;
}

/** Whether our identities can decrypt a file with this layout (enough key groups). */
export function canReadLayout(ws: Workspace, layout: RecipientLayout): boolean {
  const mine = new Set(ws.identities.map((id) => id.recipient));
  const opened = layout.groups.filter((g) => g.some((r) => mine.has(r))).length;
  return opened >= (layout.groups.length > 1 ? layout.threshold : 1);
}

/** A new, empty plaintext document. */
export function emptyDocument(): Document {
  return new Document({}, { intAsBigInt: true });
}

