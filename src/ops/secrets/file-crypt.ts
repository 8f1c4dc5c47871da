/**
 * `encrypt` and `decrypt` on arbitrary paths, sops-style. Files under a keyfold
 * repository's `secrets/` get the strict metadata allowlist (S1); others stay lenient.
 */
import { lstatSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import type { Document } from 'yaml';
import { NotFoundError, UsageError } from '../../kernel/errors.js';
import { openSopsFile, parseSopsFile } from '../../sops/file.js';
import type { Keying } from '../../sops/seal.js';
import type { X25519Identity } from '../../crypto/age/index.js';
import { recipientArg } from '../../keys/recipient-arg.js';
import { parseYaml, stringifyYaml } from '../../formats/yaml.js';
import { writeFileAtomic } from '../../repo/atomic-write.js';
import { withRepoLock } from '../../repo/lock.js';
import { assertNoSymlinks, nearestRepoRoot, readTextFile } from '../../repo/secrets-tree.js';
import type { RecipientLayout } from '../../core/policy.js';
import { Workspace } from '../context/workspace.js';
import { isUnderSecrets, pathToRef } from '../../kernel/ref.js';
import { checkWrite, sealSopsText, writeSopsFile } from './store.js';

/** The keyfold repository containing `path`, if any. */
const repoOf = (path: string): string | undefined => nearestRepoRoot(dirname(resolve(path)));

const displayPath = (ws: Workspace, path: string) => relative(ws.cwd, path).split(sep).join('/') || '.';

export interface EncryptOptions {
  recipients?: string[];
  inPlace?: boolean;
}

/**
 * Encrypt a plaintext YAML file; returns the encrypted text (also written with --in-place,
 * keeping the file's mode). A file in a keyfold repository's secrets tree is rewritten
 * inside that repository's lock, like any other write there.
 */
export async function encryptSopsFile(ws: Workspace, file: string, options: EncryptOptions): Promise<{ text: string; recipients: string[]; file: string }> {
  const path = resolve(ws.cwd, file);
  const root = repoOf(path);
  const secretsRoot = root && isUnderSecrets(root, path) ? root : undefined;
  const run = () => encryptOne(ws, path, root, secretsRoot, options);
  return options.inPlace && secretsRoot ? withRepoLock(secretsRoot, run) : run();
}

async function encryptOne(ws: Workspace, path: string, root: string | undefined, secretsRoot: string | undefined, options: EncryptOptions): Promise<{ text: string; recipients: string[]; file: string }> {
  const display = displayPath(ws, path);
  const text = readTextFile(path, display, { root });
  const plain = parseYaml(text, display);
  if (plain.has('sops')) {
    throw new UsageError(`${display} is already encrypted (it has a sops key)`, { hint: 'use `keyfold set` or `keyfold edit` to change it' });
  }
  let layout: RecipientLayout = { groups: [(options.recipients ?? []).map((r, i) => recipientArg(r, `-r #${i + 1}`))], threshold: 1 };
  const ref = secretsRoot ? pathToRef(secretsRoot, path) : undefined;
  if (secretsRoot && ref) {
    // A file in a secrets tree is written like any ref there: write access and key names
    // checked, and (without -r) the write policy's recipients and key groups for its ref.
    const repo = new Workspace({ ...ws.options, repo: secretsRoot });
    await checkWrite(repo, ref, plain);
    if (layout.groups[0]!.length === 0) {
      const { recipientLayout } = await import('../../core/policy.js');
      layout = recipientLayout((await repo.writePolicy()).policy, ref);
    }
  }
  if (layout.groups.every((g) => g.length === 0)) {
    throw new UsageError('no recipients for the encrypted file', {
      hint: "pass -r age1… (repeatable); files under a keyfold repository's secrets/ get the policy's recipients",
    });
  }
  const groups = layout.groups.map((g) => [...new Set(g)]);
  const keying: Keying = { kind: 'fresh', layout: { groups, threshold: layout.threshold } };
  const out = options.inPlace
    ? writeSopsFile({ path, display, repoRoot: secretsRoot, mode: statSync(path).mode & 0o777 }, plain, keying)
    : sealSopsText(plain, keying, display);
  return { text: out, recipients: [...new Set(groups.flat())], file: display };
}

export interface DecryptedFile {
  /** POSIX path relative to the working directory. */
  file: string;
  doc: Document;
}

/** A file to decrypt: named on the command line, or found in a directory walk. */
interface DecryptEntry {
  abs: string;
  display: string;
  /** Named explicitly: a non-SOPS file is an error, not skipped. */
  explicit: boolean;
  /** Found by a walk that never follows symlinks, below a checked directory. */
  dirsChecked: boolean;
}

/** The files behind `paths`, sorted by display path (directories walked for *.yaml/*.yml). */
function collectDecryptEntries(ws: Workspace, paths: string[]): DecryptEntry[] {
  if (paths.length === 0) throw new UsageError('decrypt needs at least one file or directory');
  const files = new Map<string, boolean>(); // path → named explicitly
  for (const p of paths) {
    const abs = resolve(ws.cwd, p);
    let st;
    try {
      st = lstatSync(abs);
    } catch {
      throw new NotFoundError(`${p} does not exist`, { file: p });
    }
    if (st.isDirectory()) {
      const root = repoOf(join(abs, 'x'));
      if (root && isUnderSecrets(root, join(abs, 'x'))) assertNoSymlinks(root, abs);
      for (const f of walkYaml(abs)) files.set(f, files.get(f) ?? false);
    } else files.set(abs, true);
  }
  return [...files]
    .map(([abs, explicit]) => ({ abs, display: displayPath(ws, abs), explicit, dirsChecked: !explicit }))
    .sort((a, b) => (a.display < b.display ? -1 : a.display > b.display ? 1 : 0));
}

/**
 * Decrypt one entry; undefined when a walked file is not a SOPS file. Files under a
 * keyfold repository's secrets/ get the strict metadata allowlist (S1).
 */
function decryptEntry(entry: DecryptEntry, identities: X25519Identity[], repoCache = new Map<string, string | undefined>()): DecryptedFile | undefined {
  const dir = dirname(entry.abs);
  if (!repoCache.has(dir)) repoCache.set(dir, repoOf(entry.abs));
  const root = repoCache.get(dir);
  const text = readTextFile(entry.abs, entry.display, { root, dirsChecked: entry.dirsChecked });
  if (!entry.explicit && !hasTopLevelSops(text)) return undefined;
  const strict = root !== undefined && isUnderSecrets(root, entry.abs);
  const opened = openSopsFile(parseSopsFile(text, entry.display, { strict, readOnly: true }), identities, entry.display);
  return { file: entry.display, doc: opened.plain };
}

/**
 * Decrypt files and directories. All-or-nothing: the first failing file (in path
 * order) throws before anything is returned or written.
 */
export function decryptSopsPaths(ws: Workspace, paths: string[], options: { inPlace?: boolean } = {}): DecryptedFile[] {
  const entries = collectDecryptEntries(ws, paths);
  const identities = ws.identities;
  const repoCache = new Map<string, string | undefined>();
  const out: DecryptedFile[] = [];
  for (const entry of entries) {
    const f = decryptEntry(entry, identities, repoCache);
    if (f) out.push(f);
  }
  if (options.inPlace) {
    for (const f of out) writeFileAtomic(resolve(ws.cwd, f.file), stringifyYaml(f.doc), { mode: 0o600 });
  }
  return out;
}

/** Cheap pre-filter for directory walks: a `sops:` key at column 0. */
function hasTopLevelSops(text: string): boolean {
  return /^sops:/m.test(text);
}

function walkYaml(dir: string): string[] {
  const out: string[] = [];
  const visit = (d: string): void => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      if (e.name === '.git' || e.name === 'node_modules') continue;
      const p = join(d, e.name);
      if (e.isDirectory()) visit(p);
      else if (e.isFile() && /\.ya?ml$/.test(e.name)) out.push(p);
      // symlinks are never followed
    }
  };
  visit(dir);
  return out;
}

