/**
 * The pull request `propose` opens: its body lists the changed key names per ref —
 * never values — the services that import them, the targets a merge syncs, and the
 * reviewers the base branch's CODEOWNERS requires. Pure: data in, Markdown out.
 */
import { printableName } from '../kernel/names.js';
import { renderSyncImpact, type SyncImpact } from './sync-impact.js';

export interface ProposalChange {
  ref: string;
  /** Repository-relative path of its file. */
  file: string;
  added: string[];
  changed: string[];
  removed: string[];
  /** Written by an author who cannot read it back (encrypted to the ref's readers). */
  writeOnly?: boolean;
}

export interface ProposalInput {
  /** `set`, `unset`, `promote dev staging`. */
  command: string;
  /** The author's own text (`--body`), above the generated sections. */
  intro?: string;
  /** The branch the pull request targets. */
  base: string;
  changes: readonly ProposalChange[];
  impact: SyncImpact;
  /** Owners (the base's CODEOWNERS) → the changed files they own. */
  reviewers: ReadonlyMap<string, string[]>;
  hasCodeowners: boolean;
}

const MAX_ROWS = 50;
const OWNER_RE = /^@[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})(?:\/[A-Za-z0-9_.-]{1,100})?$/;

/** A name as inline code, safe in a table cell: no backtick or `|`, printable ASCII only. */
export function inlineCode(s: string): string {
  const clean = printableName(s)
    .replace(/[`|]/g, '?')
    .replace(/[^\x20-\x7e]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
  return '`' + (clean.length > 120 ? clean.slice(0, 119) + '…' : clean) + '`';
}

const list = (names: readonly string[]) => names.map(inlineCode).join(', ');

export function renderProposalBody(p: ProposalInput): string {
  const out: string[] = [];
  if (p.intro?.trim()) out.push(p.intro.trim(), '');
  out.push(`Proposed with \`keyfold propose ${p.command}\`. Key names only: no value is in this pull request's text, its branch name or its commit message.`, '');

  out.push('### Changed secrets', '', '| ref | keys |', '|---|---|');
  for (const c of p.changes.slice(0, MAX_ROWS)) {
    const keys: string[] = [];
    if (c.added.length) keys.push(`added ${list(c.added)}`);
    if (c.changed.length) keys.push(`changed ${list(c.changed)}`);
    if (c.removed.length) keys.push(`removed ${list(c.removed)}`);
    if (c.writeOnly) keys.push("**write-only**: encrypted to the ref's readers by the policy; the author cannot read it back");
    out.push(`| ${inlineCode(c.ref)} | ${keys.join('; ') || '—'} |`);
  }
  if (p.changes.length > MAX_ROWS) out.push('', `…and ${p.changes.length - MAX_ROWS} more refs.`);
  out.push('');

  out.push('### Services', '');
  if (p.impact.services.length === 0) out.push('No service imports the changed refs.', '');
  else {
    out.push('| service | environment | imports | targets |', '|---|---|---|---|');
    for (const s of p.impact.services.slice(0, MAX_ROWS)) out.push(`| ${inlineCode(s.service)} | ${inlineCode(s.env)} | ${list(s.refs)} | ${list(s.targets) || '—'} |`);
    if (p.impact.services.length > MAX_ROWS) out.push('', `…and ${p.impact.services.length - MAX_ROWS} more services.`);
    out.push('');
  }

  out.push(...renderSyncImpact(p.impact, inlineCode, 3));

  out.push('### Required reviewers', '');
  if (!p.hasCodeowners) out.push(`${inlineCode(p.base)} has no \`.github/CODEOWNERS\`.`);
  else if (p.reviewers.size === 0) out.push('No code owners for the changed files.');
  else {
    for (const [owners, files] of p.reviewers) {
      const who = owners.split(' ').map((o) => (OWNER_RE.test(o) ? o : inlineCode(o))).join(' ');
      out.push(`- ${who}: ${list(files.slice(0, 10))}${files.length > 10 ? `, …(${files.length - 10} more)` : ''}`);
    }
  }
  out.push('');
  out.push(`CI (\`keyfold validate --base\`) judges this change by ${inlineCode(p.base)}'s policy. After the merge, CI gives new and re-keyed files a fresh data key (\`keyfold recipients sync --rekey-merged\`) and syncs the targets above.`, '');
  return out.join('\n');
}
