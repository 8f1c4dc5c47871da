/** Reading age identities from a key file or a variable's text (age-keygen format). */
import { parseIdentities, type X25519Identity } from '../../crypto/age/index.js';
import { ConfigError, KeyfoldError, NotFoundError } from '../../kernel/errors.js';
import { readUtf8File } from '../../repo/read-file.js';

/** Identity files are tiny; a bound keeps `/dev/zero` or a log file from being read whole. */
const MAX_IDENTITY_FILE_BYTES = 1024 * 1024;

/** The identities in a key file; a missing optional file yields none. Regular files only, size-bounded (S10). */
export function readIdentityFile(path: string, label: string, required: boolean): X25519Identity[] {
  let text: string;
  try {
    text = readUtf8File(path, label, { maxBytes: MAX_IDENTITY_FILE_BYTES, sizeHint: 'identity files hold a few AGE-SECRET-KEY-1… lines' });
  } catch (e) {
    if (e instanceof NotFoundError) {
      if (!required) return [];
      throw new NotFoundError(`identity file not found: ${label}`, { hint: 'create one with `keyfold keygen -o FILE`' });
    }
    if (e instanceof KeyfoldError) throw new ConfigError(`cannot read identity file: ${e.message}`, { hint: e.hint });
    throw e;
  }
  return parseIdentityText(text, label);
}

export function parseIdentityText(text: string, label: string): X25519Identity[] {
  try {
    return parseIdentities(text);
  } catch (e) {
    if (e instanceof KeyfoldError) {
      throw new ConfigError(`${label}: ${e.message}`, { hint: 'identity files hold AGE-SECRET-KEY-1… lines, as written by age-keygen or `keyfold keygen`' });
    }
    throw e;
  }
}
