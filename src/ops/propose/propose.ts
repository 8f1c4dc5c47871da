/**
 * `propose set|unset|promote`: a change as a pull request. The change is made on a new
 * branch from the remote's default branch, in a temporary linked worktree — the
 * user's working tree, its branch and its uncommitted changes are never touched —
 * with `set`'s, `unset`'s and `promote`'s own rules (write grants and write-only
 * contributions by the default branch's policy). It is committed with a message naming
 * the refs and keys, pushed to `origin`, and opened as a pull request on keyfold.yaml's
 * `github.repo` with GITHUB_TOKEN (or GH_TOKEN). The body lists the key names, the
 * services importing them, the targets a merge syncs and the required reviewers.
 *
 * No value reaches the branch name, the commit message or the pull request. Everything
 * that can fail before the push does (token, remote, grants, nothing to change), so a
 * failure leaves no branch behind; a pull request GitHub refuses after the push is
 * reported with the pushed branch and how to open it by hand.
 */
import { count, plural } from '../../kernel/names.js';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { CODEOWNERS_FILE } from '../../core/codeowners.js';
import { ownersOf, parseCodeowners } from '../../core/codeowners-match.js';
import { renderProposalBody, type ProposalChange } from '../../core/proposal-body.js';
import { targetCounts, type SyncImpact } from '../../core/sync-impact.js';
import { ConfigError, KeyfoldError, UsageError } from '../../kernel/errors.js';
import { normalizeRefPrefix, parseRef, refToRepoPath, SECRETS_DIR } from '../../kernel/ref.js';
import type { Secret } from '../../kernel/secret.js';
import { createHttp, httpOptionsFromEnv } from '../../net/http.js';
import { commitPaths } from '../../repo/git/commit.js';
import { addWorktree, deleteBranch, dirtyPaths, fetchBranch, pushNewBranch, removeWorktree, remoteUrl, workTreePrefix } from '../../repo/git/remote.js';
import { isWorkTree } from '../../repo/git/tree.js';
import { listRefFiles, readTextFile } from '../../repo/secrets-tree.js';
import { compareUrl, openGitHubRepo, PULLS_TOKEN_HINT } from '../../targets/github/pulls.js';
import { Workspace } from '../context/workspace.js';
import { applyPromote, planPromote } from '../secrets/promote.js';
import { setValue, unsetValue } from '../secrets/set-value.js';
import { syncImpact } from '../sync/impact.js';

export type ProposedChange =
  | { kind: 'set'; ref: string; key: string; value: Secret<string>; allowEmpty?: boolean }
  | { kind: 'unset'; ref: string; key: string }
  | { kind: 'promote'; from: string; to: string; path?: string; keys?: readonly string[] };

export interface ProposeOptions {
  /** The pull request's title (default: the commit's subject). */
  title?: string;
  /** Text above the generated body. */
  body?: string;
}

export interface ProposeResult {
  branch: string;
  commit: string;
  /** The branch the pull request targets. */
  base: string;
  title: string;
  pr: { number: number; url: string };
  changes: ProposalChange[];
  /** Services and targets a merge syncs (names only). */
  impact: SyncImpact;
  reviewers: string[];
}

const REMOTE = 'origin';

/** The words a branch name may carry: lower-case letters, digits and `-` (key and ref names; never a value). */
function slug(words: readonly string[]): string {
  const s = words
    .join('-')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '');
  return s.length > 80 ? s.slice(0, 80).replace(/-+$/, '') : s;
}

/** The refs a change is about, as pathspecs relative to the keyfold root (for the dirty check). */
function pathspecs(change: ProposedChange): string[] {
  if (change.kind !== 'promote') return [refToRepoPath(parseRef(change.ref).join('/'))];
  const below = change.path ? normalizeRefPrefix(change.path) : '';
  return [change.from, change.to].flatMap((env) => {
    const prefix = below ? `${env}/${below}` : env;
    return [`${SECRETS_DIR}/${prefix}`, ...(below ? [`${SECRETS_DIR}/${prefix}.yaml`] : [])];
  });
}

