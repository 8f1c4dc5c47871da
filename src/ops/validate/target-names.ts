/**
 * `validate`: names a service's targets cannot hold (each target type's `nameProblem`,
 * the check `sync` makes at plan time) — for every environment a service syncs, the
 * names its imported refs give it and its `env:` names.
 */
import type { KeyfoldConfig } from '../../config/keyfold-config.js';
import { importedRefs, type RefNames } from '../../core/service-imports.js';
import { printableName } from '../../kernel/names.js';
import { targetType } from '../../targets/registry.js';

export interface TargetNameProblem {
  path: Array<string | number>;
  message: string;
}

export function targetNameProblems(config: KeyfoldConfig, refs: RefNames): TargetNameProblem[] {
  const out: TargetNameProblem[] = [];
  for (const [service, s] of Object.entries(config.services)) {
    for (const [env, targets] of Object.entries(s.targets)) {
      const names = new Set<string>();
      for (const ref of importedRefs(s.imports, env, refs.keys())) for (const n of refs.get(ref)!.names) names.add(n);
      for (const n of Object.keys(s.env)) names.add(n);
      targets.forEach((target, i) => {
        const raw = Object.hasOwn(config.targets, target) ? config.targets[target] : undefined;
        const type = raw && targetType(raw.type);
        if (!type?.nameProblem) return;
        // An entry its type refuses is reported as such elsewhere; names are judged against a valid one.
        const entry = type.schema.safeParse(raw);
        if (!entry.success) return;
        for (const name of [...names].sort()) {
          const problem = type.nameProblem(name, entry.data);
          if (problem) out.push({ path: ['services', service, 'targets', env, i], message: `service ${service} in ${env}: target ${target} (${type.type}) cannot hold ${printableName(name)}: ${problem}` });
        }
      });
    }
  }
  return out;
}
