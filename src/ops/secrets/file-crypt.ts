/**
 * `encrypt` and `decrypt` on arbitrary paths, sops-style, in every sops format: the
 * format follows the extension (`.yaml`/`.yml`, `.json`, `.env`, `.ini`, anything else
 * binary) unless `inputType`/`outputType` say otherwise. Files under a keyfold
 * repository's `secrets/` are SOPS YAML and get the strict metadata allowlist (S1);
 * others stay lenient.
 */
import { lstatSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import type { Document } from 'yaml';
import { FormatError, NotFoundError, UsageError } from '../../kernel/errors.js';
import { openSopsFile, parseSopsFile, type OpenedSopsFile } from '../../sops/file.js';
import type { Keying } from '../../sops/seal.js';
import type { X25519Identity } from '../../crypto/age/index.js';
import { recipientArg } from '../../keys/recipient-arg.js';
import { formatForPath, NotSopsError, sopsStore, type SopsFormat } from '../../formats/stores/registry.js';
import { writeFileAtomic } from '../../repo/atomic-write.js';
import { withRepoLock } from '../../repo/lock.js';
import { assertNoSymlinks, nearestRepoRoot, readFileBytes, readTextFile } from '../../repo/secrets-tree.js';
import type { RecipientLayout } from '../../core/policy.js';
import { Workspace } from '../context/workspace.js';
import { isUnderSecrets, pathToRef } from '../../kernel/ref.js';
import { checkWrite, sealSopsText, writeSopsFile } from './store.js';

/** The keyfold repository containing `path`, if any. */
const repoOf = (path: string): string | undefined => nearestRepoRoot(dirname(resolve(path)));

const displayPath = (ws: Workspace, path: string) => relative(ws.cwd, path).split(sep).join('/') || '.';

/** sops' `--input-type` / `--output-type`: the format of the file read and of the one written. */
export interface FormatOptions {
  inputType?: SopsFormat;
  outputType?: SopsFormat;
}

/**
 * The input and output formats for `path`: the options, else the extension; the output
 * defaults to the input. Under a repository's secrets/ both are YAML.
 */
export function fileFormats(path: string, display: string, underSecrets: boolean, options: FormatOptions): { input: SopsFormat; output: SopsFormat } {
  const input = options.inputType ?? (underSecrets ? 'yaml' : formatForPath(path));
  const output = options.outputType ?? input;
  if (underSecrets && (input !== 'yaml' || output !== 'yaml')) {
    throw new UsageError(`${display} is under secrets/, where every file is SOPS YAML`, { hint: 'drop --input-type/--output-type, or use a path outside secrets/' });
  }
  return { input, output };
}

export interface EncryptOptions extends FormatOptions {
  recipients?: string[];
  inPlace?: boolean;
}

/**
 * Encrypt a plaintext file; returns the encrypted text (also written with --in-place,
 * keeping the file's mode). A file in a keyfold repository's secrets tree is rewritten
 * inside that repository's lock, like any other write there.
 */
export async function encryptSopsFile(ws: Workspace, file: string, options: EncryptOptions): Promise<{ text: string; recipients: string[]; file: string; format: SopsFormat }> {
  const path = resolve(ws.cwd, file);
  const root = repoOf(path);
  const secretsRoot = root && isUnderSecrets(root, path) ? root : undefined;
  const run = () => encryptOne(ws, path, root, secretsRoot, options);
  return options.inPlace && secretsRoot ? withRepoLock(secretsRoot, run) : run();
}

async function encryptOne(ws: Workspace, path: string, root: string | undefined, secretsRoot: string | undefined, options: EncryptOptions) {
  const display = displayPath(ws, path);
  const { input, output } = fileFormats(path, display, secretsRoot !== undefined, options);
  const store = sopsStore(input);
  const plain = store.loadPlain(input === 'binary' ? readFileBytes(path, display, { root }) : Buffer.from(readTextFile(path, display, { root }), 'utf8'), display);
  if (store.hasMetadata(plain)) {
    throw new UsageError(`${display} is already encrypted (it has sops metadata)`, { hint: 'use `keyfold set` or `keyfold edit` to change it' });
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
  const keying: Keying = { kind: 'fresh', layout: { groups, threshold: layout.threshold }, format: output };
  const text = options.inPlace
    ? writeSopsFile({ path, display, repoRoot: secretsRoot, mode: statSync(path).mode & 0o777 }, plain, keying)
    : sealSopsText(plain, keying, display);
  return { text, recipients: [...new Set(groups.flat())], file: display, format: output };
}

export interface DecryptedFile {
  /** POSIX path relative to the working directory. */
  file: string;
  doc: Document;
  /** The format the file was read as, and the one `plaintext` writes. */
  format: SopsFormat;
  outputFormat: SopsFormat;
  /** The decrypted file in `outputFormat` (what `sops decrypt` prints; bytes for binary). */
  plaintext(): Buffer;
}

/** A file to decrypt: named on the command line, or found in a directory walk. */
export interface DecryptEntry {
  abs: string;
  display: string;
  /** Named explicitly: a non-SOPS file is an error, not skipped. */
  explicit: boolean;
  /** Found by a walk that never follows symlinks, below a checked directory. */
  dirsChecked: boolean;
}

/** Extensions a directory walk looks at (binary files are only decrypted when named). */
const WALKED = /\.(ya?ml|json|env|ini)$/;

/** The files behind `paths`, sorted by display path (directories walked for WALKED files). */
export function collectDecryptEntries(ws: Workspace, paths: string[]): DecryptEntry[] {
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
      for (const f of walkFiles(abs)) files.set(f, files.get(f) ?? false);
    } else files.set(abs, true);
  }
  return [...files]
    .map(([abs, explicit]) => ({ abs, display: displayPath(ws, abs), explicit, dirsChecked: !explicit }))
    .sort((a, b) => (a.display < b.display ? -1 : a.display > b.display ? 1 : 0));
}

