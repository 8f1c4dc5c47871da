/**
 * `edit`: $EDITOR on a plaintext copy in a private temp directory (memory-backed when
 * available), removed on every exit path; re-encrypted with stable ciphertext. A ref
 * (`editRef`, YAML under secrets/) or, sops-style, an encrypted file of any format at a
 * path (`editPath`).
 */
import { spawn } from 'node:child_process';
import { accessSync, constants, lstatSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join, relative, resolve, sep } from 'node:path';
import { KeyfoldError, UsageError } from '../../kernel/errors.js';
import { isUnderSecrets, pathToRef } from '../../kernel/ref.js';
import { withoutIdentityVariables } from '../../kernel/names.js';
import { openSopsFile } from '../../sops/file.js';
import { sopsStore, type SopsFormat } from '../../formats/stores/registry.js';
import { parseYaml, stringifyYaml } from '../../formats/yaml.js';
import { withRepoLock } from '../../repo/lock.js';
import { nearestRepoRoot } from '../../repo/secrets-tree.js';
import { checkEnvironment, emptyDocument, locateRef, parseRefFile, saveRef, writeSopsFile } from './store.js';
import { openSopsPath } from './file-crypt.js';
import { Workspace } from '../context/workspace.js';

export interface EditOptions {
  /** The editor command line (`$VISUAL`/`$EDITOR`), run through `sh -c`. */
  editor: string;
  /** The environment the editor gets, less the identity variables (IDENTITY_ENV_RE; default: this process's). */
  env?: NodeJS.ProcessEnv;
  /** Asked after an invalid edit; true re-opens the editor, false gives up. */
  retryAfterInvalid?: (error: KeyfoldError) => Promise<boolean>;
}

export interface EditResult {
  ref: string;
  file: string;
  action: 'created' | 'updated' | 'unchanged';
}

/** Where plaintext copies go: /dev/shm when usable, else the system temp dir. */
export function editTempBase(): string {
  try {
    accessSync('/dev/shm', constants.W_OK);
    return '/dev/shm';
  } catch {
    return tmpdir(); // no memory-backed tmpfs here
  }
}

const EDIT_DIR_PREFIX = 'keyfold-edit-';
/** `keyfold-edit-<owner pid>-<random>`: whose plaintext it is, so a killed owner's copy can be found. */
const EDIT_DIR_RE = /^keyfold-edit-([1-9][0-9]{0,9})-[A-Za-z0-9]{6}$/;

/**
 * A private directory (mode 0700) for plaintext, named after this process:
 * `keyfold-edit-<pid>-XXXXXX`. A keyfold killed by SIGKILL (or a crash, or power off
 * for a disk-backed temp dir) cannot remove its copy; the next `edit` does (`sweepOrphanedEditDirs`).
 */
export function privateTempDir(base = editTempBase()): string {
  return mkdtempSync(join(base, `${EDIT_DIR_PREFIX}${process.pid}-`)); // mode 0700
}

/**
 * Remove the edit directories of keyfold processes that are gone: in `base`, each
 * `keyfold-edit-<pid>-XXXXXX` directory (never a symlink) owned by this user whose
 * process no longer exists. A live process's (any user's) is left alone, as is
 * anything else. Returns the directories removed.
 */
export function sweepOrphanedEditDirs(base = editTempBase()): string[] {
  const uid = process.getuid?.();
  let names: string[];
  try {
    names = readdirSync(base);
  } catch {
    return [];
  }
  const removed: string[] = [];
  for (const name of names) {
    const m = EDIT_DIR_RE.exec(name);
    if (!m) continue;
    const pid = Number(m[1]);
    if (pid === process.pid || processExists(pid)) continue;
    const dir = join(base, name);
    try {
      const st = lstatSync(dir);
      if (!st.isDirectory() || (uid !== undefined && st.uid !== uid)) continue;
      rmSync(dir, { recursive: true, force: true });
      removed.push(dir);
    } catch {
      /* gone already, or not ours to remove */
    }
  }
  return removed;
}

function processExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    // EPERM: it exists, as another user's.
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export async function editRef(ws: Workspace, ref: string, options: EditOptions): Promise<EditResult> {
  const loc = locateRef(ws, ref);
  return withRepoLock(ws.root, async () => {
    const parsed = parseRefFile(ws, loc);
    if (!parsed) await checkEnvironment(ws, loc);
    const opened = parsed ? openSopsFile(parsed, ws.identities, loc.display) : undefined;
    const original = stringifyYaml(opened?.plain ?? emptyDocument(), { indent: typeof opened?.indent === 'number' ? opened.indent : 4 });
    const changed = await editInTempDir(basename(loc.path), Buffer.from(original, 'utf8'), options, async (edited) => {
      const plain = parseYaml(edited.toString('utf8'), `${loc.ref} (edited)`);
      if (plain.has('sops')) throw new UsageError('the edited document may not contain a top-level sops key');
      await saveRef(ws, loc, plain, opened);
    });
    return { ref: loc.ref, file: loc.display, action: !changed ? 'unchanged' : opened ? 'updated' : 'created' };
  });
}

