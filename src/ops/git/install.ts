/**
 * `keyfold git install`: the `.gitattributes` line that routes `secrets/**` through the
 * keyfold diff and merge drivers, and the drivers themselves in the repository-LOCAL
 * git config (never the global one, S9: a driver is a command git runs, and which
 * command runs for this repository is this repository's business).
 *
 * The command git runs is `keyfold` when the `keyfold` on PATH is this very install,
 * else the absolute, shell-quoted `node` and script that are running now — so the
 * drivers work when keyfold is run as `node …/dist/keyfold.js`, and from git clients
 * whose PATH differs. Re-run it after moving or reinstalling keyfold.
 */
import { realpathSync } from 'node:fs';
import { join } from 'node:path';
import { NotFoundError, UsageError } from '../../kernel/errors.js';
import { findOnPath } from '../../kernel/path-search.js';
import { quoteShell } from '../../formats/shell.js';
import { writeFileAtomic } from '../../repo/atomic-write.js';
import { readTextFile } from '../../repo/secrets-tree.js';
import { getLocalConfig, setLocalConfig, unsetLocalConfig } from '../../repo/git/config.js';
import { isWorkTree } from '../../repo/git/tree.js';
import type { Workspace } from '../context/workspace.js';
import { DECRYPT_DIFFS_KEY } from './textconv.js';

/** The .gitattributes line (the same one `keyfold init` writes). */
export const GITATTRIBUTES_LINE = 'secrets/** diff=keyfold merge=keyfold';

/** The program that is running: node and the CLI script. */
export interface SelfCommand {
  execPath: string;
  /** The script node runs (dist/keyfold.js). */
  script: string;
}

export interface InstallOptions {
  /** Set `keyfold.textconvDecrypt=true`: readers see values in `git diff` (otherwise it is removed). */
  decryptDiffs?: boolean;
}

export interface InstallResult {
  gitattributes: { file: '.gitattributes'; line: string; added: boolean };
  /** The local git config keyfold set, in the order written. */
  config: Record<string, string>;
  /** Local git config keys removed. */
  removed: string[];
  /** How git starts keyfold: `keyfold` (on PATH, this install) or an absolute node + script. */
  command: string;
  onPath: boolean;
}

export async function installGitDrivers(ws: Workspace, self: SelfCommand, options: InstallOptions = {}): Promise<InstallResult> {
  const root = ws.root;
  if (!(await isWorkTree(root))) {
    throw new UsageError(`${root} is not in a git work tree`, { hint: 'run `git init` first (or `keyfold init`, which does)' });
  }
  const added = ensureGitattributes(root);
  const { command, onPath } = driverCommand(self, ws.options.env);
  const config: Record<string, string> = {
    'diff.keyfold.textconv': `${command} git textconv`,
    // git may cache textconv output in notes (refs/notes/textconv/…): never decrypted text.
    'diff.keyfold.cachetextconv': 'false',
    'merge.keyfold.name': 'keyfold: key-level merge of encrypted secrets',
    'merge.keyfold.driver': `${command} git merge %O %A %B %P`,
    // The inner merge of several merge bases (criss-cross history) keeps a base as it is.
    'merge.keyfold.recursive': 'binary',
  };
  if (options.decryptDiffs) config[DECRYPT_DIFFS_KEY] = 'true';
  for (const [key, value] of Object.entries(config)) {
    if ((await getLocalConfig(root, key)) !== value) await setLocalConfig(root, key, value);
  }
  const removed: string[] = [];
  if (!options.decryptDiffs && (await unsetLocalConfig(root, DECRYPT_DIFFS_KEY))) removed.push(DECRYPT_DIFFS_KEY);
  return { gitattributes: { file: '.gitattributes', line: GITATTRIBUTES_LINE, added }, config, removed, command, onPath };
}

/** Append the keyfold line to `<root>/.gitattributes` unless it is there; true when added. */
function ensureGitattributes(root: string): boolean {
  const path = join(root, '.gitattributes');
  let existing = '';
  try {
    existing = readTextFile(path, '.gitattributes', { root });
  } catch (e) {
    if (!(e instanceof NotFoundError)) throw e;
  }
  const norm = (l: string) => l.trim().replace(/\s+/g, ' ');
  if (existing.split(/\r?\n/).some((l) => norm(l) === GITATTRIBUTES_LINE)) return false;
  const sep = existing === '' || existing.endsWith('\n') ? '' : '\n';
  const comment = '# keyfold: key-level diffs and merges of encrypted secrets (drivers: `keyfold git install`)';
  writeFileAtomic(path, `${existing}${sep}${existing === '' ? '' : '\n'}${comment}\n${GITATTRIBUTES_LINE}\n`, { mode: 0o644 });
  return true;
}

/** `keyfold` when the one on PATH is this install, else `'<node>' '<script>'`. */
export function driverCommand(self: SelfCommand, env: NodeJS.ProcessEnv): { command: string; onPath: boolean } {
  const script = safeRealpath(self.script);
  const found = findOnPath('keyfold', env['PATH'] ?? '');
  if (found && script !== undefined && safeRealpath(found) === script) return { command: 'keyfold', onPath: true };
  return { command: `${quoteShell('node', self.execPath)} ${quoteShell('script', self.script)}`, onPath: false };
}

function safeRealpath(path: string): string | undefined {
  try {
    return realpathSync(path);
  } catch {
    return undefined;
  }
}