/**
 * Open one encrypted file at a path (any format; strict under a repository's
 * secrets/); undefined for a walked file that is not an encrypted one.
 */
export function openSopsPath(
  entry: { abs: string; display: string; explicit?: boolean; dirsChecked?: boolean },
  identities: X25519Identity[],
  options: FormatOptions & { readOnly?: boolean; repoCache?: Map<string, string | undefined> },
): (OpenedSopsFile & { outputFormat: SopsFormat }) | undefined {
  const dir = dirname(entry.abs);
  const repoCache = options.repoCache ?? new Map<string, string | undefined>();
  if (!repoCache.has(dir)) repoCache.set(dir, repoOf(entry.abs));
  const root = repoCache.get(dir);
  const strict = root !== undefined && isUnderSecrets(root, entry.abs);
  const { input, output } = fileFormats(entry.abs, entry.display, strict, options);
  const text = readTextFile(entry.abs, entry.display, { root, dirsChecked: entry.dirsChecked });
  const store = sopsStore(input);
  if (entry.explicit === false && !store.mayBeEncrypted(text)) return undefined;
  let parsed;
  try {
    parsed = parseSopsFile(text, entry.display, { strict, readOnly: options.readOnly, format: input });
  } catch (e) {
    // A walked file that merely mentions sops (a nested "sops" key, say) is skipped.
    if (entry.explicit === false && e instanceof NotSopsError) return undefined;
    // A file named .txt (say) is read as sops' binary store, a JSON document.
    if (e instanceof FormatError && input === 'binary' && !options.inputType) {
      throw new FormatError(`${entry.display} is not an encrypted binary file (sops writes those as JSON with a "data" key)`, {
        file: entry.display,
        hint: 'if it is another format, say which with --input-type yaml|json|dotenv|ini',
      });
    }
    throw e;
  }
  return Object.assign(openSopsFile(parsed, identities, entry.display), { outputFormat: output });
}

/**
 * Decrypt files and directories. All-or-nothing: the first failing file (in path
 * order) throws before anything is returned or written. With inPlace each file is
 * replaced by its plaintext in `outputFormat` (mode 0600).
 */
export function decryptSopsPaths(ws: Workspace, paths: string[], options: FormatOptions & { inPlace?: boolean } = {}): DecryptedFile[] {
  const entries = collectDecryptEntries(ws, paths);
  const identities = ws.identities;
  const repoCache = new Map<string, string | undefined>();
  const out: DecryptedFile[] = [];
  for (const entry of entries) {
    const opened = openSopsPath(entry, identities, { ...options, readOnly: true, repoCache });
    if (!opened) continue;
    const { plain: doc, format, outputFormat } = opened;
    out.push({ file: entry.display, doc, format, outputFormat, plaintext: () => sopsStore(outputFormat).emitPlain(doc) });
  }
  if (options.inPlace) {
    // Encode every file before writing any (a document a format cannot hold fails first).
    const texts = out.map((f) => f.plaintext());
    out.forEach((f, i) => writeFileAtomic(resolve(ws.cwd, f.file), texts[i]!, { mode: 0o600 }));
  }
  return out;
}

function walkFiles(dir: string): string[] {
  const out: string[] = [];
  const visit = (d: string): void => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      if (e.name === '.git' || e.name === 'node_modules') continue;
      const p = join(d, e.name);
      if (e.isDirectory()) visit(p);
      else if (e.isFile() && WALKED.test(e.name)) out.push(p);
      // symlinks are never followed
    }
  };
  visit(dir);
  return out;
}
