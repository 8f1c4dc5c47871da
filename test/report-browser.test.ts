/**
 * The HTML audit report renders in headless Chromium (Debian's `chromium`, driven by
 * playwright-core) with the expected members and refs visible; a screenshot is kept
 * in test-artifacts/. Skipped only where no Chromium is installed (.ci/run installs it).
 */
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT } from './helpers/cli.js';
import { makeIdentity, makeRepo, type TestRepo } from './helpers/repo.js';

const CHROMIUM = ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find((p) => existsSync(p));
const ARTIFACTS = join(ROOT, 'test-artifacts');

describe.skipIf(!CHROMIUM)('report --html in headless Chromium', () => {
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
