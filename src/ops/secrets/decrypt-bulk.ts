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
 * costs more than it saves (`poolThreads`). The workers run the worker bundle
 * (dist/keyfold-worker.js, entry ops/workers/worker.ts).
 */
import type { KeyObject } from 'node:crypto';
import { X25519Identity } from '../../crypto/age/index.js';
import { encodeDocumentEntry, joinDocumentEntries } from '../../formats/registry.js';
import { poolThreads, runTasks } from '../../kernel/worker-pool.js';
import type { Workspace } from '../context/workspace.js';
import { collectDecryptEntries, openSopsPath, type DecryptEntry, type FormatOptions } from './file-crypt.js';

/** What a worker gets once: the identities (as key objects) and the format options. */
export interface DecryptWorkerData {
  keys: KeyObject[];
  options: FormatOptions;
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
  const repoCache = new Map<string, string | undefined>();
  const parts = await runTasks<DecryptEntry, string | null>(entries, {
    kind: 'decrypt',
    // Identities cross as KeyObjects; each worker rebuilds them once.
    data: { keys: identities.map((id) => id.toTransfer()), options } satisfies DecryptWorkerData,
    threads: poolThreads(entries.length, ws.options.env),
    batch: 32,
    here: (e) => decryptEntryJson(e, identities, options, repoCache),
  });
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
