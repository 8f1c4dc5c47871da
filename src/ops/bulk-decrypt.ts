/**
 * Bulk decryption to plain data (`decrypt --json`), spread over worker threads when
 * there are many files: per-file work (YAML parse, X25519 unwrap, AES-GCM, MAC) is
 * independent, so it scales with cores. Same results and errors as the serial path.
 */
import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { dirname, join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { KeyfoldError, deserializeError, serializeError, type SerializedError } from '../core/errors.js';
import type { X25519Identity } from '../crypto/age/index.js';
import { collectDecryptEntries, decryptEntry, type DecryptEntry } from './file-crypt.js';
import type { Workspace } from './workspace.js';

export interface PlainFile {
  file: string;
  data: unknown;
}

/** What one partition produced: its results, and its first failure (it stops there). */
export interface PartitionResult {
  results: PlainFile[];
  error?: { index: number; error: SerializedError };
}

/** Work below this many files per thread is not worth a worker's start-up (~30 ms). */
const MIN_FILES_PER_THREAD = 48;

/** Decrypt a partition of entries (in order), stopping at the first failure. */
export function decryptPartition(entries: DecryptEntry[], identities: X25519Identity[]): PartitionResult {
  const results: PlainFile[] = [];
  const repoCache = new Map<string, string | undefined>();
  for (let i = 0; i < entries.length; i++) {
    try {
      const f = decryptEntry(entries[i]!, identities, repoCache);
      if (f) results.push({ file: f.file, data: f.doc.toJS({ mapAsMap: true }) ?? new Map() });
    } catch (e) {
      if (!(e instanceof KeyfoldError)) throw e;
      return { results, error: { index: i, error: serializeError(e) } };
    }
  }
  return { results };
}

/** The bundled worker script, beside the CLI bundle; undefined when running from source. */
function workerScript(): string | undefined {
  if (typeof __filename !== 'string' || !__filename.endsWith('.js')) return undefined;
  const p = join(dirname(__filename), 'keyfold-worker.js');
  return existsSync(p) ? p : undefined;
}

/**
 * Decrypt `paths` to plain data, sorted by path. All-or-nothing: when several files
 * fail, the error of the first one in path order is thrown.
 */
export async function decryptPathsToData(ws: Workspace, paths: string[], options: { threads?: number } = {}): Promise<PlainFile[]> {
  const entries = collectDecryptEntries(ws, paths);
  const identities = ws.identities; // load (and fail on bad identity files) before any work
  const script = workerScript();
  const threads = Math.max(1, Math.min(options.threads ?? availableParallelism(), Math.floor(entries.length / MIN_FILES_PER_THREAD), 8));
  if (!script || threads === 1) return unwrap([decryptPartition(entries, identities)], [entries]);

  // Interleaved partitions keep each one in path order and balance the load.
  const parts: DecryptEntry[][] = Array.from({ length: threads }, () => []);
  entries.forEach((e, i) => parts[i % threads]!.push(e));
  const workers = parts.slice(1).map(
    (part) =>
      new Promise<PartitionResult>((resolve, reject) => {
        const w = new Worker(script, {
          workerData: { entries: part, identity: ws.options.identity ?? [], env: ws.options.env },
        });
        w.once('message', resolve);
        w.once('error', reject);
        w.once('exit', (code) => {
          if (code !== 0) reject(new Error(`worker exited with ${code}`));
        });
      }),
  );
  const mine = decryptPartition(parts[0]!, identities);
  return unwrap([mine, ...(await Promise.all(workers))], parts);
}

function unwrap(results: PartitionResult[], parts: DecryptEntry[][]): PlainFile[] {
  let first: { display: string; error: SerializedError } | undefined;
  results.forEach((r, i) => {
    if (!r.error) return;
    const display = parts[i]![r.error.index]!.display;
    if (!first || display < first.display) first = { display, error: r.error.error };
  });
  if (first) throw deserializeError(first.error);
  return results.flatMap((r) => r.results).sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : 0));
}
