/** `keygen`: a new age identity in age-keygen format. */
import { mkdirSync } from 'node:fs';
import { basename, dirname, resolve } from 'node:path';
import { ConflictError, UsageError, fromSystemError } from '../../kernel/errors.js';
import { generateIdentity, identityToRecipient } from '../../crypto/age/index.js';
import { writeFileAtomic } from '../../repo/atomic-write.js';
import { Secret } from '../../kernel/secret.js';
import { ignoredPaths, isWorkTree } from '../../repo/git/tree.js';

export interface KeygenResult {
  recipient: string;
  /** The identity file text (only when not written to a file). */
  identityFile?: Secret<string>;
  file?: string;
}

export function keygen(outFile: string | undefined, now = new Date()): KeygenResult {
  const identity = generateIdentity();
  const recipient = identityToRecipient(identity);
  const text = `# created: ${now.toISOString().replace(/\.\d{3}Z$/, 'Z')}\n# public key: ${recipient}\n${identity}\n`;
  // `-o "$UNSET"` must never fall back to printing the key.
  if (outFile === '') throw new UsageError('keygen -o needs a file name', { hint: 'an empty -o is usually an unset variable; the identity was not printed' });
  if (outFile === undefined) return { recipient, identityFile: new Secret(text) };
  // The default location (~/.config/sops/age/) often does not exist yet: create it private.
  try {
    mkdirSync(dirname(outFile), { recursive: true, mode: 0o700 });
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'EEXIST' || code === 'ENOTDIR') throw new UsageError(`cannot create ${outFile}: a part of ${dirname(outFile)} is a file, not a folder`, { hint: 'choose another path' });
    throw fromSystemError(e) ?? e;
  }
  try {
    writeFileAtomic(outFile, text, { mode: 0o600, exclusive: true });
  } catch (e) {
    if (e instanceof ConflictError) {
      throw new ConflictError(`${outFile} already exists; keygen never overwrites a key file`, { hint: 'choose another path or remove the old file first' });
    }
    throw e;
  }
  return { recipient, file: outFile };
}

/**
 * Whether a key file landed where `git add -A` would take it: inside a git work tree and
 * not ignored. False when git is not there to ask.
 */
export async function keyFileCommittable(file: string): Promise<boolean> {
  const dir = dirname(resolve(file));
  try {
    return (await isWorkTree(dir)) && !(await ignoredPaths(dir, [basename(file)])).has(basename(file));
  } catch {
    return false;
  }
}