/** `keyfold/set-prod-providers-openai-openai-api-key-1a2b3c`: the command, ref and key names, and a random tail. */
function branchName(change: ProposedChange): string {
  const words =
    change.kind === 'promote'
      ? ['promote', change.from, change.to, ...(change.path ? [normalizeRefPrefix(change.path)] : [])]
      : [change.kind, parseRef(change.ref).join('/'), change.key];
  return `keyfold/${slug(words)}-${randomBytes(3).toString('hex')}`;
}

/** The commit's subject (and default title): names refs and keys, never a value. */
function subjectOf(change: ProposedChange, changes: readonly ProposalChange[]): string {
  if (change.kind === 'set') return `keyfold: set ${changes[0]!.added[0] ?? changes[0]!.changed[0]} in ${changes[0]!.ref}`;
  if (change.kind === 'unset') return `keyfold: remove ${changes[0]!.removed[0]} from ${changes[0]!.ref}`;
  const below = change.path ? `${normalizeRefPrefix(change.path)} ` : '';
  const n = changes.length;
  return `keyfold: promote ${below}from ${change.from} to ${change.to} (${count(n, 'ref')})`;
}

/** One line per ref: `prod/providers/openai: + OPENAI_API_KEY (write-only)`. */
export function changeLines(changes: readonly ProposalChange[]): string[] {
  return changes.map((c) => {
    const keys = [...c.added.map((k) => `+ ${k}`), ...c.changed.map((k) => `~ ${k}`), ...c.removed.map((k) => `- ${k}`)].join(', ');
    return `${c.ref}: ${keys}${c.writeOnly ? ' (write-only)' : ''}`;
  });
}

/** Make the change in `tws` (the temporary worktree); what changed, by key name. */
async function apply(tws: Workspace, change: ProposedChange): Promise<ProposalChange[]> {
  if (change.kind === 'set') {
    const r = await setValue(tws, change.ref, change.key, change.value, { allowEmpty: change.allowEmpty });
    if (r.action === 'unchanged') return [];
    const isNew = r.action === 'created' || r.action === 'added';
    return [{ ref: r.ref, file: r.file, added: isNew ? [r.key] : [], changed: isNew ? [] : [r.key], removed: [], writeOnly: r.writeOnly }];
  }
  if (change.kind === 'unset') {
    const r = await unsetValue(tws, change.ref, change.key);
    return [{ ref: r.ref, file: r.file, added: [], changed: [], removed: [r.key] }];
  }
  const plan = await planPromote(tws, change.from, change.to, { path: change.path, keys: change.keys });
  const written = await applyPromote(tws, plan);
  return written.map((e) => ({ ref: e.to, file: refToRepoPath(e.to), added: e.added, changed: e.changed, removed: [], writeOnly: e.action === 'replace' }));
}

