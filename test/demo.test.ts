/**
 * `npm run demo` (scripts/demo.sh) is the README's tour of keyfold: it must keep working
 * on a fresh machine with only Node and git (after `npm ci` and the build the suite runs
 * first). Runs it as is — nothing skipped — and checks that it exits 0, tells every part
 * of the story, prints no value, and leaves nothing behind.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ROOT, tempDir } from './helpers/cli.js';

const tmp = tempDir('keyfold-demo-');
afterAll(() => tmp.cleanup());

function runDemo(): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve, reject) => {
    // A bare environment: only PATH (node, git, bash) and a HOME of its own.
    const child = spawn('bash', [join(ROOT, 'scripts', 'demo.sh')], { cwd: tmp.path, env: { PATH: process.env['PATH'] ?? '/usr/bin:/bin', HOME: tmp.path, LANG: 'C.UTF-8' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (out += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), 170_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, out });
    });
  });
}

describe('npm run demo', () => {
  it('plays the story end to end against local stand-ins and exits 0', async () => {
    const { code, out } = await runDemo();
    expect(code, out).toBe(0);
    // The narrated sections, in order.
    const sections = ['== 0. The scene', '== 1. alice, a developer, proposes', '== 2. CI validates', '== 3. carol, an admin, reviews and merges', '== 4. After the merge, CI gives the new file a fresh data key', '== 5. CI syncs prod', '== 6. The audit trail'];
    let at = -1;
    for (const s of sections) {
      const i = out.indexOf(s);
      expect(i, s).toBeGreaterThan(at);
      at = i;
    }
    expect(out).toContain('The fleet is in sync: 21 targets (14 k8s, 6 dotenv, 1 github)');
    // 1. the pull request, write-only, with its sync plan and reviewer; alice's tree untouched.
    expect(out).toMatch(/opened pull request #1: http:\/\/127\.0\.0\.1:\d+\/acme\/secrets\/pull\/1/);
    expect(out).toMatch(/branch {3}keyfold\/set-prod-providers-openai-openai-api-key-[0-9a-f]{6} \(pushed to origin, from main\)/);
    expect(out).toContain('change   prod/providers/openai: + OPENAI_API_KEY (write-only)');
    expect(out).toContain('on merge sync updates 21 targets (14 k8s, 6 dotenv, 1 github) of 21 services');
    expect(out).toContain("alice's own working tree: still on main, 0 uncommitted changes");
    expect(out).toContain('- @carol: `secrets/prod/providers/openai.yaml`');
    // 2. validate passes; the variant fails on alice's recipient.
    expect(out).toContain('ok: no violations');
    expect(out).toMatch(/^secrets\/prod\/providers\/openai\.yaml:\d+: recipients: recipient not allowed by the policy: alice /m);
    // 3–4. the merge, the fresh data key.
    expect(out).toMatch(/Merge pull request #1 from acme\/keyfold\/set-prod-providers-openai/);
    expect(out).toMatch(/rekey {2}prod\/providers\/openai {2}not in the re-key state at [0-9a-f]{12}: fresh data key \(S6\)/);
    expect(out).toMatch(/committed [0-9a-f]{12} \(re-key commit\)/);
    // 5. one key, 21 targets, counted per type.
    expect(out).toContain('synced 21 of 21 targets: 21 writes');
    expect(out).toMatch(/k8s +14 targets +14 writes/);
    expect(out).toMatch(/dotenv +6 targets +6 writes/);
    expect(out).toMatch(/github +1 target +1 write/);
    expect(out).toContain('14 Secret manifests in run/k8s/prod and 6 .env files in run/prod hold OPENAI_API_KEY');
    // 6. who, when, why.
    expect(out).toMatch(/commit [0-9a-f]{12} \(#1\) {2}\d{4}-\d\d-\d\d {2}alice <alice@example\.com>\n {4}keyfold: set OPENAI_API_KEY in prod\/providers\/openai/);
    expect(out).toContain("0 outside GitHub's OpenAPI schemas");
    expect(out).toContain('Demo done');
    // No value, no ciphertext; the temporary tree is gone.
    expect(out).not.toContain('not-a-real-key');
    expect(out).not.toContain('ENC[');
    const work = /all under (\S+)\/run\./.exec(out)?.[1];
    expect(work).toBeDefined();
    expect(existsSync(work!)).toBe(false);
  }, 180_000);
});
