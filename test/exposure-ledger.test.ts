/**
 * The exposure ledger and rotation tracking (docs/audit.md; `member
 * remove`, `rotation status`, `access --at` / `--history`): the built CLI on a real
 * temp git repository where a member could read some files only in past commits — a
 * grant later taken away, a key later unset, a file later deleted, and a temporary
 * grant on a merged side branch that was reverted before the merge.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { runCli, type CliResult } from './helpers/cli.js';
import { makeRepo, type TestIdentity, type TestRepo } from './helpers/repo.js';

const V = {
  DB_URL: 'canary-dburl-1a1a', DB_PASS: 'canary-dbpass-2b2b', DB_PASS2: 'canary-dbpass-new-3c3c', LEGACY: 'canary-legacy-4d4d', NEW_AFTER: 'canary-newafter-5e5e',
  OLD_TOKEN: 'canary-oldtoken-6f6f', STRIPE_KEY: 'canary-stripe-7a7a', STRIPE_KEY2: 'canary-stripe-new-8b8b', STRIPE_WEBHOOK: 'canary-webhook-9c9c',
  PROD_PASS: 'canary-prodpass-0d0d', PROD_LATER: 'canary-prodlater-1e1e', OTHER: 'canary-other-2f2f', NEW_STRIPE: 'canary-newstripe-3a3a',
};
const expectNoValues = (r: CliResult) => {
  for (const v of Object.values(V)) {
    expect(r.stdout, 'a value in stdout').not.toContain(v);
    expect(r.stderr, 'a value in stderr').not.toContain(v);
  }
};

let repo: TestRepo;
let alice: TestIdentity;
let bob: TestIdentity;
const sha: Record<string, string> = {};

function policy(opts: { payments: string[]; prodTemp?: boolean; withBob?: boolean }): string {
  const withBob = opts.withBob ?? true;
  return `members:
  admin: { recipient: ${repo.admin.recipient}, github: ada }
  alice: { recipient: ${alice.recipient}, github: alice }
${withBob ? `  bob: { recipient: ${bob.recipient}, github: bob }\n` : ''}roles:
  admin: [admin]
  developer: [alice${withBob ? ', bob' : ''}]
  payments: [${opts.payments.join(', ')}]
${opts.prodTemp ? '  prod-temp: [bob]\n' : ''}grants:
  - { role: admin, read: ["**"], write: ["**"] }
  - { role: developer, read: ["dev/**"], write: ["dev/**"] }
  - { role: payments, read: ["staging/payments/**"] }
${opts.prodTemp ? '  - { role: prod-temp, read: ["prod/api/**"] }\n' : ''}`;
}

function git(args: string[], env: Record<string, string> = {}): string {
  const clean = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^GIT_(AUTHOR|COMMITTER)_/.test(k)));
  return execFileSync('git', args, { cwd: repo.dir, encoding: 'utf8', env: { ...clean, GIT_CONFIG_NOSYSTEM: '1', ...env } });
}
const dateOf = (n: number) => `2024-06-${String(n).padStart(2, '0')}T12:00:00Z`;
function commit(day: number, message: string, who = 'Ada Admin'): string {
  git(['add', '-A']);
  git(['-c', `user.name=${who}`, '-c', 'user.email=x@example.com', 'commit', '-q', '-m', message], { GIT_AUTHOR_DATE: dateOf(day), GIT_COMMITTER_DATE: dateOf(day) });
  return git(['rev-parse', 'HEAD']).trim();
}

async function ok(p: Promise<CliResult>): Promise<CliResult> {
  const r = await p;
  if (r.code !== 0) throw new Error(`expected exit 0, got ${r.code}: ${r.stderr}`);
  return r;
}
const set = (ref: string, key: string, value: string) => ok(repo.run(['set', ref, key, '--stdin'], { input: value }));
const writePolicy = (text: string) => writeFileSync(join(repo.dir, 'policies', 'access.yaml'), text);

interface RotationItem {
  member: string;
  removed: string;
  ref: string;
  key: string;
  status: 'done' | 'pending' | 'deleted';
  sha?: string;
}
async function rotationStatus(decrypt = false): Promise<{ pending: number; items: RotationItem[] }> {
  const r = await repo.run(['rotation', 'status', '--json', ...(decrypt ? ['--decrypt'] : [])], decrypt ? {} : { as: null });
  expect(r.code, r.stderr).toBe(0);
  expectNoValues(r);
  return JSON.parse(r.stdout) as { pending: number; items: RotationItem[] };
}
const statusOf = (s: { items: RotationItem[] }) => Object.fromEntries(s.items.map((i) => [`${i.ref} ${i.key}`, i.sha ? `${i.status} ${i.sha}` : i.status]));

const EXPOSED = [
  { ref: 'dev/api/db', keys: ['DB_PASS', 'DB_URL', 'LEGACY_KEY', 'NEW_AFTER'], deleted: false },
  { ref: 'dev/tmp/old', keys: ['OLD_TOKEN'], deleted: true },
  { ref: 'prod/api/db', keys: ['PROD_PASS'], deleted: false },
  { ref: 'staging/payments/stripe', keys: ['STRIPE_KEY', 'STRIPE_WEBHOOK'], deleted: false },
];

let removeOut: CliResult;

beforeAll(async () => {
  repo = await makeRepo({ members: ['alice', 'bob'] });
  alice = repo.identity('alice');
  bob = repo.identity('bob');
  writePolicy(policy({ payments: ['admin', 'bob'] }));
  await set('dev/api/db', 'DB_URL', V.DB_URL);
  await set('dev/api/db', 'DB_PASS', V.DB_PASS);
  await set('dev/api/db', 'LEGACY_KEY', V.LEGACY);
  // A plain value keeps its text under any data key: it must not make a re-key look like edits.
  await set('dev/api/db', 'NOTE_unencrypted', 'owned by the db team');
  await set('dev/tmp/old', 'OLD_TOKEN', V.OLD_TOKEN);
  await set('staging/payments/stripe', 'STRIPE_KEY', V.STRIPE_KEY);
  await set('staging/payments/stripe', 'STRIPE_WEBHOOK', V.STRIPE_WEBHOOK);
  await set('prod/api/db', 'PROD_PASS', V.PROD_PASS);
  await set('staging/api/other', 'OTHER', V.OTHER);
  sha['p1'] = commit(1, 'bootstrap: policy and secrets');

  await ok(repo.run(['unset', 'dev/api/db', 'LEGACY_KEY']));
  await set('dev/api/db', 'NEW_AFTER', V.NEW_AFTER);
  sha['p2'] = commit(2, 'drop LEGACY_KEY, add NEW_AFTER', 'Alice Dev');

  // Bob leaves the payments role: the policy first, the re-encryption in a later commit.
  writePolicy(policy({ payments: ['admin'] }));
  sha['p3a'] = commit(3, 'policy: bob leaves payments');
  await ok(repo.run(['recipients', 'sync']));
  sha['p3b'] = commit(4, 'recipients sync');

  await set('staging/payments/new-file', 'NEW_STRIPE', V.NEW_STRIPE);
  git(['rm', '-q', 'secrets/dev/tmp/old.yaml']);
  sha['p4'] = commit(5, 'add new-file, delete dev/tmp/old');

  // A temporary prod grant for bob on a side branch, reverted before the merge.
  git(['checkout', '-q', '-b', 'temp-access']);
  writePolicy(policy({ payments: ['admin'], prodTemp: true }));
  await ok(repo.run(['recipients', 'sync']));
  sha['temp'] = commit(6, 'temporary prod access for bob');
  git(['-c', 'user.name=Ada Admin', '-c', 'user.email=x@example.com', 'revert', '--no-edit', 'HEAD'], { GIT_AUTHOR_DATE: dateOf(7), GIT_COMMITTER_DATE: dateOf(7) });
  sha['revert'] = git(['rev-parse', 'HEAD']).trim();
  git(['checkout', '-q', '-']);
  git(['-c', 'user.name=Ada Admin', '-c', 'user.email=x@example.com', 'merge', '-q', '--no-ff', 'temp-access', '-m', 'Merge pull request #7 from acme/temp-access'], {
    GIT_AUTHOR_DATE: dateOf(8),
    GIT_COMMITTER_DATE: dateOf(8),
  });

  await set('prod/api/db', 'PROD_LATER', V.PROD_LATER);
  sha['p5'] = commit(9, 'prod: add PROD_LATER');

  removeOut = await repo.run(['member', 'remove', 'bob', '--json']);
}, 60_000);

afterAll(() => repo?.cleanup());

describe('member remove: the exposure ledger', () => {
  it('lists exactly the refs and keys bob could read at any point, deleted files and old-only keys included', () => {
    expect(removeOut.code, removeOut.stderr).toBe(0);
    expectNoValues(removeOut);
    expect(JSON.parse(removeOut.stdout)).toEqual({ name: 'bob', exposure: EXPOSED, skipped: [] });
  });

  it('records the removal in policies/rotations.yaml (member, recipient, time, HEAD, exposure) and drops bob from the policy', () => {
    const doc = parseYaml(readFileSync(join(repo.dir, 'policies', 'rotations.yaml'), 'utf8')) as { removals: Array<Record<string, unknown>> };
    expect(doc.removals).toHaveLength(1);
    const r = doc.removals[0]!;
    expect(r).toMatchObject({ member: 'bob', recipient: bob.recipient, commit: sha['p5'] });
    expect(String(r['removed'])).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    expect(r['exposed']).toEqual(Object.fromEntries(EXPOSED.map((e) => [e.ref, e.keys])));
    const policyNow = readFileSync(join(repo.dir, 'policies', 'access.yaml'), 'utf8');
    expect(policyNow).not.toContain(bob.recipient);
    expect(policyNow).not.toMatch(/\bbob\b/);
  });

  it('text output names each ref, marks the deleted file, and prints no values', async () => {
    // The same question asked of a copy before the removal, in text.
    const copy = await makeRepo();
    try {
      execFileSync('cp', ['-a', join(repo.dir, '.git'), copy.dir]);
      execFileSync('git', ['checkout', '-q', '-f', sha['p5']!], { cwd: copy.dir });
      const r = await runCli(['member', 'remove', 'bob', '--identity', repo.admin.file], { cwd: copy.dir, env: { HOME: repo.home } });
      expect(r.code, r.stderr).toBe(0);
      expectNoValues(r);
      expect(r.stdout).toContain('bob could read these keys at some point in history');
      expect(r.stdout).toContain('  dev/tmp/old (file deleted since): OLD_TOKEN');
      expect(r.stdout).toContain('  dev/api/db: DB_PASS, DB_URL, LEGACY_KEY, NEW_AFTER');
      expect(r.stdout).toContain('  prod/api/db: PROD_PASS');
      expect(r.stdout).not.toContain('staging/api/other');
      expect(r.stdout).not.toContain('new-file');
    } finally {
      copy.cleanup();
    }
  });
});

describe('rotation status', () => {
  // LEGACY_KEY was unset before the removal: it is gone from keyfold, so `deleted`.
  const GONE = new Set(['dev/api/db LEGACY_KEY']);
  const pendingAll = () =>
    Object.fromEntries(EXPOSED.flatMap((e) => e.keys.map((k) => [`${e.ref} ${k}`, e.deleted || GONE.has(`${e.ref} ${k}`) ? 'deleted' : 'pending'])));
  const pendingCount = Object.values(pendingAll()).filter((v) => v === 'pending').length;

  it('right after the removal (and after the re-keying sync that follows it), every exposed value is still to rotate', async () => {
    const s0 = await rotationStatus();
    expect(statusOf(s0)).toEqual(pendingAll());
    expect(s0.pending).toBe(pendingCount);
    expect(s0.items.every((i) => i.member === 'bob')).toBe(true);
    sha['rm'] = commit(10, 'remove bob');
    await ok(repo.run(['recipients', 'sync']));
    sha['sync'] = commit(11, 'recipients sync after removing bob');
    // The sync gave dev/api/db a fresh data key: every ciphertext changed, no value did.
    expect(statusOf(await rotationStatus())).toEqual(pendingAll());
  });

  it('a commit that changes one exposed value moves exactly that key to done, with its sha', async () => {
    await ok(repo.run(['set', 'dev/api/db', 'DB_PASS', '--stdin'], { input: V.DB_PASS2 }));
    sha['rot1'] = commit(12, 'rotate DB_PASS', 'Alice Dev');
    const s = await rotationStatus();
    expect(statusOf(s)).toEqual({ ...pendingAll(), 'dev/api/db DB_PASS': `done ${sha['rot1']}` });
    expect(s.pending).toBe(pendingCount - 1);
  });

  it('a later data-key rotation alone moves nothing to done', async () => {
    await ok(repo.run(['rotate', 'dev/api/db']));
    await ok(repo.run(['rotate', 'prod/api/db']));
    sha['rotate'] = commit(13, 'rotate data keys');
    expect(statusOf(await rotationStatus())).toEqual({ ...pendingAll(), 'dev/api/db DB_PASS': `done ${sha['rot1']}` });
    expect(statusOf(await rotationStatus(true))).toEqual({ ...pendingAll(), 'dev/api/db DB_PASS': `done ${sha['rot1']}` });
  });

  it('a value changed in a re-encryption commit counts only with --decrypt', async () => {
    await ok(repo.run(['rotate', 'staging/payments']));
    await ok(repo.run(['set', 'staging/payments/stripe', 'STRIPE_KEY', '--stdin'], { input: V.STRIPE_KEY2 }));
    sha['both'] = commit(14, 'rotate payments and the stripe key');
    const plain = await rotationStatus();
    expect(statusOf(plain)).toEqual({ ...pendingAll(), 'dev/api/db DB_PASS': `done ${sha['rot1']}` });
    const decrypted = await rotationStatus(true);
    expect(statusOf(decrypted)).toEqual({
      ...pendingAll(),
      'dev/api/db DB_PASS': `done ${sha['rot1']}`,
      'staging/payments/stripe STRIPE_KEY': `done ${sha['both']}`,
    });
    expect(decrypted.pending).toBe(pendingCount - 2);
  });

  it('text output: counts and per-key lines, no values', async () => {
    const r = await repo.run(['rotation', 'status'], { as: null });
    expect(r.code, r.stderr).toBe(0);
    expectNoValues(r);
    const total = Object.keys(pendingAll()).length;
    expect(r.stdout.startsWith(`${pendingCount - 1} of ${total} exposed values still to rotate:`)).toBe(true);
    expect(r.stdout).toContain(`done     dev/api/db DB_PASS  (bob, removed `);
    expect(r.stdout).toContain(`; rotated in ${sha['rot1']!.slice(0, 12)})`);
    expect(r.stdout).toMatch(/deleted {2}dev\/tmp\/old OLD_TOKEN/);
  });
});

describe('access --at and --history', () => {
  interface AtJson {
    commit: string;
    refs: Array<{ ref: string; exists: boolean; readers: string[]; unknownRecipients: string[]; writers: string[]; breakglass: string[] }>;
  }
  const at = async (rev: string, ref: string): Promise<AtJson> => {
    const r = await repo.run(['access', '--at', rev, ref, '--json'], { as: null });
    expect(r.code, r.stderr).toBe(0);
    return JSON.parse(r.stdout) as AtJson;
  };

  it('--at shows the readers then: the file\'s recipients, named by the policy of that commit', async () => {
    const p1 = await at(sha['p1']!, 'staging/payments/stripe');
    expect(p1).toEqual({
      commit: sha['p1'],
      refs: [{ ref: 'staging/payments/stripe', exists: true, readers: ['admin', 'bob'], unknownRecipients: [], writers: ['admin'], breakglass: [] }],
      skipped: [],
    });
    // The policy already dropped bob, but the file still listed him until the sync.
    expect((await at(sha['p3a']!, 'staging/payments/stripe')).refs[0]!.readers).toEqual(['admin', 'bob']);
    expect((await at(sha['p3b']!, 'staging/payments/stripe')).refs[0]!.readers).toEqual(['admin']);
    expect((await at(sha['temp']!, 'prod/api/db')).refs[0]!.readers).toEqual(['admin', 'bob']);
    expect((await at(sha['p5']!, 'dev/api/db')).refs[0]!.readers).toEqual(['admin', 'alice', 'bob']);
    // After the removal commit bob is not in the policy, and the sync took him out of the file.
    expect((await at(sha['sync']!, 'dev/api/db')).refs[0]).toMatchObject({ readers: ['admin', 'alice'], unknownRecipients: [] });
    // Before the sync, the file still had bob's recipient, which that policy no longer names.
    expect((await at(sha['rm']!, 'dev/api/db')).refs[0]).toMatchObject({ readers: ['admin', 'alice'], unknownRecipients: [bob.recipient] });
    const text = await repo.run(['access', '--at', sha['p1']!, 'staging/payments/stripe'], { as: null });
    expect(text.stdout).toBe(`at ${sha['p1']!.slice(0, 12)}:\nstaging/payments/stripe\n  read:  admin, bob\n  write: admin\n`);
  });

  it('--at: a ref that did not exist then is exit 6; an unknown revision is exit 6', async () => {
    expect((await repo.run(['access', '--at', sha['p1']!, 'staging/payments/new-file'], { as: null })).code).toBe(6);
    expect((await repo.run(['access', '--at', 'no-such-rev', 'dev/api/db'], { as: null })).code).toBe(6);
    // A deleted ref is still answered for a commit where it existed.
    expect((await at(sha['p1']!, 'dev/tmp/old')).refs[0]!.readers).toEqual(['admin', 'alice', 'bob']);
  });

  interface Change {
    sha: string;
    date: string;
    author: string;
    subject: string;
    added: string[];
    removed: string[];
    readers: string[];
  }
  const history = async (ref: string): Promise<Change[]> => {
    const r = await repo.run(['access', '--history', ref, '--json'], { as: null });
    expect(r.code, r.stderr).toBe(0);
    return JSON.parse(r.stdout) as Change[];
  };

  it('--history lists the reader changes in order, oldest first', async () => {
    const stripe = await history('staging/payments/stripe');
    expect(stripe.map((c) => [c.sha, c.added, c.removed, c.readers])).toEqual([
      [sha['p1'], ['admin', 'bob (removed)'], [], ['admin', 'bob (removed)']],
      [sha['p3b'], [], ['bob (removed)'], ['admin']],
    ]);
    const dev = await history('dev/api/db');
    expect(dev.map((c) => [c.sha, c.added, c.removed, c.readers])).toEqual([
      [sha['p1'], ['admin', 'alice', 'bob (removed)'], [], ['admin', 'alice', 'bob (removed)']],
      [sha['sync'], [], ['bob (removed)'], ['admin', 'alice']],
    ]);
    // The temporary grant on the merged side branch is part of the record.
    const prod = await history('prod/api/db');
    expect(prod.map((c) => [c.sha, c.added, c.removed, c.readers])).toEqual([
      [sha['p1'], ['admin'], [], ['admin']],
      [sha['temp'], ['bob (removed)'], [], ['admin', 'bob (removed)']],
      [sha['revert'], [], ['bob (removed)'], ['admin']],
    ]);
    const old = await history('dev/tmp/old');
    expect(old.map((c) => [c.sha, c.added, c.removed, c.readers])).toEqual([
      [sha['p1'], ['admin', 'alice', 'bob (removed)'], [], ['admin', 'alice', 'bob (removed)']],
      [sha['p4'], [], ['admin', 'alice', 'bob (removed)'], []],
    ]);
    const text = await repo.run(['access', '--history', 'staging/payments/stripe'], { as: null });
    expect(text.stdout.split('\n').filter(Boolean)).toEqual([
      `2024-06-01  ${sha['p1']!.slice(0, 12)}  Ada Admin: +admin +bob (removed)  → readers: admin, bob (removed)  (bootstrap: policy and secrets)`,
      `2024-06-04  ${sha['p3b']!.slice(0, 12)}  Ada Admin: -bob (removed)  → readers: admin  (recipients sync)`,
    ]);
  });
});
