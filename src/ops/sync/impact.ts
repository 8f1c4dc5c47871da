/**
 * Which services and targets a merge of changed refs syncs, by the sync engine's own
 * rules — `syncTargets` (each target's environment, services and checked type) and
 * `bundleRefs` (the refs a service imports there) — without decrypting anything: a
 * service is touched when it imports a changed ref in that ref's environment, and a
 * target when one of its services is. For the PR comment (`validate --summary`) and
 * `propose`'s pull request body.
 */
import type { KeyfoldConfig } from '../../config/keyfold-config.js';
import { bundleRefs } from '../../core/service-bundle.js';
import type { ImpactService, ImpactTarget, SyncImpact } from '../../core/sync-impact.js';
import { isKeyfoldError } from '../../kernel/errors.js';
import { syncTargets } from './targets.js';

/**
 * `changed`: the refs a change adds, modifies or deletes; `refs`: every ref that exists
 * (the changed ones are added, so a deleted ref still counts).
 */
export function syncImpact(config: KeyfoldConfig, changed: readonly string[], refs: Iterable<string>): SyncImpact {
  const all = [...new Set([...refs, ...changed])];
  const changedSet = new Set(changed);
  const envs = [...new Set(changed.map((r) => r.split('/')[0]!))].filter((e) => config.environments.includes(e)).sort();
  const services: ImpactService[] = [];
  for (const [name, service] of Object.entries(config.services)) {
    for (const env of envs) {
      const imported = bundleRefs(service, env, all).filter((r) => changedSet.has(r));
      if (imported.length > 0) services.push({ service: name, env, refs: imported, targets: [...(service.targets[env] ?? [])] });
    }
  }
  let resolved;
  try {
    resolved = syncTargets(config);
  } catch (e) {
    if (!isKeyfoldError(e)) throw e;
    return { services, targets: [], problem: e.message };
  }
  const touched = new Set(services.map((s) => `${s.env}\0${s.service}`));
  const targets: ImpactTarget[] = [];
  for (const t of resolved) {
    const behind = t.services.filter((s) => touched.has(`${t.env}\0${s}`));
    if (behind.length > 0) targets.push({ target: t.name, type: t.type.type, env: t.env, services: behind });
  }
  return { services, targets };
}
