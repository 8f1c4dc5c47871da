/** Naming `age1…` recipients in output: current members, then removed ones (rotations.yaml). */
import type { Workspace } from '../context/workspace.js';
import { loadRemovals } from '../../repo/control-files.js';

export async function recipientNamer(ws: Workspace): Promise<(recipient: string) => string> {
  const names = new Map<string, string>();
  try {
    for (const r of loadRemovals(ws.root)) names.set(r.recipient, `${r.member} (removed)`);
    for (const [name, m] of Object.entries((await ws.policy()).members)) names.set(m.recipient, name);
  } catch {
    /* a broken policy still lets history print bare recipients */
  }
  return (r) => names.get(r) ?? r;
}
