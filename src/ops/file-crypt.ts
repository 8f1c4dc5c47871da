/**
 * `encrypt` and `decrypt` on arbitrary paths, sops-style. Files under a keyfold
 * repository's `secrets/` get the strict metadata allowlist (S1); others stay lenient.
 */
import { existsSync, lstatSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import type { Document } from 'yaml';
import { NotFoundError, UsageError } from '../core/errors.js';
import { openSopsFile, parseSopsFile, sealSopsFile } from '../core/sops-file.js';
import { parseRecipient } from '../crypto/age/index.js';
import { newDataKey, wrapDataKey } from '../crypto/data-key.js';
import { parseYaml } from '../formats/yaml.js';
import { writeFileAtomic } from '../repo/atomic-write.js';
import { CONFIG_FILE, isUnderSecrets, readTextFile } from '../repo/secrets-tree.js';
import type { Workspace } from './workspace.js';

/** The keyfold repository containing `path`, if any. */
function repoOf(path: string): string | undefined {
  let dir = dirname(resolve(path));
  for (;;) {
    if (existsSync(join(dir, CONFIG_FILE))) return dir;
    const parent = dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}

const displayPath = (ws: Workspace, path: string) => relative(ws.cwd, path).split(sep).join('/') || '.';

export interface EncryptOptions {
  recipients?: string[];
  inPlace?: boolean;
}

/** Encrypt a plaintext YAML file; returns the encrypted text (also written with --in-place). */
export async function encryptFile(ws: Workspace, file: string, options: EncryptOptions): Promise<{ text: string; recipients: string[]; file: string }> {
  const path = resolve(ws.cwd, file);
  const display = displayPath(ws, path);
  const root = repoOf(path);
  const text = readTextFile(path, display, root);
  const plain = parseYaml(text, display);
  if (plain.has('sops')) {
    throw new UsageError(`${display} is already encrypted (it has a sops key)`, { hint: 'use `keyfold set` or `keyfold edit` to change it' });
  }
  let recipients = options.recipients ?? [];
  if (recipients.length > 0) {
    recipients = recipients.map((r) => parseRecipient(r).recipient);
  } else if (root) {
    const { allRecipients, loadAccessPolicy } = await import('../config/access-policy.js');
    recipients = allRecipients(loadAccessPolicy(root));
  }
  if (recipients.length === 0) {
    throw new UsageError('no recipients for the encrypted file', { hint: 'pass -r age1… (repeatable), or run inside a keyfold repository' });
  }
  recipients = [...new Set(recipients)];
  const dataKey = newDataKey();
  const out = sealSopsFile(plain, { dataKey, groups: wrapDataKey(dataKey, [recipients], 1), threshold: 1 }, display);
  if (options.inPlace) writeFileAtomic(path, out, { mode: statSync(path).mode & 0o777 });
  return { text: out, recipients, file: display };
}

export interface DecryptedFile {
  /** POSIX path relative to the working directory. */
  file: string;
  doc: Document;
}

/**
 * Decrypt files and directories (walked for `*.yaml`/`*.yml` with a top-level `sops`
 * key). All-or-nothing: the first failure throws before anything is returned.
 */
export function decryptPaths(ws: Workspace, paths: string[], options: { inPlace?: boolean } = {}): DecryptedFile[] {
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
    if (st.isDirectory()) for (const f of walkYaml(abs)) files.set(f, files.get(f) ?? false);
    else files.set(abs, true);
  }
  const identities = ws.identities;
  const out: DecryptedFile[] = [];
  const repoCache = new Map<string, string | undefined>();
  for (const [abs, explicit] of files) {
    const display = displayPath(ws, abs);
    const dir = dirname(abs);
    if (!repoCache.has(dir)) repoCache.set(dir, repoOf(abs));
    const root = repoCache.get(dir);
    const text = readTextFile(abs, display, root);
    if (!explicit && !hasTopLevelSops(text)) continue;
    const strict = root !== undefined && isUnderSecrets(root, abs);
    const opened = openSopsFile(parseSopsFile(text, display, { strict }), identities, display);
    out.push({ file: display, doc: opened.plain });
  }
  out.sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : 0));
  if (options.inPlace) {
    for (const f of out) writeFileAtomic(resolve(ws.cwd, f.file), f.doc.toString({ indent: 4, indentSeq: true, lineWidth: 0 }), { mode: 0o600 });
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

