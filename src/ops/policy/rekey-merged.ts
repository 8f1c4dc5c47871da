/**
 * S6, re-key after merge (`recipients sync --rekey-merged`, the CI sync job): every file
 * whose data key is not trusted gets a fresh one, so no PR author keeps a data key that
 * later values use. Trust is by envelope fingerprint (ops/rekey/trust.ts), against the
 * first baseline found, in this order:
 *
 * 1. the verified re-key state of the scope (`refs/keyfold/rekeyed/<env>`): files whose
 *    fingerprint it records are trusted, whatever commits came between (two merges
 *    before one run, a rebase-merge of several commits, an admin's write in between);
 * 2. else the newest re-key commit reachable from HEAD whose `Keyfold-Rekeyed` trailer
 *    one of our identities verifies: the fingerprints of that commit's tree;
 * 3. else `--since REV` (the CI passes the push's `before`): every file that differs
 *    between REV and the working tree, and every file new since, is re-keyed — the
 *    history before the pushed range is the starting point;
 * 4. else, with no anchor at all: every file of the scope (the first run; a shallow
 *    clone; a forged or deleted state with no re-key commit).
 *
 * Never `HEAD^`: one merge is not one commit. Afterwards the state is recorded again
 * (the commit, the fingerprints of the files re-keyed or trusted, and the files this
 * identity could not open, which stay untrusted).
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { UsageError } from '../../kernel/errors.js';
import { SECRETS_DIR, repoPathToRef } from '../../kernel/ref.js';
import { commitChanges } from '../../repo/git/commit.js';
import { isAncestor, resolveCommit } from '../../repo/git/refs.js';
import { changesSince } from '../../repo/git/tree.js';
import { currentFingerprints } from '../rekey/fingerprints.js';
import { findRekeyAnchor, readRekeyState, rekeyScope, rekeyTrailer, writeRekeyState } from '../rekey/trust.js';
import type { Workspace } from '../context/workspace.js';

export interface MergedRekeyOptions {
  /** The revision before the pushed range (CI: `github.event.before`); used only without a state or anchor. */
  since?: string;
}

/** The baseline a run compared with (for messages and `--json`). */
export interface RekeyBaseline {
  kind: 'state' | 'anchor' | 'since' | 'none';
  /** `the re-key state at 1a2b3c4d5e6f`, `re-key commit 1a2b…`, `--since 1a2b…`, … */
  describe: string;
}

export interface MergedRekeys {
  /** Which refs need a fresh data key, with the reason; for `planRecipients({ rekey })`. */
  rekey: (ref: string) => string | undefined;
  baseline: RekeyBaseline;
}

const short = (c: string) => c.slice(0, 12);
const ZERO = /^0+$/;

export async function mergedRekeys(ws: Workspace, env: string | undefined, options: MergedRekeyOptions = {}): Promise<MergedRekeys> {
  const now = currentFingerprints(ws.root, env);
  const policy = await ws.policy();
  const head = await resolveCommit(ws.root, 'HEAD');
  const byFingerprint = (trusted: ReadonlyMap<string, string>, baseline: RekeyBaseline): MergedRekeys => ({
    baseline,
    rekey: (ref) => {
      const fp = now.get(ref);
      if (fp === undefined) return undefined;
      const before = trusted.get(ref);
      if (before === undefined) return `not in ${baseline.describe}: fresh data key (S6)`;
      if (before !== fp) return `envelopes changed since ${baseline.describe}: fresh data key (S6)`;
      return undefined;
    },
  });

  const state = await readRekeyState(ws, env, policy);
  if (state.trusted) {
    const at = state.trusted.commit ? ` at ${short(state.trusted.commit)}` : '';
    return byFingerprint(state.trusted.files, { kind: 'state', describe: `the re-key state${at}` });
  }
  const untrusted = state.exists ? ' (the re-key state does not verify)' : '';
  if (head) {
    const anchor = await findRekeyAnchor(ws, env, head);
    if (anchor) return byFingerprint(anchor.files, { kind: 'anchor', describe: `re-key commit ${short(anchor.commit)}${untrusted}` });
  }
  const since = options.since?.trim();
  if (since && !ZERO.test(since) && head) {
    const from = await resolveCommit(ws.root, since);
    if (from && (await isAncestor(ws.root, from, head))) {
      const dir = `${SECRETS_DIR}/${env ? `${env}/` : ''}`;
      const changed = new Set((await changesSince(ws.root, from)).filter((c) => c.path.startsWith(dir) && c.status !== 'deleted').flatMap((c) => repoPathToRef(c.path) ?? []));
      const describe = `--since ${short(from)} (no verified re-key state or re-key commit${untrusted})`;
      return { baseline: { kind: 'since', describe }, rekey: (ref) => (now.has(ref) && changed.has(ref) ? `changed since ${describe}: fresh data key (S6)` : undefined) };
    }
  }
  const why = since && !ZERO.test(since) ? `--since ${since.slice(0, 40)} is not an ancestor of HEAD here` : 'nothing to compare with';
  const describe = `no verified re-key state, re-key commit or --since range (${why}${untrusted})`;
  return { baseline: { kind: 'none', describe }, rekey: (ref) => (now.has(ref) ? `${describe}: fresh data key for every file (S6)` : undefined) };
}

