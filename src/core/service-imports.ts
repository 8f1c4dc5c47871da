/**
 * Services (docs/configuration.md): which refs a service imports in an environment, the variable
 * names they give it, and the checks on them — two imported files defining the same
 * name (unless listed under `overrides:`), and `${folder/file.KEY}` references that
 * name a ref the service does not import, or a key that does not exist. Pure.
 */
import type { KeyfoldConfig } from '../config/keyfold-config.js';
import { ENV_NAME_RE, dangerousNameReason, printableName } from '../kernel/names.js';
import { matchesAny } from './policy.js';

/** The variable names a ref provides: leaf keys, nested ones flattened as `A_B`. */
export type RefNames = Map<string, { names: string[]; paths: string[] }>;

export interface ServiceProblem {
  /** Path in keyfold.yaml to point at. */
  path: Array<string | number>;
  rule: 'service-shadowing' | 'service-reference' | 'service-env';
  message: string;
}

const REFERENCE = /\$\{([^}]*)\}/g;

/** The refs of environment `env` a service imports, in import order (first glob first). */
export function importedRefs(imports: readonly string[], env: string, refs: Iterable<string>): string[] {
  const inEnv = [...refs].filter((r) => r.startsWith(env + '/')).sort();
  const out: string[] = [];
  for (const glob of imports) {
    for (const r of inEnv) if (!out.includes(r) && matchesAny([glob], r.slice(env.length + 1))) out.push(r);
  }
  return out;
}

/** The service's own `env:` names: valid variable names, and none that changes how programs start unless listed in `allow_env`. */
function envNameProblems(service: string, s: KeyfoldConfig['services'][string]): ServiceProblem[] {
  const out: ServiceProblem[] = [];
  for (const variable of Object.keys(s.env)) {
    const path = ['services', service, 'env', variable];
    if (!ENV_NAME_RE.test(variable)) {
      out.push({ path, rule: 'service-env', message: `service ${service}: ${printableName(variable)} is not a valid environment variable name` });
      continue;
    }
    const reason = dangerousNameReason(variable);
    if (reason && !s.allow_env.includes(variable)) {
      out.push({ path, rule: 'service-env', message: `service ${service}: refused name ${variable}: ${reason}; list it under allow_env: if the service really needs it` });
    }
  }
  return out;
}

/** Every problem of every service in every environment it is used in. */
export function serviceProblems(config: KeyfoldConfig, refs: RefNames): ServiceProblem[] {
  const problems: ServiceProblem[] = [];
  for (const [service, s] of Object.entries(config.services)) {
    problems.push(...envNameProblems(service, s));
    const envs = Object.keys(s.targets).length > 0 ? Object.keys(s.targets) : config.environments;
    for (const env of envs) {
      const imported = importedRefs(s.imports, env, refs.keys());
      const definedBy = new Map<string, string>();
      for (const ref of imported) {
        for (const name of refs.get(ref)!.names) {
          const first = definedBy.get(name);
          if (first === undefined) definedBy.set(name, ref);
          else if (!s.overrides.includes(name)) {
            problems.push({
              path: ['services', service, 'imports'],
              rule: 'service-shadowing',
              message: `service ${service} in ${env}: ${name} is defined by both ${first} and ${ref}; list it under overrides: if the later import should win, or rename one`,
            });
          }
        }
      }
      for (const [variable, template] of Object.entries(s.env)) {
        for (const m of template.matchAll(REFERENCE)) {
          const target = m[1]!.trim();
          const dot = target.indexOf('.');
          const where = ['services', service, 'env', variable];
          if (dot <= 0 || dot === target.length - 1) {
            problems.push({ path: where, rule: 'service-reference', message: `service ${service}: \${${target}} is not a reference of the form \${folder/file.KEY}` });
            continue;
          }
          const ref = `${env}/${target.slice(0, dot)}`;
          const key = target.slice(dot + 1);
          if (!imported.includes(ref)) {
            problems.push({
              path: where,
              rule: 'service-reference',
              message: `service ${service} in ${env}: \${${target}} names ${ref}, which the service does not import${refs.has(ref) ? '' : ' (and which does not exist)'}`,
            });
          } else if (!refs.get(ref)!.paths.includes(key)) {
            problems.push({ path: where, rule: 'service-reference', message: `service ${service} in ${env}: \${${target}} is dangling: ${ref} has no key ${key}` });
          }
        }
      }
    }
  }
  return problems;
}
