import { UsageError } from '../kernel/errors.js';
import { parseRecipient } from '../crypto/age/index.js';

/** A recipient given on the command line; `what` names it in the error (never echoing it). */
export function recipientArg(value: string, what: string): string {
  try {
    return parseRecipient(value).recipient;
  } catch {
    throw new UsageError(`${what} is not an age X25519 recipient`, {
      hint: 'recipients look like age1… (62 characters); `keyfold keygen` prints one',
    });
  }
}
