/**
 * `validate`: plaintext where it does not belong — private keys and provider
 * credentials in tracked files outside `secrets/` (minus the allow-list of
 * policies/rules.yaml), and sync targets that would write plaintext inside the
 * repository without it being git-ignored (docs/threat-model.md).
 */
import { repoPathToRef } from '../../kernel/ref.js';
import { closeSync, constants, fstatSync, openSync, readSync } from 'node:fs';
import { isAbsolute, join, relative, resolve, sep } from 'node:path';
import type { KeyfoldConfig } from '../../config/keyfold-config.js';
import type { AllowEntry } from '../../config/rules.js';
import { TextScanner, isAllowed, looksBinary, type ScanFinding } from '../../core/secret-scan.js';
import type { Violation } from '../../core/violation.js';
import { lineOfText } from '../../formats/yaml-lines.js';
import { ignoredPaths } from '../../repo/git/tree.js';
import { CONFIG_FILE } from '../../config/keyfold-config.js';

/** Scan the tracked files outside `secrets/`. */
export function scanTrackedFiles(root: string, tracked: readonly string[], allow: readonly AllowEntry[]): Violation[] {
  const out: Violation[] = [];
  for (const file of tracked) {
    if (repoPathToRef(file, { anyFile: true }) !== undefined) continue;
    for (const f of scanRegularFile(join(root, file))) {
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

/** Files are read and scanned this many bytes at a time. */
const READ_BLOCK = 256 * 1024;

/**
 * The findings in a regular text file (never through a symlink), read block by block so
 * a file of any size is scanned in constant memory; none for anything else, for a file
 * deleted from the work tree, or for a binary file.
 */
function scanRegularFile(path: string): ScanFinding[] {
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch {
    return [];
  }
  try {
    const st = fstatSync(fd);
    if (!st.isFile()) return [];
    const buf = Buffer.allocUnsafe(Math.min(READ_BLOCK, Math.max(st.size, 8192)));
    const decoder = new TextDecoder();
    const scanner = new TextScanner();
    const found: ScanFinding[] = [];
    for (let pos = 0; ; ) {
      const n = readSync(fd, buf, 0, buf.length, pos);
      if (n === 0) break;
      if (pos === 0 && looksBinary(buf.subarray(0, n))) return [];
      pos += n;
      found.push(...scanner.push(decoder.decode(buf.subarray(0, n), { stream: true })));
    }
    found.push(...scanner.push(decoder.decode()), ...scanner.end());
    return found;
  } finally {
    closeSync(fd);
  }
}

/** Target types that write plaintext files, and the fields that name them. */
const PLAINTEXT_TARGETS: Record<string, readonly string[]> = { dotenv: ['path'], k8s: ['out'] };

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
