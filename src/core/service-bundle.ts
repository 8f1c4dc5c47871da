/**
 * What a service gets in an environment: its imports in order (a later import wins
 * only for names listed under `overrides:`; validation forbids any other clash), then
 * its `env:` block with `${folder/file.KEY}` references resolved — to refs the service
 * imports in the same environment only. A dangling reference is an error naming it,
 * never left as literal text; `${` inside a secret value is plain text. Pure: the
 * caller supplies the decrypted variables of the imported refs.
 */
import type { KeyfoldConfig } from '../config/keyfold-config.js';
import { ViolationsError } from '../kernel/errors.js';
import { ENV_NAME_RE, dangerousNameReason, printableName } from '../kernel/names.js';
import { Secret } from '../kernel/secret.js';
import { importedRefs } from './service-imports.js';

/** One variable of a ref: its name, key path (dotted) and value. */
export interface RefVariable {
  name: string;
  key: string;
  value: Secret<string>;
}

/** Where a bundle's variable came from (no value). */
export interface BundleSource {
  name: string;
  /** `ref` and `key` for imported values; `env` for the service's env: block (with the refs it references). */
  from: { kind: 'import'; ref: string; key: string } | { kind: 'env'; refs: Array<{ ref: string; key: string }> };
}

export interface Bundle {
  env: string;
  service: string;
  /** Name → value, in the order programs should see them. */
  values: Map<string, Secret<string>>;
  sources: BundleSource[];
  /** The refs read, in import order. */
  refs: string[];
}

type Service = KeyfoldConfig['services'][string];

const REFERENCE = /\$\{([^}]*)\}/g;

/** The refs a service imports in `env` (what the caller must decrypt), in import order. */
export function bundleRefs(service: Service, env: string, allRefs: Iterable<string>): string[] {
  return importedRefs(service.imports, env, allRefs);
}

/**
 * Resolve a service's bundle. `vars` holds the variables of every ref in `bundleRefs`.
 * Throws ViolationsError (exit 3) for clashes, dangling references and refused names.
 */
export function resolveBundle(
  name: string,
  service: Service,
  env: string,
  refs: readonly string[],
  vars: ReadonlyMap<string, readonly RefVariable[]>,
  options: { laterWins?: boolean } = {},
): Bundle {
  const values = new Map<string, Secret<string>>();
  const origin = new Map<string, BundleSource>();
  const fail = (message: string, hint?: string) => new ViolationsError(`service ${name} in ${env}: ${message}`, { hint: hint ?? 'run `keyfold validate` for every problem' });
  const checkName = (variable: string) => {
    if (!ENV_NAME_RE.test(variable)) throw fail(`${printableName(variable)} is not a valid environment variable name`);
    const reason = dangerousNameReason(variable);
    if (reason && !service.allow_env.includes(variable)) throw fail(`refused name ${variable}: ${reason}`, 'list it under allow_env: in keyfold.yaml if the service really needs it');
  };
  for (const ref of refs) {
    const seen = new Map<string, string>();
    for (const v of vars.get(ref) ?? []) {
      const clash = seen.get(v.name);
      if (clash !== undefined) throw fail(`${ref}: keys ${clash} and ${v.key} both become ${v.name}`, 'rename one of the keys');
      seen.set(v.name, v.key);
      checkName(v.name);
      const earlier = origin.get(v.name);
      if (earlier?.from.kind === 'import' && !options.laterWins && !service.overrides.includes(v.name)) {
        throw fail(`${v.name} is defined by both ${earlier.from.ref} and ${ref}`, 'list it under overrides: if the later import should win, or rename one');
      }
      values.delete(v.name); // a later import moves to its own position
      values.set(v.name, v.value);
      origin.set(v.name, { name: v.name, from: { kind: 'import', ref, key: v.key } });
    }
  }
  for (const [variable, template] of Object.entries(service.env)) {
    checkName(variable);
    const used: Array<{ ref: string; key: string }> = [];
    let dangling: string | undefined;
    const text = template.replace(REFERENCE, (_m, inner: string) => {
      const target = inner.trim();
      const dot = target.indexOf('.');
      const ref = dot > 0 ? `${env}/${target.slice(0, dot)}` : undefined;
      const key = dot > 0 ? target.slice(dot + 1) : '';
      const found = ref !== undefined && refs.includes(ref) ? vars.get(ref)?.find((v) => v.key === key) : undefined;
      if (!found) {
        dangling ??= target;
        return '';
      }
      used.push({ ref: ref!, key });
      return found.value.reveal();
    });
    if (dangling !== undefined) {
      throw fail(`\${${printableName(dangling)}} in env.${variable} is dangling: it must name a key of a ref the service imports (\${folder/file.KEY})`);
    }
    const value = new Secret(text);
    values.delete(variable);
    values.set(variable, value);
    origin.set(variable, { name: variable, from: { kind: 'env', refs: used } });
  }
  return { env, service: name, values, sources: [...values.keys()].map((n) => origin.get(n)!), refs: [...refs] };
}
