/**
 * `sync` planning: per target, which names to create, update and delete — by name,
 * never values. Incremental from the target's verified state: only names whose value
 * (plaintext) changed since the synced commit, followed through imports, overrides and
 * references (a data-key rotation changes no value, so it plans nothing). Without
 * verified state, with `--full`, when the synced commit is not an ancestor of HEAD, or
 * when the target's own configuration changed, the target's contents are compared
 * with everything (values read back where the provider allows; else the state's keyed
 * fingerprints; else rewritten).
 */
import { ConfigError, KeyfoldError } from '../../kernel/errors.js';
import type { Secret } from '../../kernel/secret.js';
import { defaultBranch, isAncestor, resolveCommit } from '../../repo/git/refs.js';
import { changesSince } from '../../repo/git/tree.js';
import { createHttp, httpOptionsFromEnv, type HttpClient } from '../../net/http.js';
import type { TargetDriver } from '../../targets/target.js';
import type { Workspace } from '../context/workspace.js';
import { commitRevision, desiredState, workingRevision, type Revision } from './desired.js';
import { fingerprint, readSyncState, signerOf, stateSigner, type SyncState } from './state.js';
import { syncTargets, type SyncTarget } from './targets.js';

export interface SyncOptions {
  env?: string;
  targets?: readonly string[];
  full?: boolean;
  prune?: boolean;
  /** Run on a commit that is not the default branch's tip (local testing). */
  allowBranch?: boolean;
}

export interface PlannedName {
  name: string;
  action: 'create' | 'update';
}

/** One target's plan: names only (what `sync --plan` prints). */
export interface TargetPlanView {
  target: string;
  type: string;
  env: string;
  services: string[];
  description: string;
  mode: 'incremental' | 'full';
  /** Why this mode (`since 1a2b3c4d5e6f`, `no sync state yet`, `--full`, …). */
  reason: string;
  upsert: PlannedName[];
  delete: string[];
  unchanged: number;
  /** Pruning was asked for but the state did not verify. */
  pruneDisabled?: boolean;
}

export interface TargetPlan extends TargetPlanView {
  /** Not printed: the desired values, the driver, the verified state. */
  readonly work: { desired: Map<string, Secret<string>>; driver: TargetDriver; state?: SyncState; target: SyncTarget };
}

export interface SyncPlan {
  head: string;
  targets: TargetPlan[];
  http: HttpClient;
}

/**
 * Refuse to sync anything but the default branch's tip with a clean tree (unless
 * --allow-branch): the repository's state, not the command line, is wrong (exit 1).
 */
async function checkHead(ws: Workspace, allowBranch: boolean): Promise<string> {
  const head = await resolveCommit(ws.root, 'HEAD');
  if (!head) throw new KeyfoldError('sync needs a commit to record: this repository has none yet', { hint: 'commit first' });
  if (allowBranch) return head;
  const branch = await defaultBranch(ws.root);
  const tip = branch && (await resolveCommit(ws.root, branch.ref));
  if (tip !== head) {
    throw new KeyfoldError(`sync runs on the default branch's tip: HEAD is ${head.slice(0, 12)}, ${branch ? `${branch.name} is ${tip?.slice(0, 12)}` : 'and no default branch was found'}`, {
      hint: 'check out the default branch and pull (CI: the pushed commit of main); --allow-branch for local testing',
    });
  }
  const dirty = (await changesSince(ws.root, head)).filter((c) => c.path.startsWith('secrets/') || c.path === 'keyfold.yaml' || c.path.startsWith('policies/'));
  if (dirty.length > 0) throw new KeyfoldError(`sync needs a clean tree: ${dirty[0]!.path} has uncommitted changes`, { hint: 'commit or stash them; sync records the commit it synced' });
  return head;
}

export async function planSync(ws: Workspace, options: SyncOptions = {}): Promise<SyncPlan> {
  const head = await checkHead(ws, options.allowBranch === true);
  const config = await ws.config();
  const targets = syncTargets(config, { env: options.env, targets: options.targets });
  const http = createHttp(httpOptionsFromEnv(ws.options.env));
  const current = await workingRevision(ws);
  const revisions = new Map<string, Promise<Revision>>();
  const at = (commit: string) => {
    let r = revisions.get(commit);
    if (!r) revisions.set(commit, (r = commitRevision(ws, commit, current)));
    return r;
  };
  const plans: TargetPlan[] = [];
  for (const target of targets) plans.push(await planTarget(ws, target, { head, current, at, http, options, configText: JSON.stringify(config.targets[target.name]) }));
  return { head, targets: plans, http };
}

