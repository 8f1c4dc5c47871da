/**
 * The sync-target interface. A target type is one folder under targets/ with a
 * `TargetType` (its config schema and a factory) and one line in ./registry.ts; the
 * engine (ops/sync) never knows a provider. A driver receives the full desired state
 * of its target and the names that changed, and writes only those where the provider
 * stores one secret per name (a whole-document target — a file, a Kubernetes Secret, a
 * Vault path — writes its document once when anything changed).
 */
import type * as z from 'zod/mini';
import type { Secret } from '../kernel/secret.js';
import type { HttpClient } from '../net/http.js';

export interface TargetContext {
  /** The repository root (file targets resolve relative paths against it). */
  root: string;
  /** Credentials come from the environment only (never from files in the repository). */
  env: NodeJS.ProcessEnv;
  /** HTTP with timeouts and retries (429, 5xx, timeouts; Retry-After honoured). */
  http: HttpClient;
}

/** What a driver is asked to do. Values stay wrapped; drivers reveal them only to send them. */
export interface TargetChanges {
  /** Every name this target should hold, with its value. */
  desired: ReadonlyMap<string, Secret<string>>;
  /** Names to create or update (a subset of `desired`). */
  upsert: readonly string[];
  /** Names to delete (managed by keyfold, no longer desired; only with --prune). */
  delete: readonly string[];
  /**
   * Called as names are written or deleted: a run that fails halfway records what it
   * did, so a rerun repeats none of it. A whole-document target reports every name once
   * its document is written.
   */
  done(names: readonly string[]): void;
}

export interface TargetResult {
  /** Provider write calls made (creates, updates, deletes, document writes). */
  writes: number;
}

/** What a target holds now: names, and values where the provider lets them be read back. */
export type TargetContents = Map<string, Secret<string> | undefined>;

export interface TargetDriver {
  /** A one-line description without secrets (`github repo acme/api, environment production`). */
  readonly description: string;
  /** Whether `read` returns values (so a full compare needs no rewrite). */
  readonly readsValues: boolean;
  /** What the target holds now (names at least). */
  read(): Promise<TargetContents>;
  apply(changes: TargetChanges): Promise<TargetResult>;
}

export interface TargetType<S extends z.ZodMiniType = z.ZodMiniType> {
  readonly type: string;
  /** The target's keyfold.yaml entry (with `type`). */
  readonly schema: S;
  /**
   * Why a variable name cannot be stored at this target (its entry `config`: a prefix
   * counts), or undefined. Checked at plan time and by validate.
   */
  nameProblem?(name: string, config: z.infer<S>): string | undefined;
  create(name: string, config: z.infer<S>, ctx: TargetContext): TargetDriver;
}