export async function propose(ws: Workspace, change: ProposedChange, options: ProposeOptions = {}): Promise<ProposeResult> {
  const root = ws.root;
  const config = await ws.config();
  const github = config.github;
  if (!github) {
    throw new ConfigError('keyfold.yaml names no GitHub repository, so propose does not know where to open the pull request', {
      hint: 'add `github: { repo: OWNER/NAME }` to keyfold.yaml (with api_url for GitHub Enterprise Server)',
    });
  }
  const env = ws.options.env;
  const token = env['GITHUB_TOKEN'] || env['GH_TOKEN'];
  if (!token) throw new KeyfoldError('no GitHub token: GITHUB_TOKEN (or GH_TOKEN) is not set, so no pull request can be opened; nothing was changed or pushed', { hint: PULLS_TOKEN_HINT });
  if (!(await isWorkTree(root))) throw new KeyfoldError(`${root} is not a git work tree`, { hint: 'propose works in a clone of the secrets repository' });
  if (!(await remoteUrl(root, REMOTE))) throw new KeyfoldError(`this repository has no remote "${REMOTE}" to push the branch to`, { hint: `add it: git remote add ${REMOTE} <url>` });
  const dirty = await dirtyPaths(root, pathspecs(change));
  if (dirty.length > 0) {
    throw new KeyfoldError(`${dirty[0]}${dirty.length > 1 ? ` and ${count(dirty.length - 1, 'more file')}` : ''} ${plural(dirty.length, 'has', 'have')} uncommitted changes in your working tree`, {
      hint: 'propose starts from the default branch and would leave them out: commit or stash them first (`git stash`), or discard them',
    });
  }

  const http = createHttp(httpOptionsFromEnv(env));
  const client = await openGitHubRepo({ repo: github.repo, apiUrl: github.api_url, token, http });
  const base = await client.defaultBranch();
  const baseCommit = await fetchBranch(root, REMOTE, base);

  const prefix = await workTreePrefix(root);
  const temp = mkdtempSync(join(tmpdir(), 'keyfold-propose-'));
  const tree = join(temp, 'tree');
  const tempRoot = join(tree, prefix);
  const branch = branchName(change);
  let pushed = false;
  try {
    await addWorktree(root, tree, branch, baseCommit);
    // The worktree is the default branch: its policy decides (an unmerged one never does).
    const tws = new Workspace({ ...ws.options, cwd: tempRoot, repo: tempRoot, identity: ws.options.identity?.map((f) => resolve(ws.cwd, f)), worktreePolicy: true });
    const changes = await apply(tws, change);
    if (changes.length === 0) {
      throw new UsageError(`nothing to propose: ${base} already has ${change.kind === 'promote' ? 'these values' : 'this value'}`, { hint: 'nothing was pushed' });
    }
    const subject = subjectOf(change, changes);
    const files = changes.map((c) => c.file);
    const message = [subject, '', ...changeLines(changes), '', 'Proposed with `keyfold propose` (key names only; values are never in commit messages).'].join('\n');
    const commit = await commitPaths(tempRoot, files, message);

    const tempConfig = await tws.config();
    const impact = syncImpact(
      tempConfig,
      changes.map((c) => c.ref),
      listRefFiles(tempRoot).map((e) => e.ref),
    );
    const codeowners = readCodeowners(tempRoot);
    const rules = codeowners === undefined ? [] : parseCodeowners(codeowners);
    const reviewers = new Map<string, string[]>();
    for (const c of changes) {
      const owners = ownersOf(rules, prefix + c.file).join(' ');
      if (owners) reviewers.set(owners, [...(reviewers.get(owners) ?? []), c.file]);
    }
    const command = change.kind === 'promote' ? `promote ${change.from} ${change.to}` : change.kind;
    const body = renderProposalBody({ command, intro: options.body, base, changes, impact, reviewers, hasCodeowners: codeowners !== undefined });
    const title = options.title?.trim() || subject;

    await pushNewBranch(root, REMOTE, branch);
    pushed = true;
    let pr;
    try {
      pr = await client.createPull({ base, head: branch, title, body });
    } catch (e) {
      const why = e instanceof KeyfoldError ? e.message : String(e);
      throw new KeyfoldError(`branch ${branch} was pushed to ${REMOTE}, but the pull request was not opened: ${why}`, {
        hint: `open it at ${compareUrl(github.repo, github.api_url, base, branch)} (or \`gh pr create --base ${base} --head ${branch}\`)`,
      });
    }
    return { branch, commit, base, title, pr, changes, impact, reviewers: [...new Set([...reviewers.keys()].flatMap((o) => o.split(' ')))] };
  } finally {
    await removeWorktree(root, tree);
    rmSync(temp, { recursive: true, force: true });
    // Nothing pushed: nothing of the attempt is left (a pushed branch stays, also locally).
    if (!pushed) await deleteBranch(root, branch);
  }
}

function readCodeowners(root: string): string | undefined {
  try {
    return readTextFile(join(root, CODEOWNERS_FILE), CODEOWNERS_FILE);
  } catch {
    return undefined;
  }
}

/** `21 targets (14 k8s, 6 dotenv, 1 github) of 21 services`, or undefined when a merge syncs nothing. */
export function impactLine(impact: SyncImpact): string | undefined {
  if (impact.targets.length === 0) return undefined;
  const services = new Set(impact.services.map((s) => s.service)).size;
  const types = targetCounts(impact.targets)
    .map((c) => `${c.count} ${c.type}`)
    .join(', ');
  return `${count(impact.targets.length, 'target')} (${types}) of ${count(services, 'service')}`;
}
