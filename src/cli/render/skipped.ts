/** Files a listing went past: one warning line each on stderr (also with --json, whose data lists them too). */
import { printableName } from '../../kernel/names.js';
import type { SkippedFile } from '../../repo/secrets-tree.js';
import type { Output } from './output.js';

export function warnSkipped(out: Output, skipped: readonly SkippedFile[], what = 'skipped'): void {
  for (const s of skipped) out.warn(`${what} ${printableName(s.file)}: ${printableName(s.message)}`);
}
