/**
 * `log` and `blame`: the audit trail from git history, key by key, without decrypting
 * (stable ciphertext makes value changes exact). Renames are followed; a commit that
 * gave a file a fresh data key is reported as "re-encrypted", and `--decrypt` (with a
 * reader identity) confirms which values really changed in such commits.
 */
import { diffSnapshots, snapshotOf, type FileSnapshot, type KeyDiff } from '../core/history.js';
import { openSopsFile, parseSopsFile } from '../core/sops-file.js';
import { BlobReader, readLog, type CommitInfo, type FileChange } from '../repo/git-history.js';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { NotFoundError } from '../core/errors.js';
import { parseRef, readTextFile, refToPath } from '../repo/secrets-tree.js';
import { recipientNamer } from './recipient-names.js';
import type { Workspace } from './workspace.js';

export const POLICY_PATH = 'policies/access.yaml';

export interface LogFile {
  ref: string;
  /** For renames: the ref it was renamed from. */
  from?: string;
  status: 'added' | 'modified' | 'deleted' | 'renamed';
  added: string[];
  removed: string[];
  /** Keys whose value changed (exact unless `reencrypted`). */
  changed: string[];
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
}

export interface LogResult {
  entries: LogEntry[];
  /** With --key: re-encryption commits not listed because the value may not have changed. */
  hiddenReencryptions: number;
}

