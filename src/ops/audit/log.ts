/**
 * `log` and `blame`: the audit trail from git history, key by key, without decrypting
 * (stable ciphertext makes value changes exact). Renames are followed; a commit that
 * gave a file a fresh data key is reported as "re-encrypted", and `--decrypt` (with a
 * reader identity) confirms which values really changed in such commits.
 */
import { diffSnapshots, ownMergeChanges, type KeyDiff } from '../../core/file-diff.js';
import { SnapshotCache } from './snapshots.js';
import { openSopsFile, parseSopsFile } from '../../sops/file.js';
import { BlobReader } from '../../repo/git/blobs.js';
import { readCommits, readLog, type CommitInfo, type CommitSummary, type GitFileChange } from '../../repo/git/log.js';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { recipientNamer } from './recipient-names.js';
import type { Workspace } from '../context/workspace.js';
import { parseRef, repoPathToRef, normalizeRefPrefix } from '../../kernel/ref.js';

export const POLICY_PATH = 'policies/access.yaml';

/** Commits diffed at a time by `readHistory`. */
const LOG_WINDOW = 256;

export interface LogFile {
  ref: string;
  /** For renames: the ref it was renamed from. */
  from?: string;
  status: 'added' | 'modified' | 'deleted' | 'renamed';
  added: string[];
  removed: string[];
  /**
   * Keys whose value changed. Exact: for a re-encrypted file (every ciphertext new)
   * only the keys `--decrypt` confirmed; without it, none (see `unconfirmed`).
   */
  changed: string[];
  /** Re-encrypted files without --decrypt: the keys whose value may or may not have changed. */
  unconfirmed?: string[];
  /** Members (or bare recipients) who became / stopped being recipients. */
  readersAdded: string[];
  readersRemoved: string[];
  reencrypted: boolean;
  /** With --decrypt, for re-encrypted files: the keys whose plaintext really changed. */
  confirmed?: string[];
}

export interface LogEntry {
  sha: string;
  author: string;
  email: string;
  date: string;
  subject: string;
  body: string;
  /** The pull request the message names (`(#12)`, `Merge pull request #12`). */
  pr?: number;
  /** The commit changed policies/access.yaml. */
  policy: boolean;
  files: LogFile[];
}

export interface LogOptions {
  /** Revision or range to read (default HEAD), e.g. `abc123..HEAD`. */
  rev?: string;
  /** A ref, or a prefix of refs (`prod/providers`). */
  target?: string;
  key?: string;
  since?: string;
  until?: string;
  author?: string;
  /** Confirm value changes in re-encryption commits by decrypting (needs a reader). */
  decrypt?: boolean;
  /**
   * Also commits on merged side branches whose changes the merge dropped (git's
   * `--full-history`): for "who could read it then", every committed version counts.
   */
  fullHistory?: boolean;
  /** Commits diffed at a time (default LOG_WINDOW); the result does not depend on it. */
  window?: number;
}

export interface LogResult {
  entries: LogEntry[];
  /** With --key: re-encryption commits not listed because the value may not have changed. */
  hiddenReencryptions: number;
}


