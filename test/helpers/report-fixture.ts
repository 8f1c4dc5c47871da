/**
 * The HTML report fixture (test/fixtures/report): a fixed report input, the exact HTML
 * keyfold renders from it (golden), and what headless Chromium showed for that HTML.
 * test/report-fixture.test.ts checks the HTML everywhere; test/report-browser.test.ts
 * verifies it in Chromium and, with UPDATE_FIXTURES=1, records it again.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ReportData } from '../../src/formats/html.js';
import { ROOT } from './cli.js';

export const REPORT_FIXTURES = join(ROOT, 'test', 'fixtures', 'report');
export const REPORT_INPUT = join(REPORT_FIXTURES, 'input.json');
export const REPORT_GOLDEN = join(REPORT_FIXTURES, 'report.html');
export const REPORT_CHROMIUM = join(REPORT_FIXTURES, 'chromium.json');

export const readReportInput = (): ReportData => JSON.parse(readFileSync(REPORT_INPUT, 'utf8')) as ReportData;

/** What Chromium rendered from report.html (see the README there). */
export interface ChromiumRecord {
  /** browser.version() of the Chromium that recorded it. */
  chromium: string;
  /** The exact HTML it was given. */
  html: { file: string; sha256: string; bytes: number };
  viewport: { width: number; height: number };
  title: string;
  h1: string;
  /** innerText of each p.sub. */
  sub: string[];
  /** innerText of each h2. */
  sections: string[];
  matrix: {
    headers: string[];
    /** title attribute of each member column header. */
    headerTitles: string[];
    rows: Array<{ ref: string; keys: string; cells: string[]; cellClasses: string[]; cellTitles: string[] }>;
  };
  rotations: { headers: string[]; rows: string[][]; rowClasses: string[] };
  timeline: Array<{ meta: string; subject: string; lines: string[] }>;
  /** document.body.innerText */
  bodyText: string;
  /** Computed styles: the inline stylesheet applies under the page's CSP. */
  styles: Record<string, string>;
  /** Console messages and page errors while loading (`type: text`). */
  console: string[];
  pageErrors: string[];
  /** Every URL the page requested, relative to the fixture folder. */
  requests: string[];
  csp: {
    /** The Content-Security-Policy meta element's content, as the DOM has it. */
    meta: string;
    /** securitypolicyviolation events while loading. */
    violationsOnLoad: Array<{ blockedURI: string; effectiveDirective: string }>;
    /** After loading, an <img> with an https: src was added: what the CSP did with it. */
    probe: {
      violations: Array<{ blockedURI: string; effectiveDirective: string; disposition: string }>;
      /** 'none', or how Chromium reported the attempted request: 'failed: csp' (blocked by the CSP before it left the browser). */
      request: string;
    };
  };
}
