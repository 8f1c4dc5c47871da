/**
 * The HTML audit report renders in headless Chromium (Debian's `chromium`, driven by
 * playwright-core) with the expected members and refs visible; a screenshot is kept
 * in test-artifacts/. Skipped, with one line saying so, where no Chromium is installed
 * (.ci/run installs it); test/report-fixture.test.ts covers the HTML there, against the
 * golden file this test verifies in Chromium.
 *
 * The golden report (test/fixtures/report): report.html, rendered from input.json, must
 * render in Chromium as recorded in chromium.json. `UPDATE_FIXTURES=1 npx vitest run
 * test/report-browser.test.ts` renders report.html again and records what Chromium shows.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { renderReport } from '../src/formats/html.js';
import { ROOT } from './helpers/cli.js';
import { REPORT_CHROMIUM, REPORT_FIXTURES, REPORT_GOLDEN, readReportInput, type ChromiumRecord } from './helpers/report-fixture.js';
import { makeIdentity, makeRepo, type TestRepo } from './helpers/repo.js';
import { CHROMIUM as CHROMIUM_BROWSER, TOOLS, liveChecks } from './helpers/tools.js';

const CHROMIUM = TOOLS.chromium;
const ARTIFACTS = join(ROOT, 'test-artifacts');
const browserLive = liveChecks(CHROMIUM_BROWSER);

browserLive.describe('report --html in headless Chromium', () => {
  let repo: TestRepo;
  let html: string;
  const canary = `CANARY-REPORT-${Date.now()}`;

  beforeAll(async () => {
    repo = await makeRepo();
    const dev = makeIdentity(join(repo.dir, '..', 'keys'), 'devon');
    expect((await repo.run(['member', 'add', 'devon', '--recipient', dev.recipient, '--role', 'admin'])).code).toBe(0);
    expect((await repo.run(['set', 'dev/providers/openrouter', 'OPENROUTER_API_KEY', '--stdin'], { input: canary })).code).toBe(0);
    expect((await repo.run(['set', 'prod/api/db', 'DATABASE_URL', '--stdin'], { input: canary + '-prod' })).code).toBe(0);
    repo.git('add', '-A');
    repo.git('commit', '-qm', 'Add provider keys (#7)');
    expect((await repo.run(['member', 'remove', 'devon'])).code).toBe(0);
    expect((await repo.run(['recipients', 'sync'])).code).toBe(0);
    repo.git('add', '-A');
    repo.git('commit', '-qm', 'Offboard devon');
    html = join(repo.dir, '..', 'report.html');
    const r = await repo.run(['report', '--html', html]);
    expect(r.code, r.stderr).toBe(0);
  });
  afterAll(() => repo?.cleanup());

  it('is self-contained and holds no secret value', () => {
    const text = readFileSync(html, 'utf8');
    expect(text).not.toContain(canary);
    expect(text).not.toMatch(/<script|https?:\/\/|src=|<link/i);
  });

  it('renders the matrix, rotations and timeline', async () => {
    const { chromium } = await import('playwright-core');
    const browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
    try {
      const page = await browser.newPage({ viewport: { width: 1100, height: 900 } });
      const requests: string[] = [];
      page.on('request', (r) => requests.push(r.url()));
      await page.goto(`file://${html}`);
      await expect(page.locator('h1').textContent()).resolves.toBe('keyfold access report');
      const headers = await page.locator('table.matrix thead th').allTextContents();
      expect(headers).toEqual(['ref', 'admin']);
      const refs = await page.locator('table.matrix tbody th.ref').allTextContents();
      expect(refs.map((r) => r.split(/[A-Z_]{3,}/)[0])).toEqual(['dev/providers/openrouter', 'prod/api/db']);
      await expect(page.locator('table.matrix tbody td').first().textContent()).resolves.toBe('rw');
      const rotations = await page.locator('table.rot tbody tr').allTextContents();
      expect(rotations.some((r) => r.includes('pending') && r.includes('prod/api/db') && r.includes('DATABASE_URL') && r.includes('devon'))).toBe(true);
      const timeline = await page.locator('ol.timeline > li .subject').allTextContents();
      expect(timeline).toEqual(['Offboard devon', 'Add provider keys (#7)']);
      expect(await page.locator('body').textContent()).not.toContain(canary);
      expect(requests.every((u) => u.startsWith('file://'))).toBe(true);
      mkdirSync(ARTIFACTS, { recursive: true });
      await page.screenshot({ path: join(ARTIFACTS, 'report.png'), fullPage: true });
      expect(existsSync(join(ARTIFACTS, 'report.png'))).toBe(true);
    } finally {
      await browser.close();
    }
  });
});

const LAUNCH_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
const VIEWPORT = { width: 1100, height: 900 };
const PROBE = 'https://keyfold-csp-probe.invalid/pixel.png';

/** What Chromium shows for report.html (the fields of chromium.json). */
async function observe(browser: Browser): Promise<ChromiumRecord> {
  const html = readFileSync(REPORT_GOLDEN);
  const page: Page = await browser.newPage({ viewport: VIEWPORT });
  const consoleMessages: string[] = [];
  const pageErrors: string[] = [];
  const requests: string[] = [];
  page.on('console', (m) => consoleMessages.push(`${m.type()}: ${m.text()}`));
  page.on('pageerror', (e) => pageErrors.push(String(e)));
  page.on('request', (r) => requests.push(r.url()));
  const failed = new Map<string, string>();
  page.on('requestfailed', (r) => failed.set(r.url(), r.failure()?.errorText ?? '?'));
  // Injected by the browser, not by the page, so the page's CSP does not apply to it.
  await page.addInitScript(
    "window.__csp = []; document.addEventListener('securitypolicyviolation', (e) => window.__csp.push({ blockedURI: e.blockedURI, effectiveDirective: e.effectiveDirective, disposition: e.disposition }));",
  );
  await page.goto(pathToFileURL(REPORT_GOLDEN).href, { waitUntil: 'load' });

  const texts = (sel: string) => page.locator(sel).allInnerTexts();
  const attrs = async (sel: string, name: string) => Promise.all((await page.locator(sel).all()).map(async (l) => (await l.getAttribute(name)) ?? ''));
  const rows: ChromiumRecord['matrix']['rows'] = [];
  for (const tr of await page.locator('table.matrix tbody tr').all()) {
    rows.push({
      ref: await tr.locator('th.ref').innerText(),
      keys: await tr.locator('th.ref .keys').innerText(),
      cells: await tr.locator('td').allInnerTexts(),
      cellClasses: await Promise.all((await tr.locator('td').all()).map(async (l) => (await l.getAttribute('class')) ?? '')),
      cellTitles: await Promise.all((await tr.locator('td').all()).map(async (l) => (await l.getAttribute('title')) ?? '')),
    });
  }
  const rotationRows: string[][] = [];
  for (const tr of await page.locator('table.rot tbody tr').all()) rotationRows.push(await tr.locator('td').allInnerTexts());
  const timeline: ChromiumRecord['timeline'] = [];
  for (const li of await page.locator('ol.timeline > li').all()) {
    timeline.push({ meta: await li.locator('.meta').innerText(), subject: await li.locator('.subject').innerText(), lines: await li.locator('ul > li').allInnerTexts() });
  }
  const style = async (sel: string, prop: string) => String(await page.evaluate(`getComputedStyle(document.querySelector(${JSON.stringify(sel)}))[${JSON.stringify(prop)}]`));
  const styles = {
    'td.c-rw background-color': await style('td.c-rw', 'backgroundColor'),
    'td.c-bg background-color': await style('td.c-bg', 'backgroundColor'),
    'tr.s-pending td background-color': await style('tr.s-pending td', 'backgroundColor'),
    'table border-collapse': await style('table.matrix', 'borderCollapse'),
    'h1 margin-top': await style('h1', 'marginTop'),
  };
  const record: Omit<ChromiumRecord, 'csp' | 'console' | 'pageErrors' | 'requests'> = {
    chromium: browser.version(),
    html: { file: 'report.html', sha256: createHash('sha256').update(html).digest('hex'), bytes: html.length },
    viewport: VIEWPORT,
    title: await page.title(),
    h1: await page.locator('h1').innerText(),
    sub: await texts('p.sub'),
    sections: await texts('h2'),
    matrix: { headers: await texts('table.matrix thead th'), headerTitles: await attrs('table.matrix thead th[scope=col]', 'title'), rows },
    rotations: { headers: await texts('table.rot thead th'), rows: rotationRows, rowClasses: await attrs('table.rot tbody tr', 'class') },
    timeline,
    bodyText: await page.locator('body').innerText(),
    styles,
  };
  const cspMeta = (await page.locator('meta[http-equiv="Content-Security-Policy"]').getAttribute('content')) ?? '';
  const violationsOnLoad = (await page.evaluate('window.__csp.slice()')) as ChromiumRecord['csp']['violationsOnLoad'];
  const onLoad = { console: [...consoleMessages], pageErrors: [...pageErrors], requests: requests.map((u) => (u.startsWith('file://') ? relative(REPORT_FIXTURES, new URL(u).pathname) : u)) };

  mkdirSync(ARTIFACTS, { recursive: true });
  await page.screenshot({ path: join(ARTIFACTS, 'report-golden.png'), fullPage: true });

  // CSP probe: an external image added after load must be blocked, never fetched.
  await page.evaluate(`(() => { const i = document.createElement('img'); i.src = ${JSON.stringify(PROBE)}; document.body.appendChild(i); })()`);
  await page.waitForFunction(`window.__csp.length > ${violationsOnLoad.length}`, undefined, { timeout: 10_000 });
  const probeViolations = ((await page.evaluate('window.__csp.slice()')) as ChromiumRecord['csp']['probe']['violations']).slice(violationsOnLoad.length);
  // Chromium reports the attempt as a request that failed before reaching the network.
  if (requests.includes(PROBE)) await expect.poll(() => failed.get(PROBE), { timeout: 10_000 }).toBeDefined();

  await page.close();
  return {
    ...record,
    ...onLoad,
    csp: { meta: cspMeta, violationsOnLoad, probe: { violations: probeViolations, request: requests.includes(PROBE) ? `failed: ${failed.get(PROBE)}` : 'none' } },
  };
}

