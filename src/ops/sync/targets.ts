/**
 * The sync targets keyfold.yaml declares, each resolved to its environment (the key
 * under which services list it), its services, its type and its checked config.
 */
import type { KeyfoldConfig } from '../../config/keyfold-config.js';
import { ConfigError, UsageError } from '../../kernel/errors.js';
import { TARGET_TYPES, targetType } from '../../targets/registry.js';
import type { TargetType } from '../../targets/target.js';

export interface SyncTarget {
  name: string;
  env: string;
  /** The services that list it for `env`, in keyfold.yaml order. */
  services: string[];
  type: TargetType;
  config: unknown;
}

/** Every target some service syncs to (filtered by environment and name). */
export function syncTargets(config: KeyfoldConfig, filter: { env?: string; targets?: readonly string[] } = {}): SyncTarget[] {
  if (filter.env !== undefined && !config.environments.includes(filter.env)) {
    throw new UsageError(`unknown environment "${filter.env.slice(0, 60)}"`, { hint: `environments in keyfold.yaml: ${config.environments.join(', ')}` });
  }
  for (const t of filter.targets ?? []) {
    if (!Object.hasOwn(config.targets, t)) throw new UsageError(`unknown target "${t.slice(0, 60)}"`, { hint: `targets in keyfold.yaml: ${Object.keys(config.targets).join(', ') || '(none)'}` });
  }
  const byTarget = new Map<string, { env: string; services: string[] }>();
  for (const [service, s] of Object.entries(config.services)) {
    for (const [env, names] of Object.entries(s.targets)) {
      if (!config.environments.includes(env)) throw new ConfigError(`keyfold.yaml: services.${service}.targets: unknown environment ${env}`, { hint: `environments: ${config.environments.join(', ')}` });
      for (const name of names) {
        if (!Object.hasOwn(config.targets, name)) throw new ConfigError(`keyfold.yaml: services.${service}.targets.${env}: unknown target ${name}`, { hint: 'declare it under targets:' });
        const entry = byTarget.get(name) ?? { env, services: [] };
        if (entry.env !== env) {
          throw new ConfigError(`keyfold.yaml: target ${name} is listed for both ${entry.env} and ${env}`, { hint: "a target holds one environment's data; declare one target per environment" });
        }
        if (!entry.services.includes(service)) entry.services.push(service);
        byTarget.set(name, entry);
      }
    }
  }
  const out: SyncTarget[] = [];
  for (const [name, { env, services }] of byTarget) {
    if (filter.env !== undefined && env !== filter.env) continue;
    if (filter.targets && filter.targets.length > 0 && !filter.targets.includes(name)) continue;
    const raw = config.targets[name]!;
    const type = targetType(raw.type);
    if (!type) throw new ConfigError(`keyfold.yaml: targets.${name}: unknown type ${raw.type}`, { hint: `types: ${Object.keys(TARGET_TYPES).join(', ')}` });
    const parsed = type.schema.safeParse(raw);
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      throw new ConfigError(`keyfold.yaml: targets.${name}.${issue.path.join('.') || '(entry)'}: ${issue.message}`, { hint: 'see the target table in the README' });
    }
    out.push({ name, env, services, type, config: parsed.data });
  }
  return out.sort((a, b) => (a.name < b.name ? -1 : 1));
}
