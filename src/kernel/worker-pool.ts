/**
 * An ordered pool of worker threads for CPU-bound bulk work (bulk decrypt, validate): tasks go out
 * in batches, results come back in task order, and the first failing task (in task
 * order, not in completion order) ends the run with its typed error. No batch after the
 * first failure is started, so a failure early in the list stops the work.
 *
 * Only typed errors cross the thread boundary, as data: code, message, hint, exit code
 * and file (the same fields the CLI prints). A worker never sends anything else about an
 * error (an unexpected one becomes an InternalError naming only its kind), so no value
 * can leave a worker in an error. The worker side is `serveWorkerTasks`.
 */
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { Worker, parentPort, workerData } from 'node:worker_threads';
import { ExitCode, InternalError, KeyfoldError, fromSystemError } from './errors.js';

/** The worker bundle's file name beside the CLI bundle (set by scripts/build.mjs). */
declare const KEYFOLD_WORKER: string | undefined;

/** Below this many files one thread decrypts faster than a pool (measured with `npm run bench`). */
export const PARALLEL_MIN_FILES = 150;

/**
 * The worker bundle (dist/keyfold-worker.js), when this code runs from dist/; undefined
 * where there is none (the action's single-file bundle, the sources run by tsx): the
 * work then stays on one thread.
 */
export function workerScript(): string | undefined {
  return typeof KEYFOLD_WORKER === 'string' && KEYFOLD_WORKER ? join(__dirname, KEYFOLD_WORKER) : undefined;
}

/**
 * How many threads share `files` files: KEYFOLD_THREADS if set, else 1 below `minFiles`
 * (where a pool costs more than it saves), else one per core.
 */
export function poolThreads(files: number, env: Record<string, string | undefined>, { cores = availableParallelism(), minFiles = PARALLEL_MIN_FILES } = {}): number {
  const forced = Number(env['KEYFOLD_THREADS']);
  if (Number.isInteger(forced) && forced >= 1) return Math.min(forced, 64);
  return files < minFiles ? 1 : Math.max(1, cores);
}

/**
 * `tasks` through `here` on this thread alone, or shared with workers of the worker
 * bundle when there is one and `threads` > 1: each worker runs its handler of `kind`
 * (the handlers the bundle's entry gives `serveWorkerTasks`) with `data`. Results in
 * task order either way.
 */
export async function runTasks<T, R>(tasks: readonly T[], options: { kind: string; data: unknown; threads: number; batch?: number; here: (task: T) => R }): Promise<R[]> {
  const script = workerScript();
  if (options.threads <= 1 || !script) return tasks.map((t) => options.here(t));
  // This thread works too (it is warm already): threads - 1 workers.
  return runOrdered(tasks, { script, data: { kind: options.kind, data: options.data }, threads: options.threads, batch: options.batch, here: options.here });
}

/** A typed error as it crosses the thread boundary. */
export interface WireError {
  code: string;
  message: string;
  hint?: string;
  exitCode: number;
  file?: string;
}

/** A batch's results; `failed.index` is within the batch. */
type Reply<R> = { batch: number; results: R[]; failed?: { index: number; error: WireError } };

/** The typed error a worker sends for `e` (never a value: see the module comment). */
export function toWireError(e: unknown): WireError {
  const k = fromSystemError(e) ?? e;
  if (k instanceof KeyfoldError) return { code: k.code, message: k.message, hint: k.hint, exitCode: k.exitCode, file: k.file };
  const kind = e instanceof Error ? e.name : typeof e;
  return { code: 'internal', message: `internal error (${kind}) in a parallel task; this is a bug in keyfold — rerun with KEYFOLD_DEBUG=1 and report it`, exitCode: ExitCode.internal };
}

/** A KeyfoldError with the wire error's code and exit code (what the CLI prints and exits with). */
class WorkerTaskError extends KeyfoldError {
  override readonly code: string;
  override readonly exitCode: ExitCode;
  constructor(w: WireError) {
    super(w.message, { hint: w.hint, file: w.file });
    this.code = w.code;
    this.exitCode = w.exitCode as ExitCode;
  }
}

export const fromWireError = (w: WireError): KeyfoldError => new WorkerTaskError(w);

export interface PoolOptions<T = unknown, R = unknown> {
  /** The worker's script (a bundle that calls `serveWorkerTasks`). */
  script: string;
  /** Passed to every worker as `workerData` (structured clone; KeyObjects allowed). */
  data: unknown;
  /** Threads in all, the calling one included when `here` is given. */
  threads: number;
  /** Tasks per message (default 16). */
  batch?: number;
  /**
   * The calling thread runs batches too, with this handler (the worker's, in this
   * thread): it is already started and warm, so one core needs no worker at all.
   */
  here?: (task: T) => R;
}

