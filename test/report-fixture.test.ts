/**
 * The HTML report without a browser, against test/fixtures/report: keyfold renders the
 * fixed input to exactly the golden HTML, and that HTML is the one Chromium was shown
 * when chromium.json was recorded (test/report-browser.test.ts verifies it there and
 * re-records it with UPDATE_FIXTURES=1). So any change to the report's HTML fails here
 * until it has been looked at in Chromium again.
 *
 * The structural checks read the golden HTML with a few regular expressions (it is
 * small, fixed and machine-written) and compare with what Chromium rendered: the same
 * rows, columns, texts and classes; and the recording itself shows no console output,
 * no request but the file, and an enforced CSP.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { renderReport } from '../src/formats/html.js';
import { REPORT_CHROMIUM, REPORT_GOLDEN, readReportInput, type ChromiumRecord } from './helpers/report-fixture.js';

const input = readReportInput();
const golden = readFileSync(REPORT_GOLDEN);
const html = golden.toString('utf8');
const chromium = JSON.parse(readFileSync(REPORT_CHROMIUM, 'utf8')) as ChromiumRecord;

const unescape = (s: string) => s.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&amp;/g, '&');
/** Text of an HTML fragment: tags dropped, entities decoded, whitespace runs collapsed (as innerText does here). */
const text = (s: string) => unescape(s.replace(/<[^>]*>/g, '')).replace(/\s+/g, ' ').trim();
const all = (re: RegExp, s: string) => [...s.matchAll(re)].map((m) => m[1]!);
const one = (re: RegExp, s: string) => {
  const m = re.exec(s);
  if (!m) throw new Error(`not found: ${re}`);
  return m[1]!;
};

