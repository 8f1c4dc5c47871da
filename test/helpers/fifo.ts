/** A named pipe, for tests that check keyfold never blocks on one. */
import { execFileSync } from 'node:child_process';

export function mkfifoSync(path: string): void {
  execFileSync('mkfifo', [path]);
}
