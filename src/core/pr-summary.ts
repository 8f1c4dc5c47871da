/**
 * The pull-request comment `validate --summary` writes (DESIGN §6): the verdict, the
 * changed key names per ref — never values — the services that import them, and who
 * must review. Pure: data in, Markdown out.
 */
import type { Violation } from './violation.js';
import { renderSyncImpact, type SyncImpact } from './sync-impact.js';

export interface SummaryRef {
  file: string;
  ref: string;
  status: 'added' | 'modified' | 'deleted';
  keys?: { added: string[]; changed: string[]; removed: string[] };
  reencrypted?: boolean;
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
}

const MAX_LIST = 50;

export function renderSummary(s: SummaryInput): string {
  const out: string[] = [];
  const n = s.violations.length;
  out.push(n === 0 ? '### keyfold validate: ✅ no violations' : `### keyfold validate: ❌ ${n} violation${n === 1 ? '' : 's'}`, '');
  if (s.authors.length > 0) out.push(`Judged as the least-privileged of: ${s.authors.map(code).join(', ')}, with the base branch's policy.`, '');

  if (s.refs.length > 0) {
    out.push('#### Changed secrets', '', '| ref | change | keys | imported by |', '|---|---|---|---|');
    for (const r of s.refs.slice(0, MAX_LIST)) {
      const keys: string[] = [];
      if (r.keys) {
        if (r.keys.added.length) keys.push(`added ${r.keys.added.map(code).join(', ')}`);
        if (r.keys.changed.length) keys.push(`${r.reencrypted ? 're-encrypted' : 'changed'} ${r.keys.changed.map(code).join(', ')}`);
        if (r.keys.removed.length) keys.push(`removed ${r.keys.removed.map(code).join(', ')}`);
      }
      if (r.reencrypted) keys.push('new data key');
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
      out.push(`- ${owners || '(no owner)'}: ${shown}`);
    }
  }
  out.push('');

  if (n > 0) {
    out.push('#### Violations', '');
    for (const v of s.violations.slice(0, MAX_LIST)) out.push(`- ${code(`${v.file}:${v.line}`)} **${v.rule}**: ${text(v.message)}`);
    if (n > MAX_LIST) out.push(`- …and ${n - MAX_LIST} more (see the check's annotations)`);
    out.push('');
  }
  return out.join('\n');
}

/** A name as inline code, safe in a table cell (names come from the PR, so strip what could break out). */
function code(s: string): string {
  const clean = s.replace(/[`|\r\n<>]/g, '?').replace(/[^\x20-\x7e]/g, '?');
  return '`' + (clean.length > 120 ? clean.slice(0, 117) + '…' : clean) + '`';
}

/** Message text: no HTML, no table or link syntax from the PR. */
function text(s: string): string {
  return s.replace(/[<>|\r\n]/g, ' ').replace(/[[\]]/g, (c) => `\\${c}`);
}
