/**
 * `policies/rotations.yaml`: what each removed member could ever read, written by
 * `member remove` so that `rotation status` can later tell which values were rotated.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { isSeq, parseDocument } from 'yaml';
import * as z from 'zod/mini';
import '../../config/zod-locale.js';
import { parseYamlConfig } from '../../config/parse-yaml-config.js';
import { writeFileAtomic } from '../../repo/atomic-write.js';
import { readTextFile } from '../../repo/secrets-tree.js';
import type { Workspace } from '../context/workspace.js';

export const ROTATIONS_FILE = 'policies/rotations.yaml';

const RemovalSchema = z.strictObject({
  member: z.string(),
  recipient: z.string(),
  removed: z.string(),
  /** HEAD when the member was removed: later commits are those after it. */
  commit: z.optional(z.string().check(z.regex(/^[0-9a-f]{40}$/))),
  exposed: z.record(z.string(), z.array(z.string())),
});
const RotationsSchema = z.strictObject({ removals: z._default(z.array(RemovalSchema), () => []) });
export type Removal = z.infer<typeof RemovalSchema>;

export function loadRemovals(ws: Workspace): Removal[] {
  const path = join(ws.root, ROTATIONS_FILE);
  if (!existsSync(path)) return [];
  return parseYamlConfig(readTextFile(path, ROTATIONS_FILE), ROTATIONS_FILE, RotationsSchema, 'it is written by `keyfold member remove`').value.removals;
}

/** Append a removal to policies/rotations.yaml (call under the repository lock). */
export function recordRemoval(ws: Workspace, removal: Removal): void {
  const path = join(ws.root, ROTATIONS_FILE);
  const text = existsSync(path)
    ? readTextFile(path, ROTATIONS_FILE)
    : '# Written by `keyfold member remove`: what each removed member could ever read.\n# `keyfold rotation status` reports which of those values have been rotated since.\nremovals: []\n';
  const doc = parseDocument(text);
  const list = doc.get('removals', true);
  if (isSeq(list)) {
    list.flow = false;
    list.add(doc.createNode(removal));
  } else {
    doc.set('removals', doc.createNode([removal]));
  }
  writeFileAtomic(path, doc.toString({ lineWidth: 0 }));
}

