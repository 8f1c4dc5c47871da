/**
 * `policies/rotations.yaml`: what each removed member could ever read, written by
 * `member remove` so that `rotation status` can later tell which values were rotated.
 */
import * as z from 'zod/mini';
import '../kernel/zod-locale.js';
import { COMMIT_RE } from '../kernel/names.js';
import { parseYamlConfig } from './parse-yaml-config.js';

export const ROTATIONS_FILE = 'policies/rotations.yaml';
export const ROTATIONS_HINT = 'it is written by `keyfold member remove`';

const RemovalSchema = z.strictObject({
  member: z.string(),
  recipient: z.string(),
  removed: z.string(),
  /** HEAD when the member was removed: later commits are those after it. */
  commit: z.optional(z.string().check(z.regex(COMMIT_RE))),
  exposed: z.record(z.string(), z.array(z.string())),
});
const RotationsSchema = z.strictObject({ removals: z._default(z.array(RemovalSchema), () => []) });
export type Removal = z.infer<typeof RemovalSchema>;

export function parseRemovals(text: string): Removal[] {
  return parseYamlConfig(text, ROTATIONS_FILE, RotationsSchema, ROTATIONS_HINT).value.removals;
}
