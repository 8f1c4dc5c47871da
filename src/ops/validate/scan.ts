/**
 * `validate`: plaintext where it does not belong — private keys and provider
 * credentials in tracked files outside `secrets/` (minus the allow-list of
 * policies/rules.yaml), and sync targets that would write plaintext inside the
 * repository without it being git-ignored (DESIGN §11).
 */
import { repoPathToRef } from '../../kernel/ref.js';
import { closeSync, constants, fstatSync, openSync, readSync } from 'node:fs';
import { isAbsolute, join, relative, resolve, sep } from 'node:path';
import type { KeyfoldConfig } from '../../config/keyfold-config.js';
import type { AllowEntry } from '../../config/rules.js';
import { MAX_SCAN_BYTES, isAllowed, looksBinary, scanText } from '../../core/secret-scan.js';
import type { Violation } from '../../core/violation.js';
import { lineOfText } from '../../formats/yaml-lines.js';
import { ignoredPaths } from '../../repo/git/tree.js';
import { CONFIG_FILE } from '../../config/keyfold-config.js';

/** Scan the tracked files outside `secrets/`. */
export function scanTrackedFiles(root: string, tracked: readonly string[], allow: readonly AllowEntry[]): Violation[] {
  const out: Violation[] = [];
  for (const file of tracked) {
    if (repoPathToRef(file, { anyFile: true }) !== undefined) continue;
    const bytes = readRegularFile(join(root, file));
    if (!bytes || looksBinary(bytes)) continue;
    for (const f of scanText(bytes.toString('utf8'))) {
      if (isAllowed(allow, file, f)) continue;
      out.push({
        file,
        line: f.line,
        rule: 'secret-scan',
        message: `${f.label} in a tracked file; remove it from the repository and rotate it, or add an allow entry (with a reason) to policies/rules.yaml`,
      });
    }
  }
  return out;
}

/**
 * A regular file's bytes (never through a symlink); undefined for anything else, for a
 * file deleted from the work tree, or one too big to be a source or config file.
 */
function readRegularFile(path: string): Buffer | undefined {
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch {
    return undefined;
  }
  try {
    const st = fstatSync(fd);
    if (!st.isFile() || st.size > MAX_SCAN_BYTES) return undefined;
    const buf = Buffer.allocUnsafe(st.size);
    let n = 0;
    while (n < st.size) {
      const r = readSync(fd, buf, n, st.size - n, n);
      if (r === 0) break;
      n += r;
    }
    return buf.subarray(0, n);
  } finally {
    closeSync(fd);
  }
}

/** Target types that write plaintext files, and the fields that name them. */
const PLAINTEXT_TARGETS: Record<string, readonly string[]> = { dotenv: ['path'], k8s: ['path', 'dir'] };

/** Plaintext outputs of sync targets inside the repository must be git-ignored. */
export async function checkPlaintextOutputs(root: string, config: KeyfoldConfig, configText: string | undefined): Promise<Violation[]> {
  const inside: Array<{ target: string; field: string; rel: string }> = [];
  for (const [name, target] of Object.entries(config.targets)) {
    for (const field of PLAINTEXT_TARGETS[target.type] ?? []) {
      const value = (target as Record<string, unknown>)[field];
      if (typeof value !== 'string' || value === '') continue;
      const abs = isAbsolute(value) ? value : resolve(root, value);
      const rel = relative(root, abs);
      if (rel === '' || rel.startsWith('..' + sep) || rel === '..' || isAbsolute(rel)) continue;
      inside.push({ target: name, field, rel: rel.split(sep).join('/') });
    }
  }
  if (inside.length === 0) return [];
  const ignored = await ignoredPaths(root, inside.map((i) => i.rel));
  return inside
    .filter((i) => !ignored.has(i.rel))
    .map((i) => ({
      file: CONFIG_FILE,
      line: configText ? lineOfText(configText, new RegExp(`^\\s*${escapeRe(i.target)}\\s*:`, 'm')) : 1,
      rule: 'plaintext-output' as const,
      message: `target ${i.target} writes plaintext to ${i.rel}, inside the repository and not git-ignored; add it to .gitignore or write outside the repository`,
    }));
}

function escapeRe(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
