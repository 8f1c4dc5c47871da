/** `report --html`: gather the access matrix, timeline and rotations for the HTML page. */
import { basename } from 'node:path';
import { breakglassCovers, memberCan, rolesOf } from '../../core/policy.js';
import { snapshotOf } from '../../core/file-diff.js';
import { renderReport, type ReportData } from '../../formats/html.js';
import { writeFileAtomic } from '../../repo/atomic-write.js';
import type { SkippedFile } from '../../repo/secrets-tree.js';
import { mapParsedRefs } from '../secrets/scan-refs.js';
import { rotationStatus } from './exposure.js';
import { readHistory, type LogFile } from './log.js';
import type { Workspace } from '../context/workspace.js';

/**
 * The report's data. Files under secrets/ it cannot use (symlinks, names that are not
 * refs, damaged files) are left out of the matrix and listed in `skipped`, on the page
 * and in the command's output.
 */
export async function buildReport(ws: Workspace, now = new Date()): Promise<ReportData & { skipped: SkippedFile[] }> {
  const policy = await ws.policy();
  const names = Object.keys(policy.members).sort();
  const scan = mapParsedRefs(ws.root, undefined, (entry) => {
    const snap = snapshotOf(entry.text, entry.display);
    const cells: Record<string, string> = {};
    for (const m of names) {
      const r = memberCan(policy, m, 'read', entry.ref);
      const w = memberCan(policy, m, 'write', entry.ref);
      const bg = policy.breakglass?.custodians.includes(m) && breakglassCovers(policy, entry.ref);
      cells[m] = r && w ? 'rw' : r ? 'r' : w ? 'w' : bg ? 'bg' : '';
    }
    return { ref: entry.ref, keys: snap ? [...snap.keys.keys()] : [], cells };
  });
  const matrix = scan.refs;
  const history = await readHistory(ws).catch(() => ({ entries: [] }));
  return {
    generated: now.toISOString().replace(/\.\d{3}Z$/, 'Z'),
    repo: basename(ws.root),
    members: names.map((n) => ({ name: n, kind: policy.members[n]!.kind, roles: rolesOf(policy, n) })),
    matrix,
    timeline: history.entries.slice(0, 500).map((e) => ({
      sha: e.sha,
      date: e.date,
      author: e.author,
      subject: e.subject,
      ...(e.pr !== undefined ? { pr: e.pr } : {}),
      lines: [...e.files.map(describe), ...(e.policy ? ['access policy changed'] : [])],
    })),
    rotations: await rotationStatus(ws).catch(() => []),
    skipped: scan.skipped,
  };
}

function describe(f: LogFile): string {
  const parts: string[] = [f.status === 'renamed' && f.from ? `renamed from ${f.from}` : f.status];
  if (f.reencrypted) parts.push('re-encrypted');
  if (f.added.length && f.status !== 'deleted') parts.push(`added ${f.added.join(', ')}`);
  if (!f.reencrypted && f.changed.length) parts.push(`changed ${f.changed.join(', ')}`);
  if (f.removed.length) parts.push(`removed ${f.removed.join(', ')}`);
  if (f.readersAdded.length) parts.push(`readers +${f.readersAdded.join(' +')}`);
  if (f.readersRemoved.length) parts.push(`readers -${f.readersRemoved.join(' -')}`);
  return `${f.ref}: ${parts.join('; ')}`;
}

/** Write the report (ciphertext-free: key names only) to `file`. */
export async function writeReport(ws: Workspace, file: string): Promise<{ file: string; refs: number; members: number; pending: number; skipped: SkippedFile[] }> {
  const data = await buildReport(ws);
  writeFileAtomic(file, renderReport(data));
  return { file, refs: data.matrix.length, members: data.members.length, pending: data.rotations.filter((r) => r.status === 'pending').length, skipped: data.skipped };
}