interface PlanContext {
  head: string;
  current: Revision;
  at: (commit: string) => Promise<Revision>;
  http: HttpClient;
  options: SyncOptions;
  configText: string;
}

async function planTarget(ws: Workspace, target: SyncTarget, c: PlanContext): Promise<TargetPlan> {
  const desired = (await desiredState(target, c.current, true))!;
  for (const name of desired.keys()) {
    const problem = target.type.nameProblem?.(name, target.config);
    if (problem) throw new ConfigError(`target ${target.name} (${target.type.type}) cannot hold ${name}: ${problem}`, { hint: 'rename the key, or sync it to another target' });
  }
  const driver = target.type.create(target.name, target.config, { root: ws.root, env: ws.options.env, http: c.http });
  const loaded = await readSyncState(ws, target.name);
  const state = loaded.state;
  const base = { target: target.name, type: target.type.type, env: target.env, services: target.services, description: driver.description };
  const pruneDisabled = c.options.prune === true && state === undefined && loaded.untrusted ? true : undefined;
  const managed = new Set(state?.managed ?? []);
  const deletes = (present: (n: string) => boolean) => (c.options.prune && state ? [...managed].filter((n) => !desired.has(n) && present(n)).sort() : []);

  const signer = await stateSigner(ws, target.env);
  // A value the state's keyed fingerprint shows at the target already (written by a run that then failed).
  const written = (name: string, value: Secret<string>) => Boolean(state && signer && state.fingerprints[name] === fingerprint(signerOf(signer), target.name, name, value));
  let reason = c.options.full
    ? '--full'
    : !state
      ? loaded.untrusted
        ? 'sync state does not verify'
        : 'no sync state yet'
      : !state.commit
        ? 'the last sync did not finish'
        : undefined;
  let old: Map<string, Secret<string>> | undefined;
  if (!reason && state?.commit) {
    if (!(await isAncestor(ws.root, state.commit, c.head))) reason = `synced commit ${state.commit.slice(0, 12)} is not an ancestor of HEAD`;
    else if (state.commit !== c.head) {
      const rev = await c.at(state.commit);
      if (JSON.stringify(rev.config.targets[target.name]) !== c.configText) reason = "the target's configuration changed";
      else {
        old = await desiredState(target, rev, false);
        if (!old) reason = `values at ${state.commit.slice(0, 12)} cannot be opened`;
      }
    }
  }
  if (!reason) {
    // Incremental: values changed since the synced commit (none when it is HEAD).
    const upsert: PlannedName[] = [];
    let unchanged = 0;
    for (const [name, value] of desired) {
      const changed = old ? old.get(name)?.reveal() !== value.reveal() : !managed.has(name);
      if (changed && !written(name, value)) upsert.push({ name, action: managed.has(name) ? 'update' : 'create' });
      else unchanged++;
    }
    return { ...base, mode: 'incremental', reason: `since ${state!.commit!.slice(0, 12)}`, upsert, delete: deletes(() => true), unchanged, pruneDisabled, work: { desired, driver, state, target } };
  }
  // Full compare against what the target holds.
  const contents = await driver.read();
  const upsert: PlannedName[] = [];
  let unchanged = 0;
  for (const [name, value] of desired) {
    if (!contents.has(name)) upsert.push({ name, action: 'create' });
    else {
      const there = contents.get(name);
      const same = there !== undefined ? there.reveal() === value.reveal() : written(name, value);
      if (same) unchanged++;
      else upsert.push({ name, action: 'update' });
    }
  }
  return { ...base, mode: 'full', reason: reason!, upsert, delete: deletes((n) => contents.has(n)), unchanged, pruneDisabled, work: { desired, driver, state, target } };
}

/** The plan without its secrets, as `sync --plan` prints it. */
export function planView(plan: SyncPlan): { head: string; targets: TargetPlanView[] } {
  return { head: plan.head, targets: plan.targets.map(({ work: _work, ...view }) => view) };
}