/** Run one batch here: its results, and its first failure (index within the batch). */
function runBatch<T, R>(tasks: readonly T[], handle: (task: T) => R): Reply<R> & { batch: -1 } {
  const results: R[] = [];
  for (let i = 0; i < tasks.length; i++) {
    try {
      results.push(handle(tasks[i]!));
    } catch (e) {
      return { batch: -1, results, failed: { index: i, error: toWireError(e) } };
    }
  }
  return { batch: -1, results };
}

/**
 * Run `tasks` on `threads` threads; resolves with one result per task, in task order,
 * or rejects with the error of the first failing task (in task order).
 */
export function runOrdered<T, R>(tasks: readonly T[], options: PoolOptions<T, R>): Promise<R[]> {
  const size = Math.max(1, options.batch ?? 16);
  const batches = Math.ceil(tasks.length / size);
  const results: R[][] = new Array<R[]>(batches);
  const workers: Worker[] = [];
  if (batches === 0) return Promise.resolve([]);
  let next = 0;
  let pending = 0;
  let failedAt = Infinity;
  let failure: KeyfoldError | undefined;
  return new Promise<R[]>((resolvePool, rejectPool) => {
    let settled = false;
    const finish = (): void => {
      if (settled || pending > 0 || (next < batches && failedAt === Infinity)) return;
      settled = true;
      for (const w of workers) void w.terminate();
      if (failure) rejectPool(failure);
      else resolvePool(results.flat());
    };
    const dispatch = (w: Worker): void => {
      // Batches start in order; none starts past a failure (its tasks come later).
      if (next >= batches || next * size > failedAt) return finish();
      const b = next++;
      pending++;
      w.postMessage({ batch: b, tasks: tasks.slice(b * size, (b + 1) * size) });
    };
    const onReply = (m: Reply<R>): void => {
      pending--;
      results[m.batch] = m.results;
      const at = m.failed ? m.batch * size + m.failed.index : Infinity;
      if (m.failed && at < failedAt) {
        failedAt = at;
        failure = fromWireError(m.failed.error);
      }
    };
    const onCrash = (e: unknown): void => {
      if (settled) return;
      settled = true;
      for (const w of workers) void w.terminate();
      rejectPool(fromWireError(toWireError(e)));
    };
    const here = options.here;
    const workerCount = Math.min(here ? options.threads - 1 : Math.max(1, options.threads), batches);
    for (let t = 0; t < workerCount; t++) {
      const w = new Worker(options.script, { workerData: options.data });
      workers.push(w);
      w.on('message', (m: Reply<R>) => {
        onReply(m);
        dispatch(w);
        finish();
      });
      w.on('error', onCrash);
      w.on('exit', (code) => {
        if (!settled && code !== 0) onCrash(new InternalError(`a worker thread exited with code ${code}`));
      });
      // Two batches in flight per worker: no idle round-trip between them.
      dispatch(w);
      dispatch(w);
    }
    if (here) {
      // This thread takes the next batch whenever it is free, letting the workers'
      // replies in between batches.
      const loop = (): void => {
        if (settled) return;
        if (next >= batches || next * size > failedAt) return finish();
        const b = next++;
        pending++;
        onReply({ ...runBatch(tasks.slice(b * size, (b + 1) * size), here), batch: b });
        setImmediate(loop);
      };
      setImmediate(loop);
    } else finish();
  });
}

/**
 * The worker side: the handler of the worker's kind runs each task of a batch in order;
 * the first failing task ends its batch (the pool starts no later batch).
 */
export function serveWorkerTasks(handlers: Record<string, (task: never, data: unknown) => unknown>): void {
  const port = parentPort;
  if (!port) throw new InternalError('serveWorkerTasks runs only in a worker thread');
  const { kind, data } = workerData as { kind: string; data: unknown };
  if (!Object.hasOwn(handlers, kind)) throw new InternalError(`no worker handler for tasks of kind ${kind}`);
  const handle = handlers[kind] as (task: unknown, data: unknown) => unknown;
  port.on('message', (m: { batch: number; tasks: unknown[] }) => {
    const results: unknown[] = [];
    let failed: Reply<unknown>['failed'];
    for (let i = 0; i < m.tasks.length; i++) {
      try {
        results.push(handle(m.tasks[i]!, data));
      } catch (e) {
        failed = { index: i, error: toWireError(e) };
        break;
      }
    }
    port.postMessage({ batch: m.batch, results, failed } satisfies Reply<unknown>);
  });
}
