/**
 * The self-contained HTML audit report: access matrix, timeline, pending rotations.
 * No scripts, no external resources; every string is escaped. Key names only, never
 * values.
 */
import { printableName } from '../kernel/names.js';

export interface ReportData {
  generated: string;
  repo: string;
  members: Array<{ name: string; kind: string; roles: string[] }>;
  /** One row per ref: per member `r`, `w`, `rw`, `bg` (break-glass custodian) or ''. */
  matrix: Array<{ ref: string; keys: string[]; cells: Record<string, string> }>;
  timeline: Array<{ sha: string; date: string; author: string; subject: string; pr?: number; lines: string[] }>;
  rotations: Array<{ member: string; removed: string; ref: string; key: string; status: string }>;
  /** Files under secrets/ the report could not use (listed on the page when any). */
  skipped?: Array<{ file: string; message: string }>;
}

const esc = (s: string) => printableName(s).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');

const CELL_LABEL: Record<string, string> = { rw: 'read + write', r: 'read', w: 'write only', bg: 'break-glass' };

export function renderReport(d: ReportData): string {
  const head = d.members.map((m) => `<th scope="col" title="${esc(m.kind)}${m.roles.length ? ': ' + esc(m.roles.join(', ')) : ''}">${esc(m.name)}</th>`).join('');
  const rows = d.matrix
    .map(
      (r) =>
        `<tr><th scope="row" class="ref">${esc(r.ref)}<div class="keys">${esc(r.keys.join(', '))}</div></th>${d.members
          .map((m) => {
            const c = r.cells[m.name] ?? '';
            return `<td class="c-${esc(c || 'none')}" title="${esc(CELL_LABEL[c] ?? 'no access')}">${esc(c)}</td>`;
          })
          .join('')}</tr>`,
    )
    .join('\n');
  const timeline = d.timeline
    .map(
      (e) =>
        `<li><div class="meta"><code>${esc(e.sha.slice(0, 12))}</code> ${esc(e.date.slice(0, 10))} · ${esc(e.author)}${e.pr !== undefined ? ` · PR #${e.pr}` : ''}</div><div class="subject">${esc(e.subject)}</div>${
          e.lines.length ? `<ul>${e.lines.map((l) => `<li>${esc(l)}</li>`).join('')}</ul>` : ''
        }</li>`,
    )
    .join('\n');
  const pending = d.rotations.filter((r) => r.status === 'pending');
  const rotations = d.rotations.length
    ? `<table class="rot"><thead><tr><th>status</th><th>ref</th><th>key</th><th>member</th><th>removed</th></tr></thead><tbody>${d.rotations
        .map((r) => `<tr class="s-${esc(r.status)}"><td>${esc(r.status)}</td><td>${esc(r.ref)}</td><td>${esc(r.key)}</td><td>${esc(r.member)}</td><td>${esc(r.removed.slice(0, 10))}</td></tr>`)
        .join('')}</tbody></table>`
    : '<p>No member removals recorded.</p>';
  const skipped = d.skipped?.length
    ? `<h2 id="skipped">Files not read</h2>\n<p class="sub">Left out of the matrix: each is damaged or not a ref's file (<code>keyfold validate</code> names the problem).</p>\n<ul class="skipped">${d.skipped
        .map((s) => `<li><code>${esc(s.file)}</code>: ${esc(s.message)}</li>`)
        .join('')}</ul>\n`
    : '';
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<title>keyfold access report</title>
<style>
body{font:14px/1.45 system-ui,sans-serif;margin:2rem;color:#1d2330}
h1{margin:0 0 .2rem}h2{margin-top:2rem;border-bottom:1px solid #ddd}
.sub{color:#667}
table{border-collapse:collapse}th,td{border:1px solid #d8dbe2;padding:.3rem .5rem;text-align:center}
th.ref{text-align:left;font-weight:600}.keys{font-weight:400;color:#667;font-size:12px}
td.c-rw{background:#cfe9d6}td.c-r{background:#e3f0fb}td.c-w{background:#fff1c9}td.c-bg{background:#f3d9f0}
ol.timeline{list-style:none;padding:0}ol.timeline>li{border-left:3px solid #8aa4d6;padding:.3rem .8rem;margin:.6rem 0}
.meta{color:#667;font-size:12px}.subject{font-weight:600}
table.rot td{text-align:left}tr.s-pending td{background:#fde2e1}tr.s-done td{background:#e1f5e4}
</style></head><body>
<h1>keyfold access report</h1>
<p class="sub">${esc(d.repo)} · generated ${esc(d.generated)} · ${d.matrix.length} refs · ${d.members.length} members · ${pending.length} value(s) pending rotation</p>
<h2 id="matrix">Access matrix</h2>
<p class="sub">rw read and write · r read · w write only · bg break-glass custodian (needs the threshold of custodians)</p>
<table class="matrix"><thead><tr><th>ref</th>${head}</tr></thead><tbody>
${rows}
</tbody></table>
${skipped}<h2 id="rotations">Rotations after member removals</h2>
${rotations}
<h2 id="timeline">Timeline</h2>
<ol class="timeline">
${timeline}
</ol>
</body></html>
`;
}