function prNumber(subject: string): number | undefined {
  const m = /\(#(\d+)\)\s*$/.exec(subject) ?? /^Merge pull request #(\d+)/.exec(subject);
  return m ? Number(m[1]) : undefined;
}

/** Decides which changes concern the target, following renames back in time. */
class Tracker {
  readonly #exact: Set<string> | undefined;
  readonly #prefix: string | undefined;

  constructor(target: string | undefined, isFile: boolean) {
    if (target === undefined) return;
    if (isFile) this.#exact = new Set([target]);
    else this.#prefix = target.replace(/\/+$/, '');
  }

  /** Whether the change concerns the target; records a rename's old ref. Call newest first. */
  take(change: GitFileChange): boolean {
    const ref = repoPathToRef(change.path);
    if (ref === undefined) return false;
    if (this.#exact) {
      const from = change.oldPath ? repoPathToRef(change.oldPath) : undefined;
      // The target's own changes, following a rename back to its old name; and for an
      // old name, the rename that moved it away.
      if (this.#exact.has(ref)) {
        if (from) this.#exact.add(from);
        return true;
      }
      return from !== undefined && this.#exact.has(from);
    }
    if (this.#prefix === undefined) return true;
    const p = this.#prefix;
    const under = (r: string | undefined) => r !== undefined && (r === p || r.startsWith(p + '/'));
    return under(ref) || under(change.oldPath ? repoPathToRef(change.oldPath) : undefined);
  }
}

/** The history of refs, newest first. */
export async function readHistory(ws: Workspace, options: LogOptions = {}): Promise<LogResult> {
  const target = options.target ? parseTarget(ws.root, options.target) : undefined;
  // The texts are not kept (only --decrypt reads blobs again); snapshots.ts keeps each parsed once.
  const blobs = new BlobReader(ws.root, { cache: Boolean(options.decrypt) });
  const snapshots = new SnapshotCache(blobs);
  const snapshot = (oid: string | undefined, path: string) => snapshots.get(oid, path);
  const tracker = new Tracker(target?.ref, target?.isFile ?? false);
  let closed = false;
  try {
    // Relevance is decided in order (renames are followed newest → oldest) as git writes
    // the commits, and their blobs are asked for at once: the one cat-file process reads
    // and they are parsed while git log walks on.
    const relevant: Array<{ commit: CommitInfo; changes: GitFileChange[] }> = [];
    const want = (oid: string | undefined, path: string) => {
      if (closed) return; // git log still writing after a failure elsewhere: no new reads
      snapshots.use(oid);
      snapshots.prefetch(oid, path);
    };
    const [commits, graph, selected] = await Promise.all([
      readLog(ws.root, { rev: options.rev, paths: ['secrets', POLICY_PATH], since: options.since, fullHistory: options.fullHistory }, (cs) => {
        for (const commit of cs) {
          const changes = commit.changes.filter((ch) => tracker.take(ch));
          relevant.push({ commit, changes });
          for (const ch of changes) {
            want(ch.newBlob, ch.path);
            want(ch.oldBlob, ch.oldPath ?? ch.path);
            for (const b of ch.otherParentBlobs ?? []) want(b, ch.path);
          }
        }
      }),
      readCommits(ws.root, { rev: options.rev }),
      options.until || options.author
        ? readCommits(ws.root, { rev: options.rev, since: options.since, until: options.until, author: options.author }).then((cs) => new Set(cs.map((c) => c.sha)))
        : undefined,
    ]);
    const mergedBy = mergePrs(graph);
    const names = await recipientNamer(ws);
    // `--until` and `--author` are applied after following renames (a rename commit they
    // exclude must still be followed); `--since` only drops commits older than any shown.
    const work = relevant.filter(({ commit }) => selected === undefined || selected.has(commit.sha));
    const diffOf = async (ch: GitFileChange): Promise<KeyDiff> => {
      const after = await snapshot(ch.newBlob, ch.path);
      const first = diffSnapshots(await snapshot(ch.oldBlob, ch.oldPath ?? ch.path), after);
      if (!ch.otherParentBlobs) return first;
      const others = await Promise.all(ch.otherParentBlobs.map(async (b) => diffSnapshots(await snapshot(b, ch.path), after)));
      return ownMergeChanges(first, others);
    };
    const entryOf = async ({ commit, changes }: (typeof work)[number]): Promise<LogEntry> => {
      const files = (await Promise.all(changes.map(async (ch) => ({ ch, d: await diffOf(ch) }))))
        // A merge that only combined both sides' changes made none of its own.
        .filter(({ ch, d }) => !ch.otherParentBlobs || !isEmptyDiff(d))
        .map(({ ch, d }) => toLogFile(ch, d, names));
      return toEntry(commit, files, mergedBy.get(commit.sha));
    };
    // A window of commits at a time (the next one started): a long history never has all
    // its diffs pending in memory at once.
    const entries: LogEntry[] = [];
    const size = Math.max(1, options.window ?? LOG_WINDOW);
    const windowAt = (i: number) => {
      const w = work.slice(i, i + size).map(entryOf);
      // Awaited in turn; a failure there while an earlier window is awaited is not unhandled.
      for (const p of w) p.catch(() => undefined);
      return w;
    };
    let current = windowAt(0);
    for (let i = 0; i < work.length; i += size) {
      const next = windowAt(i + size);
      entries.push(...(await Promise.all(current)));
      current = next;
    }
    if (options.decrypt) await confirmReencryptions(ws, entries, blobs, commits);
    return filterEntries(entries, options, target !== undefined);
  } finally {
    closed = true;
    blobs.close();
  }
}

/** A ref (followed through renames), or a prefix: an environment or a folder that exists. */
function parseTarget(root: string, target: string): { ref: string; isFile: boolean } {
  const clean = normalizeRefPrefix(target);
  if (clean.split('/').length === 1) return { ref: clean, isFile: false };
  parseRef(clean);
  const isDir = statSync(join(root, 'secrets', clean), { throwIfNoEntry: false })?.isDirectory() ?? false;
  return { ref: clean, isFile: !target.endsWith('/') && !isDir };
}

function toLogFile(ch: GitFileChange, d: KeyDiff, names: (r: string) => string): LogFile {
  const ref = repoPathToRef(ch.path)!;
  const status = ch.status === 'A' ? 'added' : ch.status === 'D' ? 'deleted' : ch.status === 'R' ? 'renamed' : 'modified';
  return {
    ref,
    ...(ch.status === 'R' && ch.oldPath ? { from: repoPathToRef(ch.oldPath) } : {}),
    status,
    added: d.added,
    removed: d.removed,
    changed: d.reencrypted ? [] : d.changed,
    ...(d.reencrypted ? { unconfirmed: d.changed } : {}),
    readersAdded: d.recipientsAdded.map(names).sort(),
    readersRemoved: d.recipientsRemoved.map(names).sort(),
    reencrypted: d.reencrypted,
  };
}

const isEmptyDiff = (d: KeyDiff) =>
  !d.reencrypted && [d.added, d.removed, d.changed, d.recipientsAdded, d.recipientsRemoved].every((l) => l.length === 0);

/**
 * For commits that reached the mainline (the first-parent chain of the tip) through a
 * merge commit naming a pull request (`Merge pull request #12 …`), that number.
 */
function mergePrs(graph: CommitSummary[]): Map<string, number> {
  const byId = new Map(graph.map((c) => [c.sha, c]));
  const mainline: CommitSummary[] = [];
  const onMainline = new Set<string>();
  for (let c = graph[0]; c && !onMainline.has(c.sha); c = c.parents[0] === undefined ? undefined : byId.get(c.parents[0])) {
    mainline.push(c);
    onMainline.add(c.sha);
  }
  const seen = new Set<string>();
  const out = new Map<string, number>();
  // Oldest first: everything an older mainline commit reaches is seen before a newer
  // merge's side is walked, so each commit is credited to the merge that brought it in.
  for (const m of mainline.reverse()) {
    seen.add(m.sha);
    const pr = prNumber(m.subject);
    const stack = m.parents.slice(1);
    while (stack.length) {
      const id = stack.pop()!;
      const c = byId.get(id);
      if (!c || seen.has(id)) continue;
      seen.add(id);
      if (pr !== undefined) out.set(id, pr);
      stack.push(...c.parents);
    }
  }
  return out;
}

function toEntry(c: CommitInfo, files: LogFile[], mergedPr?: number): LogEntry {
  const pr = prNumber(c.subject) ?? mergedPr;
  return {
    sha: c.sha,
    author: c.author,
    email: c.email,
    date: c.date,
    subject: c.subject,
    body: c.body,
    ...(pr !== undefined ? { pr } : {}),
    policy: c.changes.some((ch) => ch.path === POLICY_PATH || ch.oldPath === POLICY_PATH),
    files,
  };
}

function filterEntries(entries: LogEntry[], options: LogOptions, targeted: boolean): LogResult {
  let hiddenReencryptions = 0;
  const key = options.key;
  const out: LogEntry[] = [];
  for (const e of entries) {
    let files = e.files;
    if (key !== undefined) {
      files = files.filter((f) => {
        const touched = f.added.includes(key) || f.removed.includes(key) || f.changed.includes(key);
        if (!touched && f.unconfirmed?.includes(key)) hiddenReencryptions++;
        return touched;
      });
      if (files.length === 0) continue;
    } else if (files.length === 0 && (targeted || !e.policy)) {
      continue;
    }
    out.push({ ...e, files });
  }
  return { entries: out, hiddenReencryptions };
}

/** Decrypt both versions of re-encrypted files to find the values that really changed. */
async function confirmReencryptions(ws: Workspace, entries: LogEntry[], blobs: BlobReader, commits: CommitInfo[]): Promise<void> {
  const byCommit = new Map(commits.map((c) => [c.sha, c]));
  const plainOf = async (oid: string | undefined, path: string): Promise<Map<string, unknown>> => {
    if (!oid) return new Map();
    const opened = openSopsFile(parseSopsFile(await blobs.read(oid), path, { strict: false, readOnly: true }), ws.identities, path);
    const js = (opened.plain.toJS({ mapAsMap: true }) ?? new Map()) as Map<string, unknown>;
    const flat = new Map<string, unknown>();
    const walk = (m: Map<string, unknown>, prefix: string) => {
      for (const [k, v] of m) {
        const name = prefix ? `${prefix}.${k}` : k;
        if (v instanceof Map) walk(v as Map<string, unknown>, name);
        else flat.set(name, JSON.stringify(v, (_k, x: unknown) => (typeof x === 'bigint' ? `${x}n` : x)));
      }
    };
    walk(js, '');
    return flat;
  };
  for (const e of entries) {
    for (const f of e.files) {
      if (!f.reencrypted) continue;
      const ch = byCommit.get(e.sha)!.changes.find((c) => repoPathToRef(c.path) === f.ref)!;
      const [before, after] = await Promise.all([plainOf(ch.oldBlob, ch.oldPath ?? ch.path), plainOf(ch.newBlob, ch.path)]);
      f.confirmed = [...after.keys()].filter((k) => before.has(k) && before.get(k) !== after.get(k));
      f.changed = f.confirmed;
      delete f.unconfirmed;
    }
  }
}