browserLive.describe('the golden report (test/fixtures/report) in headless Chromium', () => {
  const update = process.env['UPDATE_FIXTURES'] === '1';
  const ws = (s: string) => s.replace(/\s+/g, ' ').trim();

  it(update ? 'UPDATE_FIXTURES=1: renders report.html from input.json and records what Chromium shows' : 'report.html renders as recorded in chromium.json; no console output, no request but itself, CSP enforced', async () => {
    if (update) writeFileSync(REPORT_GOLDEN, renderReport(readReportInput()));
    const { chromium } = await import('playwright-core');
    const browser = await chromium.launch({ executablePath: CHROMIUM, args: LAUNCH_ARGS });
    let seen: ChromiumRecord;
    try {
      seen = await observe(browser);
    } finally {
      await browser.close();
    }
    // What has to hold whatever was recorded.
    expect(seen.console).toEqual([]);
    expect(seen.pageErrors).toEqual([]);
    expect(seen.requests).toEqual(['report.html']);
    expect(seen.csp.meta).toBe("default-src 'none'; style-src 'unsafe-inline'");
    expect(seen.csp.violationsOnLoad).toEqual([]);
    expect(seen.csp.probe.request).toMatch(/^(none|failed: (csp|net::ERR_BLOCKED_BY_CSP))$/);
    expect(seen.csp.probe.violations).toEqual([{ blockedURI: PROBE, effectiveDirective: 'img-src', disposition: 'enforce' }]);
    expect(seen.styles['td.c-rw background-color']).toBe('rgb(207, 233, 214)');
    if (update) writeFileSync(REPORT_CHROMIUM, JSON.stringify(seen, null, 2) + '\n');

    const recorded = JSON.parse(readFileSync(REPORT_CHROMIUM, 'utf8')) as ChromiumRecord;
    // The golden HTML is the one that was verified, and Chromium shows what it showed then
    // (innerText compared with whitespace collapsed: its line breaks vary across versions).
    expect(seen.html).toEqual(recorded.html);
    expect({ ...seen, chromium: '', bodyText: ws(seen.bodyText) }).toEqual({ ...recorded, chromium: '', bodyText: ws(recorded.bodyText) });
    expect(existsSync(join(ARTIFACTS, 'report-golden.png'))).toBe(true);
  });
});
