/**
 * `edit`: $EDITOR on a plaintext copy in a private temp directory (memory-backed when
 * available), removed on every exit path; re-encrypted with stable ciphertext.
 */
import { spawn } from 'node:child_process';
import { accessSync, constants, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { KeyfoldError, UsageError } from '../../kernel/errors.js';
import { openSopsFile } from '../../sops/file.js';
import { parseYaml, stringifyYaml } from '../../formats/yaml.js';
import { withRepoLock } from '../../repo/lock.js';
import { checkEnvironment, emptyDocument, locateRef, parseRefFile, saveRef } from './store.js';
import type { Workspace } from '../context/workspace.js';

export interface EditOptions {
  /** The editor command line (`$VISUAL`/`$EDITOR`), run through `sh -c`. */
  editor: string;
  /** Asked after an invalid edit; true re-opens the editor, false gives up. */
  retryAfterInvalid?: (error: KeyfoldError) => Promise<boolean>;
}

export interface EditResult {
  ref: string;
  file: string;
  action: 'created' | 'updated' | 'unchanged';
}

/** A private directory for plaintext: /dev/shm when usable, else the system temp dir. */
export function privateTempDir(): string {
  let base = tmpdir();
  try {
    accessSync('/dev/shm', constants.W_OK);
    base = '/dev/shm';
  } catch {
    /* no memory-backed tmpfs here */
  }
  return mkdtempSync(join(base, 'keyfold-edit-')); // mode 0700
}

export async function editRef(ws: Workspace, ref: string, options: EditOptions): Promise<EditResult> {
  const loc = locateRef(ws, ref);
  return withRepoLock(ws.root, async () => {
    const parsed = parseRefFile(ws, loc);
    if (!parsed) await checkEnvironment(ws, loc);
    const opened = parsed ? openSopsFile(parsed, ws.identities, loc.display) : undefined;
    const original = stringifyYaml(opened?.plain ?? emptyDocument(), { indent: opened?.indent ?? 4 });

    const dir = privateTempDir();
    const cleanup = () => rmSync(dir, { recursive: true, force: true });
    const onSignal = (signal: NodeJS.Signals) => {
      cleanup();
      process.kill(process.pid, signal);
    };
    process.once('exit', cleanup);
    const signals: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];
    for (const s of signals) process.once(s, onSignal);
    try {
      const tmp = join(dir, basename(loc.path));
      writeFileSync(tmp, original, { mode: 0o600, flag: 'wx' });
      for (;;) {
        // Asynchronously, so that a signal arriving while the editor runs is handled at
        // once (temp removed, process ends) instead of after the editor exits.
        const r = await runEditor(options.editor, tmp);
        if (r.error || r.status !== 0) {
          throw new UsageError(`the editor exited with ${r.error ? 'an error' : `status ${r.status ?? r.signal}`}; nothing was changed`, {
            hint: 'set $EDITOR to your editor command (e.g. "code --wait")',
          });
        }
        const edited = readFileSync(tmp, 'utf8');
        if (edited === original) return { ref: loc.ref, file: loc.display, action: 'unchanged' };
        try {
          const plain = parseYaml(edited, `${loc.ref} (edited)`);
          if (plain.has('sops')) throw new UsageError('the edited document may not contain a top-level sops key');
          await saveRef(ws, loc, plain, opened);
          return { ref: loc.ref, file: loc.display, action: opened ? 'updated' : 'created' };
        } catch (e) {
          if (!(e instanceof KeyfoldError) || !options.retryAfterInvalid || !(await options.retryAfterInvalid(e))) throw e;
        }
      }
    } finally {
      cleanup();
      process.removeListener('exit', cleanup);
      for (const s of signals) process.removeListener(s, onSignal);
    }
  });
}

function runEditor(editor: string, file: string): Promise<{ status: number | null; signal: NodeJS.Signals | null; error?: Error }> {
  return new Promise((resolve) => {
    const child = spawn('/bin/sh', ['-c', `${editor} "$1"`, 'keyfold-editor', file], { stdio: 'inherit' });
    child.once('error', (error) => resolve({ status: null, signal: null, error }));
    child.once('exit', (status, signal) => resolve({ status, signal }));
  });
}
