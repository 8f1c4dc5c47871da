/**
 * What the merge driver records for a conflict, for `keyfold git resolve`: the three
 * ciphertext texts (base, ours, theirs), the conflicting key names and the reasons —
 * never plaintext. One JSON file per path under `git rev-parse --git-path
 * keyfold/merge` (mode 0600, in a 0700 folder), removed once resolved.
 */
import { mkdirSync, unlinkSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { FormatError, NotFoundError } from '../../kernel/errors.js';
import { MAX_FILE_BYTES } from '../../kernel/limits.js';
import { writeFileAtomic } from '../../repo/atomic-write.js';
import { readUtf8File } from '../../repo/read-file.js';
import { gitPath } from '../../repo/git/config.js';
import type { Side } from './three-way.js';

export interface MergeRecord {
  version: 1;
  /** The file's path as git names it (relative to the top of the work tree, `/`-separated). */
  path: string;
  /** The ciphertext texts; `base` is null when the file was added on both sides. */
  base: string | null;
  ours: string;
  theirs: string;
  /** Conflicting keys as the driver saw them; null when it could not decrypt. */
  conflicts: string[] | null;
  /** Why the merge stopped (no values). */
  reasons: string[];
  /** Choices `resolve` made so far, when some conflicting keys are still open. */
  choices: Record<string, Side>;
}

/** The record folder of the repository `cwd` is in. */
export function recordDir(cwd: string): Promise<string> {
  return gitPath(cwd, 'keyfold/merge');
}

function recordFile(dir: string, path: string): string {
  const name = encodeURIComponent(path);
  return join(dir, name.length <= 200 ? `${name}.json` : `sha256-${createHash('sha256').update(path).digest('hex')}.json`);
}

export async function writeRecord(cwd: string, record: MergeRecord): Promise<void> {
  const dir = await recordDir(cwd);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  writeFileAtomic(recordFile(dir, record.path), JSON.stringify(record, null, 2) + '\n', { mode: 0o600 });
}

/** The record for `path`, or undefined. */
export async function readRecord(cwd: string, path: string): Promise<MergeRecord | undefined> {
  const file = recordFile(await recordDir(cwd), path);
  let text: string;
  try {
    text = readUtf8File(file, `the merge record of ${path}`, { noFollow: true, maxBytes: 4 * MAX_FILE_BYTES });
  } catch (e) {
    if (e instanceof NotFoundError) return undefined;
    throw e;
  }
  let r: Partial<MergeRecord>;
  try {
    r = JSON.parse(text) as Partial<MergeRecord>;
  } catch {
    r = {};
  }
  const ok =
    r.version === 1 &&
    r.path === path &&
    (r.base === null || typeof r.base === 'string') &&
    typeof r.ours === 'string' &&
    typeof r.theirs === 'string' &&
    (r.conflicts === null || Array.isArray(r.conflicts)) &&
    Array.isArray(r.reasons) &&
    typeof r.choices === 'object' &&
    r.choices !== null;
  if (!ok) throw new FormatError(`the merge record of ${path} is damaged`, { hint: `remove ${file} and merge again` });
  return r as MergeRecord;
}

export async function removeRecord(cwd: string, path: string): Promise<void> {
  try {
    unlinkSync(recordFile(await recordDir(cwd), path));
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
  }
}
