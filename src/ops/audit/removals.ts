/** Recording a removal in `policies/rotations.yaml` (read back by repo/control-files). */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { isSeq } from 'yaml';
import { editYamlText } from '../../formats/yaml-edit.js';
import { ROTATIONS_FILE, type Removal } from '../../config/rotations.js';
import { writeFileAtomic } from '../../repo/atomic-write.js';
import { readTextFile } from '../../repo/secrets-tree.js';
import type { Workspace } from '../context/workspace.js';

/** Append a removal to policies/rotations.yaml (call under the repository lock). */
export function recordRemoval(ws: Workspace, removal: Removal): void {
  const path = join(ws.root, ROTATIONS_FILE);
  const text = existsSync(path)
    ? readTextFile(path, ROTATIONS_FILE)
    : '# Written by `keyfold member remove`: what each removed member could ever read.\n# `keyfold rotation status` reports which of those values have been rotated since.\nremovals: []\n';
  const out = editYamlText(text, (doc) => {
    const list = doc.get('removals', true);
    if (isSeq(list)) {
      list.flow = false;
      list.add(doc.createNode(removal));
    } else {
      doc.set('removals', doc.createNode([removal]));
    }
  });
  writeFileAtomic(path, out);
}

