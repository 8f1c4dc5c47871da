/**
 * The pull-request comment `validate --summary` writes (README, CI): the verdict, the
 * changed key names per ref — never values — the services that import them, and who
 * must review. Pure: data in, Markdown out.
 *
 * Every name and message comes from the pull request, so none reaches the Markdown as
 * markup: each is an inline code span (no @mention, link, HTML, emphasis or table cell
 * break can start inside one), with backticks and `|` replaced and everything outside
 * printable ASCII escaped.
 */
import { count, printableName } from '../kernel/names.js';
import type { Violation } from './violation.js';
import { renderSyncImpact, type SyncImpact } from './sync-impact.js';

export interface SummaryRef {
  file: string;
  ref: string;
  status: 'added' | 'modified' | 'deleted';
  keys?: { added: string[]; changed: string[]; removed: string[] };
  reencrypted?: boolean;
  /** Re-encrypted by an author who cannot read the ref (a write-only replacement). */
  writeOnly?: boolean;
  recipientsChanged?: boolean;
  /** Services importing the ref, each with the targets of its environment. */
  services: Array<{ name: string; targets: string[] }>;
}

export interface SummaryInput {
  violations: readonly Violation[];
  refs: readonly SummaryRef[];
  /** The services and targets a merge syncs (names only). */
  sync?: SyncImpact;
  /** Changed files outside `secrets/`. */
  otherFiles: ReadonlyArray<{ file: string; status: string }>;
  /** Owners (CODEOWNERS of the base) → the changed files they own. */
  reviewers: ReadonlyMap<string, string[]>;
  /** Whether the base had a CODEOWNERS file. */
  hasCodeowners: boolean;
  authors: readonly string[];
  /**
   * Files the last CI re-key (S6) of an environment could not open (an unverified
   * record: informative). Present files only.
   */
  unopenable?: ReadonlyArray<{ env: string; ref: string }>;
}

const MAX_LIST = 50;

const OWNER_RE = /^@[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})(?:\/[A-Za-z0-9_.-]{1,100})?$/;

export function renderSummary(s: SummaryInput): string {
  const out: string[] = [];
  const n = s.violations.length;
  out.push(n === 0 ? '### keyfold validate: ✅ no violations' : `### keyfold validate: ❌ ${count(n, 'violation')}`, '');
  if (s.authors.length > 0) out.push(`Judged as the least-privileged of: ${s.authors.map(code).join(', ')}, with the base branch's policy.`, '');

  if (s.refs.length > 0) {
    out.push('#### Changed secrets', '', '| ref | change | keys | imported by |', '|---|---|---|---|');
    for (const r of s.refs.slice(0, MAX_LIST)) {
      const keys: string[] = [];
      if (r.writeOnly) {
        // Said plainly: a reviewer must not read this as a routine re-encryption.
        keys.push(
          `**value replaced by an author who cannot read it**: ${r.keys?.changed.map(code).join(', ') || 'every key'} — re-encrypted with a fresh data key, every key in the file is new; no reviewer can see the old or new value`,
        );
        if (r.keys?.added.length) keys.push(`added ${r.keys.added.map(code).join(', ')}`);
        if (r.keys?.removed.length) keys.push(`removed ${r.keys.removed.map(code).join(', ')}`);
      } else {
        if (r.keys) {
          if (r.keys.added.length) keys.push(`added ${r.keys.added.map(code).join(', ')}`);
          if (r.keys.changed.length) keys.push(`${r.reencrypted ? 're-encrypted' : 'changed'} ${r.keys.changed.map(code).join(', ')}`);
          if (r.keys.removed.length) keys.push(`removed ${r.keys.removed.map(code).join(', ')}`);
        }
        if (r.reencrypted) keys.push('fresh data key: every key in the file is new, so any value may have been replaced (only a reader can tell: `keyfold log --decrypt`)');
      }
      if (r.recipientsChanged) keys.push('**recipients changed**');
      const services = r.services.length
        ? r.services.map((sv) => `${code(sv.name)}${sv.targets.length ? ` → ${sv.targets.map(code).join(', ')}` : ''}`).join('<br>')
        : '—';
      out.push(`| ${code(r.ref)} | ${r.status} | ${keys.join('; ') || '—'} | ${services} |`);
    }
    if (s.refs.length > MAX_LIST) out.push('', `…and ${s.refs.length - MAX_LIST} more refs.`);
    out.push('');
  }

  if (s.otherFiles.length > 0) {
    out.push('#### Other changed files', '');
    for (const f of s.otherFiles.slice(0, MAX_LIST)) out.push(`- ${code(f.file)} (${f.status})`);
    if (s.otherFiles.length > MAX_LIST) out.push(`- …and ${s.otherFiles.length - MAX_LIST} more`);
    out.push('');
  }

  if (s.sync) out.push(...renderSyncImpact(s.sync, code));

  out.push('#### Required reviewers', '');
  if (!s.hasCodeowners) out.push('The base branch has no `.github/CODEOWNERS`.');
  else if (s.reviewers.size === 0) out.push('No code owners for the changed files.');
  else {
    for (const [owners, files] of s.reviewers) {
      const shown = files.slice(0, 10).map(code).join(', ') + (files.length > 10 ? `, …(${files.length - 10} more)` : '');
      // Owners come from the base commit's CODEOWNERS (admin-only): a well-formed @login or
      // @org/team is a mention, as intended; anything else is shown as code.
      out.push(`- ${owners ? owners.split(' ').map((o) => (OWNER_RE.test(o) ? o : code(o))).join(' ') : '(no owner)'}: ${shown}`);
    }
  }
  out.push('');

  if (s.unopenable?.length) {
    out.push(
      '#### Files CI could not open',
      '',
      "The last re-key after a merge (`recipients sync --rekey-merged`) could not open these files with the environment's CI identity, so they have no fresh data key and that environment's sync is blocked. A reader must give them a fresh data key (`keyfold rotate REF`) or delete them:",
      '',
    );
    for (const u of s.unopenable.slice(0, MAX_LIST)) out.push(`- ${code(u.ref)} (${code(u.env)})`);
    if (s.unopenable.length > MAX_LIST) out.push(`- …and ${s.unopenable.length - MAX_LIST} more`);
    out.push('');
  }

  if (n > 0) {
    out.push('#### Violations', '');
    for (const v of s.violations.slice(0, MAX_LIST)) out.push(`- ${code(`${v.file}:${v.line}`)} **${v.rule}**: ${inlineCode(v.message, 400)}`);
    if (n > MAX_LIST) out.push(`- …and ${n - MAX_LIST} more (see the check's annotations)`);
    out.push('');
  }
  return out.join('\n');
}

/**
 * A name or message as inline code, safe in a table cell: nothing in a code span is
 * markup (GitHub makes no @mention, link or HTML there); a backtick (which would end
 * it) and `|` (which would end the cell) become `?`, and everything outside printable
 * ASCII is escaped (`\n`, `\x1b`, `\u0430`), homoglyphs and bidi overrides included.
 */
export function code(s: string): string {
  return inlineCode(s, 120);
}

/** `code` for a longer text (a violation's message). */
function inlineCode(s: string, max: number): string {
  const clean = printableName(s)
    .replace(/[`|]/g, '?')
    .replace(/[^\x20-\x7e]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
  return '`' + (clean.length > max ? clean.slice(0, max - 1) + '…' : clean) + '`';
}
