/**
 * `resolve(env, service)`: the variables a service (or a list of refs) gets in an
 * environment, decrypted once per file with the lean reader. Used by `run`, `export`
 * and sync. Values stay wrapped in Secret.
 */
import type { Document } from 'yaml';
import { bundleRefs, resolveBundle, type Bundle, type RefVariable } from '../../core/service-bundle.js';
import { flattenVariables } from '../../formats/env-vars.js';
import { NotFoundError, UsageError } from '../../kernel/errors.js';
import { parseRef, refEnv } from '../../kernel/ref.js';
import { Secret } from '../../kernel/secret.js';
import { listRefFiles, readRefFiles, type RefText } from '../../repo/secrets-tree.js';
import { openSopsFile, parseSopsFile } from '../../sops/file.js';
import type { Workspace } from '../context/workspace.js';
import { locateRef, openRef } from '../secrets/store.js';

export interface BundleRequest {
  env: string;
  /** A service of keyfold.yaml… */
  service?: string;
  /** …or explicit refs (in the environment), imported in this order. */
  refs?: readonly string[];
  /** The command, for an agent session's log. */
  command?: string;
}

/** The variables of a decrypted document, in document order. */
export function variablesOf(plain: Document): RefVariable[] {
  return flattenVariables(plain.toJS({ mapAsMap: true })).map((v) => ({ name: v.name, key: v.path.join('.'), value: new Secret(v.text) }));
}

/** The variables of one decrypted ref. */
export async function refVariables(ws: Workspace, ref: string): Promise<RefVariable[]> {
  return variablesOf((await openRef(ws, locateRef(ws, ref), { readOnly: true })).plain);
}

export async function resolveRequest(ws: Workspace, request: BundleRequest): Promise<Bundle> {
  const config = await ws.config();
  if (!config.environments.includes(request.env)) {
    throw new UsageError(`unknown environment "${request.env.slice(0, 60)}"`, { hint: `environments in keyfold.yaml: ${config.environments.join(', ')}` });
  }
  if ((request.service === undefined) === (request.refs === undefined || request.refs.length === 0)) {
    throw new UsageError('give either --service NAME or --ref REF (repeatable)', { hint: 'services are declared in keyfold.yaml' });
  }
  let name: string;
  let service;
  let refs: string[];
  let texts: Map<string, RefText> | undefined;
  if (request.service !== undefined) {
    name = request.service;
    service = config.services[name];
    if (!service || !Object.hasOwn(config.services, name)) {
      throw new NotFoundError(`service ${name.slice(0, 60)} not found in keyfold.yaml`, { hint: `services: ${Object.keys(config.services).join(', ') || '(none)'}` });
    }
    // One walk of the environment's files (no symlink re-checks per file), decrypted from
    // the texts read — or, under an agent session, the refs it names read from its bundle.
    if (ws.session) refs = bundleRefs(service, request.env, listRefFiles(ws.root, request.env).map((e) => e.ref));
    else {
      texts = new Map(readRefFiles(ws.root, request.env).map((e) => [e.ref, e]));
      refs = bundleRefs(service, request.env, texts.keys());
    }
  } else {
    // A ref names its environment (`dev/api/db`) or is relative to --env (`api/db`).
    refs = request.refs!.map((r) => {
      const first = refEnv(r.replace(/^secrets\//, ''));
      if (config.environments.includes(first) && first !== request.env) {
        throw new UsageError(`ref ${r.slice(0, 120)} is in environment ${first}, not ${request.env}`, { hint: 'a bundle holds one environment' });
      }
      return parseRef(first === request.env ? r : `${request.env}/${r}`).join('/');
    });
    name = '(refs)';
    service = { imports: [], env: {}, targets: {}, overrides: [], allow_env: [] };
  }
  const vars = new Map<string, RefVariable[]>();
  for (const ref of refs) {
    const entry = texts?.get(ref);
    vars.set(ref, entry ? variablesOf(openSopsFile(parseSopsFile(entry.text, entry.display, { strict: true, readOnly: true }), ws.identities, entry.display).plain) : await refVariables(ws, ref));
  }
  // Explicit refs are in the order the user chose: a later one overrides an earlier one's names.
  const bundle = resolveBundle(name, service, request.env, refs, vars, { laterWins: request.service === undefined });
  ws.recordUse(request.command ?? 'resolve', bundle.refs, [...bundle.values.keys()]);
  return bundle;
}