const refOfPath = (path: string): string | undefined =>
  path.startsWith('secrets/') && /\.ya?ml$/.test(path) ? path.slice('secrets/'.length).replace(/\.ya?ml$/, '') : undefined;

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
  take(change: FileChange): boolean {
    const ref = refOfPath(change.path);
    if (ref === undefined) return false;
    if (this.#exact) {
      if (!this.#exact.has(ref)) return false;
      const from = change.oldPath ? refOfPath(change.oldPath) : undefined;
      if (from) this.#exact.add(from);
      return true;
    }
    if (this.#prefix === undefined) return true;
    const p = this.#prefix;
    const under = (r: string | undefined) => r !== undefined && (r === p || r.startsWith(p + '/'));
    return under(ref) || under(change.oldPath ? refOfPath(change.oldPath) : undefined);
  }
}

/** The history of refs, newest first. */
export async function readHistory(ws: Workspace, options: LogOptions = {}): Promise<LogResult> {
  const target = options.target ? parseTarget(ws.root, options.target) : undefined;
  const commits = await readLog(ws.root, {
    rev: options.rev,
    paths: ['secrets', POLICY_PATH],
    since: options.since,
    until: options.until,
    author: options.author,
  });
  const names = await recipientNamer(ws);
  const blobs = new BlobReader(ws.root);
  const snapshots = new Map<string, Promise<FileSnapshot | undefined>>();
  const snapshot = (oid: string | undefined, path: string) => {
    if (!oid) return Promise.resolve(undefined);
    let p = snapshots.get(oid);
    if (!p) {
      p = blobs.read(oid).then((text) => snapshotOf(text, path));
      snapshots.set(oid, p);
    }
    return p;
  };
  const tracker = new Tracker(target?.ref, target?.isFile ?? false);
  try {
    // Decide relevance in order (renames are followed newest → oldest), then read
    // and diff all blobs concurrently through the one cat-file process.
    const work = commits.map((c) => ({ commit: c, changes: c.changes.filter((ch) => tracker.take(ch)) }));
    const entries = await Promise.all(
      work.map(async ({ commit, changes }) => {
        const files = await Promise.all(
          changes.map(async (ch) => toLogFile(ch, diffSnapshots(await snapshot(ch.oldBlob, ch.oldPath ?? ch.path), await snapshot(ch.newBlob, ch.path)), names)),
        );
        return toEntry(commit, files);
      }),
    );
    if (options.decrypt) await confirmReencryptions(ws, entries, blobs, commits);
    return filterEntries(entries, options, target !== undefined);
  } finally {
    blobs.close();
  }
}

/** A ref (followed through renames), or a prefix: an environment or a folder that exists. */
function parseTarget(root: string, target: string): { ref: string; isFile: boolean } {
  const clean = target.replace(/^secrets\//, '').replace(/\.ya?ml$/, '').replace(/\/+$/, '');
  if (clean.split('/').length === 1) return { ref: clean, isFile: false };
  parseRef(clean);
  const isDir = statSync(join(root, 'secrets', clean), { throwIfNoEntry: false })?.isDirectory() ?? false;
  return { ref: clean, isFile: !target.endsWith('/') && !isDir };
}

function toLogFile(ch: FileChange, d: KeyDiff, names: (r: string) => string): LogFile {
  const ref = refOfPath(ch.path)!;
  const status = ch.status === 'A' ? 'added' : ch.status === 'D' ? 'deleted' : ch.status === 'R' ? 'renamed' : 'modified';
  return {
    ref,
    ...(ch.status === 'R' && ch.oldPath ? { from: refOfPath(ch.oldPath) } : {}),
    status,
    added: d.added,
    removed: d.removed,
    changed: d.changed,
    readersAdded: d.recipientsAdded.map(names).sort(),
    readersRemoved: d.recipientsRemoved.map(names).sort(),
    reencrypted: d.reencrypted,
  };
}

function toEntry(c: CommitInfo, files: LogFile[]): LogEntry {
  return {
    sha: c.sha,
    author: c.author,
    email: c.email,
    date: c.date,
    subject: c.subject,
    body: c.body,
    ...(prNumber(c.subject) !== undefined ? { pr: prNumber(c.subject) } : {}),
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
        const touched = f.added.includes(key) || f.removed.includes(key) || (f.reencrypted ? (f.confirmed ?? []).includes(key) : f.changed.includes(key));
        if (!touched && f.reencrypted && f.changed.includes(key) && f.confirmed === undefined) hiddenReencryptions++;
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
      const ch = byCommit.get(e.sha)!.changes.find((c) => refOfPath(c.path) === f.ref)!;
      const [before, after] = await Promise.all([plainOf(ch.oldBlob, ch.oldPath ?? ch.path), plainOf(ch.newBlob, ch.path)]);
      f.confirmed = [...after.keys()].filter((k) => before.has(k) && before.get(k) !== after.get(k));
    }
  }
}

export interface BlameLine {
  key: string;
  sha: string;
  author: string;
  date: string;
  subject: string;
  pr?: number;
}

/** For every key of a ref, the last commit that changed its value (re-encryptions skipped). */
export async function blame(ws: Workspace, ref: string): Promise<BlameLine[]> {
  const { entries } = await readHistory(ws, { target: ref });
  const current = entries.find((e) => e.files.length > 0);
  if (!current || current.files[0]!.status === 'deleted') {
    throw new NotFoundError(`ref ${ref} has no history in this repository`, { hint: 'commit it first; blame reads git history' });
  }
  // Keys of the newest version: the newest commit's added+changed and everything
  // still present; walk back until each key has its last value change.
  const liveKeys = new Set<string>();
  const pending = new Map<string, BlameLine | undefined>();
  const known = currentKeys(ws, ref);
  for (const k of known) {
    liveKeys.add(k);
    pending.set(k, undefined);
  }
  for (const e of entries) {
    for (const f of e.files) {
      for (const k of [...f.added, ...(f.reencrypted ? (f.confirmed ?? []) : f.changed)]) {
        if (liveKeys.has(k) && pending.get(k) === undefined) {
          pending.set(k, { key: k, sha: e.sha, author: e.author, date: e.date, subject: e.subject, ...(e.pr !== undefined ? { pr: e.pr } : {}) });
        }
      }
    }
  }
  return [...pending.entries()].filter((x): x is [string, BlameLine] => x[1] !== undefined).map(([, b]) => b);
}

function currentKeys(ws: Workspace, ref: string): string[] {
  const path = refToPath(ws.root, ref);
  const snap = snapshotOf(readTextFile(path, `secrets/${ref}.yaml`, { root: ws.root }), ref);
  return snap ? [...snap.keys.keys()] : [];
}
