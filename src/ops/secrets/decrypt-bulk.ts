/**
 * Bulk decrypt to one JSON object keyed by path (`keyfold decrypt DIR --json`), on every
 * core: files go in batches to this thread and to worker threads (kernel/worker-pool.ts),
 * `os.availableParallelism()` threads in all; each decrypts and encodes its files, and
 * the entries come back in path order. The output is byte-identical to the single-thread path
 * (`encodeDocumentMap(decryptSopsPaths(…))`), and so is the contract: the first failing
 * file in path order ends the run with its error, and nothing is returned.
 *
 * Each file is checked as on one thread (the same `openSopsPath`: S1 metadata
 * allowlist, MAC, tamper checks). Small inputs stay on one thread: starting workers
 * costs more than it saves (PARALLEL_MIN_FILES, measured with `npm run bench`).
 *
 * The worker is its own bundle (dist/keyfold-decrypt-worker.js, entry
 * decrypt-worker.ts). Where there is none (the action's single-file bundle, the sources
 * run by tsx) this runs on one thread.
 */
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import type { KeyObject } from 'node:crypto';
import { X25519Identity } from '../../crypto/age/index.js';
import { encodeDocumentEntry, joinDocumentEntries } from '../../formats/registry.js';
import { runOrdered } from '../../kernel/worker-pool.js';
import type { Workspace } from '../context/workspace.js';
import { collectDecryptEntries, openSopsPath, type DecryptEntry, type FormatOptions } from './file-crypt.js';

/** The worker bundle's file name beside the CLI bundle (set by scripts/build.mjs). */
declare const KEYFOLD_DECRYPT_WORKER: string | undefined;

/** Below this many files one thread is faster than starting a pool. */
export const PARALLEL_MIN_FILES = 150;

/** What a worker gets once: the identities (as key objects) and the format options. */
export interface DecryptWorkerData {
  keys: KeyObject[];
  options: FormatOptions;
}

/** How many threads decrypt `files` files: KEYFOLD_DECRYPT_THREADS if set, else 1 below the threshold, else one per core. */
export function decryptThreads(files: number, env: Record<string, string | undefined>, cores = availableParallelism()): number {
  const forced = Number(env['KEYFOLD_DECRYPT_THREADS']);
  if (Number.isInteger(forced) && forced >= 1) return Math.min(forced, 64);
  return files < PARALLEL_MIN_FILES ? 1 : Math.max(1, cores);
}

/** The worker bundle, when this code runs from dist/ (undefined otherwise). */
function workerScript(): string | undefined {
  return typeof KEYFOLD_DECRYPT_WORKER === 'string' && KEYFOLD_DECRYPT_WORKER ? join(__dirname, KEYFOLD_DECRYPT_WORKER) : undefined;
}

/** One file's JSON entry, or null for a walked file that is not encrypted. */
export function decryptEntryJson(
  entry: DecryptEntry,
  identities: X25519Identity[],
  options: FormatOptions,
  repoCache: Map<string, string | undefined>,
): string | null {
  const opened = openSopsPath(entry, identities, { ...options, readOnly: true, repoCache });
  return opened ? encodeDocumentEntry(entry.display, opened.plain) : null;
}

/** `decrypt PATHS --json`: every file's plaintext in one JSON object keyed by path. */
export async function decryptSopsPathsJson(ws: Workspace, paths: string[], options: FormatOptions = {}): Promise<string> {
  const entries = collectDecryptEntries(ws, paths);
  const identities = ws.identities;
  const script = workerScript();
  const threads = script ? decryptThreads(entries.length, ws.options.env) : 1;
  let parts: Array<string | null>;
  if (threads <= 1 || !script) {
    const repoCache = new Map<string, string | undefined>();
    parts = entries.map((e) => decryptEntryJson(e, identities, options, repoCache));
  } else {
    // This thread decrypts too (it is warm already): threads - 1 workers.
    const data: DecryptWorkerData = { keys: identities.map((id) => id.toTransfer()), options };
    const repoCache = new Map<string, string | undefined>();
    const here = (e: DecryptEntry) => decryptEntryJson(e, identities, options, repoCache);
    parts = await runOrdered<DecryptEntry, string | null>(entries, { script, data, threads, batch: 32, here });
  }
  return joinDocumentEntries(parts.filter((p): p is string => p !== null));
}

/** The worker side: identities rebuilt once per worker, a repository cache per worker. */
export function decryptWorkerHandler(): (entry: DecryptEntry, data: unknown) => string | null {
  let identities: X25519Identity[] | undefined;
  const repoCache = new Map<string, string | undefined>();
  return (entry, data) => {
    const d = data as DecryptWorkerData;
    identities ??= d.keys.map((k) => X25519Identity.fromTransfer(k));
    return decryptEntryJson(entry, identities, d.options, repoCache);
  };
}
