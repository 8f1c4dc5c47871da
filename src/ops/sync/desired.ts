/**
 * What a target should hold: the union of the bundles of the services that sync to it,
 * at a revision — the working tree (HEAD in CI), or an earlier commit (the last synced
 * one, to tell which values changed since). Each file is decrypted at most once per
 * revision; an earlier version that is byte-identical to the current one is not
 * decrypted again.
 */
import type { KeyfoldConfig } from '../../config/keyfold-config.js';
import { parseKeyfoldConfig, CONFIG_FILE } from '../../config/keyfold-config.js';
import { bundleRefs, resolveBundle, type RefVariable } from '../../core/service-bundle.js';
import { ConfigError } from '../../kernel/errors.js';
import { refToRepoPath, repoPathToRef, SECRETS_DIR } from '../../kernel/ref.js';
import type { Secret } from '../../kernel/secret.js';
import { BlobReader } from '../../repo/git/blobs.js';
import { treeBlobs } from '../../repo/git/tree.js';
import { readRefFiles } from '../../repo/secrets-tree.js';
import { showFile } from '../../repo/git/blobs.js';
import { openSopsFile, parseSopsFile } from '../../sops/file.js';
import type { Workspace } from '../context/workspace.js';
import { refVariables, variablesOf } from '../run/resolve.js';
import type { SyncTarget } from './targets.js';

/** The secrets tree and configuration at one revision, decrypting lazily. */
export interface Revision {
  config: KeyfoldConfig;
  refs(env: string): string[];
  vars(ref: string): Promise<RefVariable[] | undefined>;
  /** A ref's file text (to tell unchanged files without decrypting). */
  text(ref: string): string | undefined;
}

/** The working tree. */
export async function workingRevision(ws: Workspace): Promise<Revision> {
  const config = await ws.config();
  const texts = new Map(readRefFiles(ws.root).map((e) => [e.ref, e.text]));
  const cache = new Map<string, Promise<RefVariable[]>>();
  return {
    config,
    refs: (env) => [...texts.keys()].filter((r) => r.startsWith(env + '/')),
    text: (ref) => texts.get(ref),
    vars: (ref) => {
      if (!texts.has(ref)) return Promise.resolve(undefined);
      let p = cache.get(ref);
      if (!p) cache.set(ref, (p = refVariables(ws, ref)));
      return p;
    },
  };
}

/**
 * A commit. Files identical to the working tree's reuse its decryption; others are
 * decrypted from git (undefined when our identities cannot open that version).
 */
export async function commitRevision(ws: Workspace, commit: string, current: Revision): Promise<Revision> {
  const blobs = new BlobReader(ws.root);
  const [configText, files] = await Promise.all([showFile(ws.root, commit, CONFIG_FILE), treeBlobs(ws.root, commit, SECRETS_DIR)]);
  let config: KeyfoldConfig;
  try {
    config = parseKeyfoldConfig(configText ?? '');
  } catch {
    config = current.config; // an unreadable earlier config: compare with today's services
  }
  const texts = new Map<string, string>();
  await Promise.all(
    files.map(async (f) => {
      const ref = repoPathToRef(f.path);
      if (ref) texts.set(ref, await blobs.read(f.blob));
    }),
  );
  blobs.close();
  const cache = new Map<string, Promise<RefVariable[] | undefined>>();
  const decrypt = async (ref: string): Promise<RefVariable[] | undefined> => {
    const text = texts.get(ref);
    if (text === undefined) return undefined;
    if (text === current.text(ref)) return current.vars(ref);
    try {
      return variablesOf(openSopsFile(parseSopsFile(text, refToRepoPath(ref), { strict: true, readOnly: true }), ws.identities, refToRepoPath(ref)).plain);
    } catch {
      return undefined; // that version cannot be opened: its values count as changed
    }
  };
  return {
    config,
    refs: (env) => [...texts.keys()].filter((r) => r.startsWith(env + '/')),
    text: (ref) => texts.get(ref),
    vars: (ref) => {
      let p = cache.get(ref);
      if (!p) cache.set(ref, (p = decrypt(ref)));
      return p;
    },
  };
}

/**
 * The target's desired state at `rev`: every service's bundle for the target's
 * environment, merged. Two services giving one name different values is an error.
 * undefined when a file could not be opened at that revision.
 */
export async function desiredState(target: SyncTarget, rev: Revision, strict: boolean): Promise<Map<string, Secret<string>> | undefined> {
  const out = new Map<string, Secret<string>>();
  const from = new Map<string, string>();
  for (const name of target.services) {
    const service = rev.config.services[name];
    if (!service) continue; // the service did not exist at that revision
    const refs = bundleRefs(service, target.env, rev.refs(target.env));
    const vars = new Map<string, RefVariable[]>();
    for (const ref of refs) {
      const v = await rev.vars(ref);
      if (!v) return undefined;
      vars.set(ref, v);
    }
    let bundle;
    try {
      bundle = resolveBundle(name, service, target.env, refs, vars);
    } catch (e) {
      if (!strict) return undefined;
      throw e;
    }
    for (const [k, v] of bundle.values) {
      const other = out.get(k);
      if (other && other.reveal() !== v.reveal()) {
        throw new ConfigError(`target ${target.name}: services ${from.get(k)} and ${name} give ${k} different values`, { hint: 'give the target to one service, or make the values agree' });
      }
      out.set(k, v);
      from.set(k, name);
    }
  }
  return out;
}
