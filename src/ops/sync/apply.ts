/**
 * `sync` applying a plan: targets run with bounded concurrency; a failing target does
 * not stop the others; a target's state advances only when it fully succeeded (so a
 * rerun converges and repeats nothing done: its plan is computed again from the state).
 */
import { isKeyfoldError } from '../../kernel/errors.js';
import type { Workspace } from '../context/workspace.js';
import type { SyncPlan, TargetPlan } from './plan.js';
import { fingerprint, signerOf, stateSigner, writeSyncState } from './state.js';

export interface TargetOutcome {
  target: string;
  ok: boolean;
  /** Provider write calls. */
  writes: number;
  created: number;
  updated: number;
  deleted: number;
  /** Why it failed (no value, no provider body), and what to do. */
  error?: string;
  hint?: string;
}

export interface SyncOutcome {
  head: string;
  targets: TargetOutcome[];
  /** HTTP requests made, retries included. */
  requests: number;
  failed: number;
}

export type SyncProgress = (event: { target: string; phase: 'start' | 'done' | 'failed'; outcome?: TargetOutcome }) => void;

const CONCURRENCY = 4;

export async function applySync(ws: Workspace, plan: SyncPlan, onProgress?: SyncProgress): Promise<SyncOutcome> {
  const queue = [...plan.targets];
  const outcomes: TargetOutcome[] = [];
  const worker = async () => {
    for (let t = queue.shift(); t; t = queue.shift()) {
      onProgress?.({ target: t.target, phase: 'start' });
      const outcome = await applyTarget(ws, plan.head, t);
      outcomes.push(outcome);
      onProgress?.({ target: t.target, phase: outcome.ok ? 'done' : 'failed', outcome });
    }
  };
  await Promise.all(Array.from({ length: Math.min(CONCURRENCY, queue.length) }, worker));
  outcomes.sort((a, b) => (a.target < b.target ? -1 : 1));
  return { head: plan.head, targets: outcomes, requests: plan.http.requests, failed: outcomes.filter((o) => !o.ok).length };
}

async function applyTarget(ws: Workspace, head: string, t: TargetPlan): Promise<TargetOutcome> {
  const { desired, driver, state, target } = t.work;
  const counts = {
    created: t.upsert.filter((u) => u.action === 'create').length,
    updated: t.upsert.filter((u) => u.action === 'update').length,
    deleted: t.delete.length,
  };
  const identity = await stateSigner(ws, target.env);
  const signer = identity && signerOf(identity);
  const done = new Set<string>();
  try {
    const { writes } = await driver.apply({ desired, upsert: t.upsert.map((u) => u.name), delete: t.delete, done: (names) => names.forEach((n) => done.add(n)) });
    if (signer) {
      const managed = new Set([...(state?.managed ?? []), ...desired.keys()]);
      for (const n of t.delete) managed.delete(n);
      const fingerprints: Record<string, string> = {};
      for (const [name, value] of desired) fingerprints[name] = fingerprint(signer, target.name, name, value);
      await writeSyncState(ws, target.name, signer, { commit: head, managed: [...managed], fingerprints });
    }
    return { target: t.target, ok: true, writes, ...counts };
  } catch (e) {
    if (!isKeyfoldError(e)) throw e;
    if (signer && done.size > 0) {
      // Record what was done; the synced commit stays where it was.
      const managed = new Set(state?.managed ?? []);
      const fingerprints = { ...(state?.fingerprints ?? {}) };
      for (const n of done) {
        const value = desired.get(n);
        if (value) {
          managed.add(n);
          fingerprints[n] = fingerprint(signer, target.name, n, value);
        } else {
          managed.delete(n);
          delete fingerprints[n];
        }
      }
      await writeSyncState(ws, target.name, signer, { ...(state?.commit ? { commit: state.commit } : {}), managed: [...managed], fingerprints });
    }

    return { target: t.target, ok: false, writes: 0, created: 0, updated: 0, deleted: 0, error: e.message, ...(e.hint ? { hint: e.hint } : {}) };
  }
}