/** `--commit` commits the scope's files as they are after the run: refuse when they have uncommitted changes before it. */
export async function assertCleanScope(ws: Workspace, env: string | undefined): Promise<void> {
  const head = await resolveCommit(ws.root, 'HEAD');
  if (!head) throw new UsageError('--commit needs a commit to build on: this repository has none yet', { hint: 'commit first' });
  const dir = `${SECRETS_DIR}/${env ? `${env}/` : ''}`;
  const dirty = (await changesSince(ws.root, head)).filter((c) => c.path.startsWith(dir));
  if (dirty.length > 0) {
    throw new UsageError(`--commit would commit uncommitted changes: ${dirty[0]!.path}${dirty.length > 1 ? ` and ${dirty.length - 1} more` : ''}`, { hint: 'commit or stash them first' });
  }
}

export interface RecordOptions {
  /** Refs this run could not open or re-key: left untrusted (re-keyed next time) and listed as unopenable. */
  notDone: readonly string[];
  /** Commit the re-encrypted files of the scope first (`--commit`). */
  commit?: boolean;
  /** The refs re-keyed, for the commit message. */
  applied?: readonly string[];
}

export interface RecordResult {
  /** The re-key commit, when one was made. */
  commit?: string;
}

/**
 * After a `--rekey-merged` run: commit the re-encryption (with `commit`), then record
 * the state — the commit, and the fingerprints of every file of the scope but the
 * failed ones — MAC'd by our identity and tagged for the readers.
 */
export async function recordRekeyState(ws: Workspace, env: string | undefined, options: RecordOptions): Promise<RecordResult> {
  const policy = await ws.policy();
  const failed = new Set(options.notDone);
  const files = new Map([...currentFingerprints(ws.root, env)].filter(([ref]) => !failed.has(ref)));
  let made: string | undefined;
  if (options.commit) {
    // An anchor vouches for the whole tree of the scope: only when nothing failed.
    const trailer = failed.size === 0 ? rekeyTrailer(ws, env, policy, files) : undefined;
    const applied = options.applied ?? [];
    const listed = applied.slice(0, 50).map((r) => `- ${r}`);
    if (applied.length > listed.length) listed.push(`- … and ${applied.length - listed.length} more`);
    const message = [
      `keyfold: re-key merged files (${rekeyScope(env)})`,
      '',
      'Fresh data keys for files whose envelopes keyfold did not trust (S6).',
      ...(listed.length ? ['', ...listed] : []),
      ...(trailer ? ['', trailer] : []),
      '',
    ].join('\n');
    const dir = `${SECRETS_DIR}/${env ?? ''}`.replace(/\/$/, '');
    // An environment without files has nothing to commit (and git refuses a pathspec matching nothing).
    if (existsSync(join(ws.root, dir))) made = await commitChanges(ws.root, [dir], message);
  }
  const head = await resolveCommit(ws.root, 'HEAD');
  await writeRekeyState(ws, env, policy, {
    ...(head ? { commit: head } : {}),
    files: Object.fromEntries(files),
    unopenable: [...failed],
  });
  return made ? { commit: made } : {};
}
