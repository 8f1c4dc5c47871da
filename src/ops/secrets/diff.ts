/**
 * `diff A B`: two environments (each ref under `--path` paired by its path below the
 * environment) or two refs, compared by key name and — decrypting both sides — by
 * value equality. Values are never returned. A side we cannot read is compared by key
 * names only; its shared keys are listed as `unknown`.
 */
import { NotFoundError, UsageError } from '../../kernel/errors.js';
import { normalizeRefPrefix, parseRef } from '../../kernel/ref.js';
import { listRefFiles } from '../../repo/secrets-tree.js';
import type { Workspace } from '../context/workspace.js';
import { readRefState, type RefState } from './ref-values.js';

export interface RefDiff {
  /** The path below the environments, or the two refs compared. */
  name: string;
  a?: string;
  b?: string;
  onlyInA: string[];
  onlyInB: string[];
  equal: string[];
  different: string[];
  /** Keys in both whose values could not be compared (a side we cannot read). */
  unknown: string[];
}

export interface DiffResult {
  a: string;
  b: string;
  refs: RefDiff[];
  /** True when every ref and key is on both sides with equal values. */
  same: boolean;
}

function compare(name: string, a: RefState | undefined, b: RefState | undefined): RefDiff {
  const ka = a?.values ? [...a.values.keys()] : (a?.keys ?? []);
  const kb = b?.values ? [...b.values.keys()] : (b?.keys ?? []);
  const d: RefDiff = { name, ...(a?.exists ? { a: a.loc.ref } : {}), ...(b?.exists ? { b: b.loc.ref } : {}), onlyInA: [], onlyInB: [], equal: [], different: [], unknown: [] };
  for (const k of ka) {
    if (!kb.includes(k)) d.onlyInA.push(k);
    else if (!a?.values || !b?.values) d.unknown.push(k);
    else if (a.values.get(k) === b.values.get(k)) d.equal.push(k);
    else d.different.push(k);
  }
  d.onlyInB = kb.filter((k) => !ka.includes(k));
  return d;
}

export async function diffRefs(ws: Workspace, a: string, b: string, options: { path?: string } = {}): Promise<DiffResult> {
  const envs = (await ws.config()).environments;
  let refs: RefDiff[];
  if (envs.includes(a) && envs.includes(b)) {
    const below = options.path ? normalizeRefPrefix(options.path) : '';
    const rel = (env: string) => new Map(listRefFiles(ws.root, below ? `${env}/${below}` : env).map((e) => [e.ref.slice(env.length + 1), e.ref]));
    const ra = rel(a);
    const rb = rel(b);
    const names = [...new Set([...ra.keys(), ...rb.keys()])].sort();
    refs = names.map((n) => compare(n, ra.has(n) ? readRefState(ws, ra.get(n)!) : undefined, rb.has(n) ? readRefState(ws, rb.get(n)!) : undefined));
  } else {
    if (options.path) throw new UsageError('--path applies when comparing two environments', { hint: 'to compare two refs, name them: keyfold diff dev/api/db prod/api/db' });
    const [sa, sb] = [a, b].map((r) => {
      parseRef(r);
      const state = readRefState(ws, r);
      if (!state.exists) throw new NotFoundError(`ref ${state.loc.ref} not found`, { hint: 'diff takes two environments, or two refs (list them with `keyfold ls`)' });
      return state;
    });
    refs = [compare(`${a} ↔ ${b}`, sa, sb)];
  }
  const same = refs.every((r) => r.a && r.b && r.onlyInA.length + r.onlyInB.length + r.different.length + r.unknown.length === 0);
  return { a, b, refs, same };
}
