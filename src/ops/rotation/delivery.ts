/**
 * Whether a value has reached every target that uses it: for each target whose services
 * take the key (imported, or referenced from `env:`), the target's sync state holds the
 * keyed fingerprint of the value now in the repository under that variable's name.
 */
import type { BundleSource } from '../../core/service-bundle.js';
import { bundleRefs, resolveBundle, type RefVariable } from '../../core/service-bundle.js';
import type { Secret } from '../../kernel/secret.js';
import type { Workspace } from '../context/workspace.js';
import { workingRevision } from '../sync/desired.js';
import { fingerprint, readSyncState, signerOf, stateSigner } from '../sync/state.js';
import { syncTargets } from '../sync/targets.js';

const uses = (s: BundleSource, ref: string, key: string) =>
  s.from.kind === 'import' ? s.from.ref === ref && s.from.key === key : s.from.refs.some((r) => r.ref === ref && r.key === key);

export interface Delivery {
  /** Targets that carry the key, and whether each shows the current value. */
  targets: Array<{ target: string; delivered: boolean }>;
  /** Every target shows it (true when no target carries the key). */
  everywhere: boolean;
}

export async function deliveryOf(ws: Workspace, ref: string, key: string): Promise<Delivery> {
  const env = ref.split('/')[0]!;
  const config = await ws.config();
  const rev = await workingRevision(ws);
  const identity = await stateSigner(ws, env);
  const out: Delivery['targets'] = [];
  for (const target of syncTargets(config, { env })) {
    const names = new Map<string, Secret<string>>();
    for (const name of target.services) {
      const service = config.services[name]!;
      const refs = bundleRefs(service, env, rev.refs(env));
      if (!refs.includes(ref) && !Object.values(service.env).some((t) => t.includes(`\${${ref.slice(env.length + 1)}.${key}}`))) continue;
      const vars = new Map<string, RefVariable[]>();
      for (const r of refs) vars.set(r, (await rev.vars(r)) ?? []);
      const bundle = resolveBundle(name, service, env, refs, vars);
      for (const s of bundle.sources) if (uses(s, ref, key)) names.set(s.name, bundle.values.get(s.name)!);
    }
    if (names.size === 0) continue;
    const { state } = await readSyncState(ws, target.name);
    const signer = identity && signerOf(identity);
    const delivered = Boolean(state && signer && [...names].every(([n, v]) => state.fingerprints[n] === fingerprint(signer, target.name, n, v)));
    out.push({ target: target.name, delivered });
  }
  return { targets: out, everywhere: out.every((t) => t.delivered) };
}