describe('the HTML report, checked against the golden file verified in Chromium', () => {
  it('renderReport(input.json) is report.html byte for byte', () => {
    const now = renderReport(input);
    // On failure: the report's HTML changed. Look at it in Chromium and record it again:
    //   UPDATE_FIXTURES=1 npx vitest run test/report-browser.test.ts
    expect(now).toBe(html);
    expect(Buffer.from(now, 'utf8').equals(golden)).toBe(true);
  });

  it('report.html is the file Chromium verified (chromium.json names its SHA-256)', () => {
    expect(chromium.html).toEqual({ file: 'report.html', sha256: createHash('sha256').update(golden).digest('hex'), bytes: golden.length });
    expect(chromium.chromium).toMatch(/^\d+\.\d+\.\d+\.\d+$/);
  });

  it('the recording shows no console output or page error, no request but the file itself, and an enforced CSP', () => {
    expect(chromium.console).toEqual([]);
    expect(chromium.pageErrors).toEqual([]);
    expect(chromium.requests).toEqual(['report.html']);
    expect(chromium.csp.violationsOnLoad).toEqual([]);
    expect(chromium.csp.probe.violations).toEqual([{ blockedURI: expect.stringMatching(/^https:\/\//), effectiveDirective: 'img-src', disposition: 'enforce' }]);
    expect(chromium.csp.probe.request).toMatch(/^(none|failed: (csp|net::ERR_BLOCKED_BY_CSP))$/);
    // The inline stylesheet applied under that CSP (style-src 'unsafe-inline').
    expect(chromium.styles['td.c-rw background-color']).toBe('rgb(207, 233, 214)');
  });

  it('is self-contained: the CSP meta comes first in <head>; no script, link, external URL, src or event handler', () => {
    const head = one(/<head>([\s\S]*?)<\/head>/, html);
    const csp = one(/<meta http-equiv="Content-Security-Policy" content="([^"]*)">/, head);
    expect(unescape(csp)).toBe(chromium.csp.meta);
    expect(head.indexOf('Content-Security-Policy')).toBeLessThan(head.indexOf('<style>'));
    expect(head.indexOf('Content-Security-Policy')).toBeLessThan(head.indexOf('<title>'));
    expect(html).not.toMatch(/<script|<link|<iframe|<object|<embed|<img|https?:\/\/|\/\/[a-z]|\bsrc=|\bhref=|\son[a-z]+=|url\(/i);
    expect(html.startsWith('<!doctype html>\n<html lang="en"><head><meta charset="utf-8">\n')).toBe(true);
    expect(html.endsWith('</body></html>\n')).toBe(true);
  });

  it('title, heading, summary lines and sections are what Chromium showed', () => {
    expect(text(one(/<title>([\s\S]*?)<\/title>/, html))).toBe(chromium.title);
    expect(all(/<h1>([\s\S]*?)<\/h1>/g, html).map(text)).toEqual([chromium.h1]);
    expect(all(/<p class="sub">([\s\S]*?)<\/p>/g, html).map(text)).toEqual(chromium.sub);
    expect(all(/<h2[^>]*>([\s\S]*?)<\/h2>/g, html).map(text)).toEqual(chromium.sections);
  });

  it('the access matrix: one column per member, one row per ref, the cells Chromium showed', () => {
    const table = one(/<table class="matrix">([\s\S]*?)<\/table>/, html);
    const thead = one(/<thead>([\s\S]*?)<\/thead>/, table);
    expect(all(/<th[^>]*>([\s\S]*?)<\/th>/g, thead).map(text)).toEqual(chromium.matrix.headers);
    expect(all(/<th scope="col" title="([^"]*)"/g, thead).map(unescape)).toEqual(chromium.matrix.headerTitles);
    expect(chromium.matrix.headers).toEqual(['ref', ...input.members.map((m) => m.name)]);

    const rows = all(/<tr>([\s\S]*?)<\/tr>/g, one(/<tbody>([\s\S]*?)<\/tbody>/, table));
    expect(rows).toHaveLength(input.matrix.length);
    expect(rows).toHaveLength(chromium.matrix.rows.length);
    rows.forEach((row, i) => {
      const seen = chromium.matrix.rows[i]!;
      const th = one(/<th scope="row" class="ref">([\s\S]*?)<\/th>/, row);
      const ref = text(th.replace(/<div class="keys">[\s\S]*?<\/div>/, ''));
      const keys = text(one(/<div class="keys">([\s\S]*?)<\/div>/, th));
      expect(`${ref}\n${keys}`).toBe(seen.ref);
      expect(keys).toBe(seen.keys);
      const tds = [...row.matchAll(/<td class="([^"]*)" title="([^"]*)">([\s\S]*?)<\/td>/g)];
      expect(tds).toHaveLength(input.members.length);
      expect(tds.map((m) => text(m[3]!))).toEqual(seen.cells);
      expect(tds.map((m) => m[1])).toEqual(seen.cellClasses);
      expect(tds.map((m) => unescape(m[2]!))).toEqual(seen.cellTitles);
    });
  });

  it('rotations and timeline are what Chromium showed', () => {
    const rot = one(/<table class="rot">([\s\S]*?)<\/table>/, html);
    expect(all(/<th>([\s\S]*?)<\/th>/g, rot).map(text)).toEqual(chromium.rotations.headers);
    const rotRows = [...one(/<tbody>([\s\S]*?)<\/tbody>/, rot).matchAll(/<tr class="([^"]*)">([\s\S]*?)<\/tr>/g)];
    expect(rotRows.map((m) => m[1])).toEqual(chromium.rotations.rowClasses);
    expect(rotRows.map((m) => all(/<td>([\s\S]*?)<\/td>/g, m[2]!).map(text))).toEqual(chromium.rotations.rows);
    expect(rotRows).toHaveLength(input.rotations.length);

    const items = all(/^<li>([\s\S]*?)<\/li>$/gm, one(/<ol class="timeline">\n([\s\S]*?)\n<\/ol>/, html));
    expect(items).toHaveLength(input.timeline.length);
    expect(
      items.map((li) => ({
        meta: text(one(/<div class="meta">([\s\S]*?)<\/div>/, li)),
        subject: text(one(/<div class="subject">([\s\S]*?)<\/div>/, li)),
        lines: all(/<li>([\s\S]*?)<\/li>/g, /<ul>([\s\S]*)<\/ul>/.exec(li)?.[1] ?? '').map(text),
      })),
    ).toEqual(chromium.timeline);
  });

  it('every string from the input is escaped: markup in names, keys and subjects shows as text', () => {
    expect(html).not.toContain('<b>');
    expect(html).toContain('Rotate &lt;b&gt;not bold&lt;/b&gt; &amp; &quot;quoted&quot; STRIPE key');
    expect(html).toContain('o&#39;brien &lt;&amp;co&gt;');
    expect(html).toContain('WEBHOOK_&lt;SIGNING&gt;_SECRET');
    expect(chromium.bodyText).toContain('Rotate <b>not bold</b> & "quoted" STRIPE key');
  });
});
