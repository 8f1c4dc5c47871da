/**
 * `promote FROM TO`: copy values from one environment into another, encrypted for the
 * destination's readers by policy; unchanged values keep their ciphertext. Plan first
 * (added / changed / unchanged key names, never values), then apply. A destination we
 * cannot read may only be replaced whole (write-only rules): every key it holds must be
 * among those promoted.
 */
import { AccessError, NotFoundError, UsageError } from '../../kernel/errors.js';
import { normalizeRefPrefix } from '../../kernel/ref.js';
import { withRepoLock } from '../../repo/lock.js';
import { listRefFiles } from '../../repo/secrets-tree.js';
import type { Workspace } from '../context/workspace.js';
import { readRefState } from './ref-values.js';
import { emptyDocument, saveRef } from './store.js';

export interface PromoteOptions {
  /** A folder or ref below the environment (`providers`, `api/db`). */
  path?: string;
  /** Only these keys (dotted for nested ones). */
  keys?: readonly string[];
}

export interface PromoteEntry {
  from: string;
  to: string;
  action: 'create' | 'update' | 'replace' | 'unchanged';
  added: string[];
  changed: string[];
  unchanged: string[];
  /** Keys the destination holds that are not promoted (kept as they are). */
  kept: string[];
}

export interface PromotePlan {
  from: string;
  to: string;
  entries: PromoteEntry[];
}

export async function planPromote(ws: Workspace, from: string, to: string, options: PromoteOptions = {}): Promise<PromotePlan> {
  const envs = (await ws.config()).environments;
  for (const e of [from, to]) {
    if (!envs.includes(e)) throw new UsageError(`unknown environment "${e.slice(0, 60)}"`, { hint: `environments in keyfold.yaml: ${envs.join(', ')}` });
  }
  if (from === to) throw new UsageError('promote needs two different environments');
  const below = options.path ? normalizeRefPrefix(options.path) : '';
  const prefix = below ? `${from}/${below}` : from;
  const refs = listRefFiles(ws.root, prefix).map((e) => e.ref);
  if (refs.length === 0) throw new NotFoundError(`no refs under ${prefix}`, { hint: 'list them with `keyfold ls`' });
  const entries: PromoteEntry[] = [];
  for (const ref of refs) {
    const source = readRefState(ws, ref);
    if (!source.values) throw new AccessError(`you cannot read ${ref}, so it cannot be promoted`, { hint: 'promote needs a reader of the source' });
    const wanted = [...source.values.keys()].filter((k) => !options.keys || options.keys.includes(k) || options.keys.some((p) => k.startsWith(p + '.')));
    if (wanted.length === 0) continue;
    const dest = readRefState(ws, `${to}/${ref.slice(from.length + 1)}`);
    const entry: PromoteEntry = { from: ref, to: dest.loc.ref, action: 'create', added: [], changed: [], unchanged: [], kept: [] };
    if (dest.exists && !dest.values) {
      const others = dest.keys.filter((k) => !wanted.includes(k));
      if (others.length > 0) {
        throw new AccessError(`${dest.loc.ref} holds keys you cannot read (${others.join(', ')}), so it cannot be rewritten without them`, {
          hint: 'promote only whole files you cannot read (--keys), or ask a reader of the destination',
        });
      }
      entry.action = 'replace';
      entry.changed = wanted;
    } else {
      for (const k of wanted) {
        const before = dest.values?.get(k);
        if (before === undefined) entry.added.push(k);
        else if (before === source.values.get(k)) entry.unchanged.push(k);
        else entry.changed.push(k);
      }
      entry.kept = [...(dest.values?.keys() ?? [])].filter((k) => !wanted.includes(k));
      entry.action = !dest.exists ? 'create' : entry.added.length + entry.changed.length > 0 ? 'update' : 'unchanged';
    }
    entries.push(entry);
  }
  return { from, to, entries };
}

/** Apply a plan under the repository lock; returns the entries written. */
export async function applyPromote(ws: Workspace, plan: PromotePlan): Promise<PromoteEntry[]> {
  return withRepoLock(ws.root, async () => {
    const written: PromoteEntry[] = [];
    for (const entry of plan.entries) {
      if (entry.action === 'unchanged') continue;
      const source = readRefState(ws, entry.from);
      const dest = readRefState(ws, entry.to);
      const plain = entry.action === 'replace' || !dest.opened ? emptyDocument() : dest.opened.plain;
      for (const key of [...entry.added, ...entry.changed]) {
        const path = key.split('.');
        plain.setIn(path, source.opened!.plain.getIn(path));
      }
      await saveRef(ws, dest.loc, plain, entry.action === 'replace' ? undefined : dest.opened);
      written.push(entry);
    }
    return written;
  });
}
