/**
 * Everything under `secrets/`, for `validate`: unlike `listRefFiles` it lists every
 * file (not only YAML) and reports symlinks instead of throwing at the first, so one
 * bad entry does not hide the others. Never follows a symlink (S10).
 */
import { lstatSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { SECRETS_DIR } from '../kernel/ref.js';

export interface SecretsInventory {
  /** Repository-relative POSIX paths of regular files, sorted. */
  files: string[];
  /** Repository-relative POSIX paths of symlinks (and other non-regular entries), sorted. */
  refused: string[];
}

export function inventorySecrets(root: string): SecretsInventory {
  const files: string[] = [];
  const refused: string[] = [];
  const walk = (rel: string): void => {
    let entries;
    try {
      entries = readdirSync(join(root, rel), { withFileTypes: true });
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') return;
      if (code === 'ENOTDIR') {
        refused.push(rel);
        return;
      }
      throw e;
    }
    for (const e of entries) {
      const p = `${rel}/${e.name}`;
      if (e.isDirectory()) walk(p);
      else if (e.isFile()) files.push(p);
      else refused.push(p);
    }
  };
  let top;
  try {
    top = lstatSync(join(root, SECRETS_DIR));
  } catch {
    top = undefined; // no secrets/ yet
  }
  if (top?.isSymbolicLink()) refused.push(SECRETS_DIR);
  else if (top?.isDirectory()) walk(SECRETS_DIR);
  const byPath = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
  return { files: files.sort(byPath), refused: refused.sort(byPath) };
}