export interface EditPathOptions extends EditOptions {
  /** The file's format when its extension does not tell (sops `--input-type`). */
  inputType?: SopsFormat;
}

export interface EditPathResult {
  file: string;
  format: SopsFormat;
  action: 'created' | 'updated' | 'unchanged';
  /** Set when the file is a ref of a keyfold repository (edited as `editRef` does). */
  ref?: string;
}

/**
 * `sops edit FILE`: an existing encrypted file of any format, edited in its own format
 * and written back in place (same data key, envelopes, format, mode and, for unchanged
 * values, ciphertext). A file under a repository's secrets/ is edited as its ref.
 */
export async function editPath(ws: Workspace, file: string, options: EditPathOptions): Promise<EditPathResult> {
  const path = resolve(ws.cwd, file);
  const display = relative(ws.cwd, path).split(sep).join('/');
  const root = nearestRepoRoot(dirname(path));
  if (root && isUnderSecrets(root, path)) {
    const ref = pathToRef(root, path);
    if (!ref || (options.inputType && options.inputType !== 'yaml')) {
      throw new UsageError(`${display} is under secrets/ but is not a ref's file`, { hint: 'refs are secrets/<env>/…/<name>.yaml' });
    }
    const r = await editRef(new Workspace({ ...ws.options, repo: root }), ref, options);
    return { ...r, format: 'yaml' };
  }
  const opened = openSopsPath({ abs: path, display, explicit: true }, ws.identities, { inputType: options.inputType })!;
  if (opened.meta.commentSelection) {
    throw new UsageError(`${display} selects values by comments (encrypted_comment_regex or unencrypted_comment_regex), which keyfold cannot rewrite`, { hint: 'edit it with sops' });
  }
  const store = sopsStore(opened.format);
  const mode = statSync(path).mode & 0o777;
  const changed = await editInTempDir(basename(path), store.emitPlain(opened.plain, opened.indent), options, async (edited) => {
    const plain = store.loadPlain(edited, `${display} (edited)`);
    if (store.hasMetadata(plain)) throw new UsageError('the edited document may not contain sops metadata');
    writeSopsFile({ path, display, mode }, plain, { kind: 'keep', opened });
  });
  return { file: display, format: opened.format, action: changed ? 'updated' : 'unchanged' };
}

/**
 * Write `original` to a private temp file named `name`, run the editor on it, and hand
 * a changed text to `save` (again after an invalid edit, when the caller asks to).
 * Returns false when the text came back unchanged. The temp directory is removed on
 * every exit path, signals included.
 */
async function editInTempDir(name: string, original: Buffer, options: EditOptions, save: (edited: Buffer) => Promise<void>): Promise<boolean> {
  const base = editTempBase();
  sweepOrphanedEditDirs(base);
  const dir = privateTempDir(base);
  const cleanup = () => rmSync(dir, { recursive: true, force: true });
  const onSignal = (signal: NodeJS.Signals) => {
    cleanup();
    process.kill(process.pid, signal);
  };
  process.once('exit', cleanup);
  const signals: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];
  for (const s of signals) process.once(s, onSignal);
  try {
    const tmp = join(dir, name);
    writeFileSync(tmp, original, { mode: 0o600, flag: 'wx' });
    for (;;) {
      // Asynchronously, so that a signal arriving while the editor runs is handled at
      // once (temp removed, process ends) instead of after the editor exits.
      const r = await runEditor(options.editor, tmp, withoutIdentityVariables(options.env ?? process.env));
      if (r.error || r.status !== 0) {
        throw new UsageError(`the editor exited with ${r.error ? 'an error' : `status ${r.status ?? r.signal}`}; nothing was changed`, {
          hint: 'set $EDITOR to your editor command (e.g. "code --wait")',
        });
      }
      const edited = readFileSync(tmp);
      if (edited.equals(original)) return false;
      try {
        await save(edited);
        return true;
      } catch (e) {
        if (!(e instanceof KeyfoldError) || !options.retryAfterInvalid || !(await options.retryAfterInvalid(e))) throw e;
      }
    }
  } finally {
    cleanup();
    process.removeListener('exit', cleanup);
    for (const s of signals) process.removeListener(s, onSignal);
  }
}

function runEditor(editor: string, file: string, env: NodeJS.ProcessEnv): Promise<{ status: number | null; signal: NodeJS.Signals | null; error?: Error }> {
  return new Promise((resolve) => {
    const child = spawn('/bin/sh', ['-c', `${editor} "$1"`, 'keyfold-editor', file], { stdio: 'inherit', env });
    child.once('error', (error) => resolve({ status: null, signal: null, error }));
    child.once('exit', (status, signal) => resolve({ status, signal }));
  });
}
