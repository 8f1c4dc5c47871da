/**
 * S6, re-key after merge, end to end: real temp git repositories with a bare "origin",
 * the generated keyfold-sync workflow's prod job run as the runner would
 * (helpers/workflow-runner.ts: checkout of the pushed commit, the keyfold action with
 * the CI identity in KEYFOLD_AGE_KEY, the push and state-ref scripts), and a
 * write-only author who must never keep a data key that a later value uses:
 *
 * (a) two merges land before one run; (b) a pull request rebase-merged as two commits;
 * (c) an admin sets a value in the new file before the job runs; the state ref deleted
 * (the re-key commit anchors); no anchor at all (--since); and a new prod file whose
 * ci-prod envelope goes to another key.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseIdentities } from '../src/crypto/age/index.js';
import { openSopsFile, parseSopsFile } from '../src/sops/file.js';
import { envelopeFingerprint } from '../src/ops/rekey/fingerprints.js';
import { writeSignedState } from '../src/repo/git/state-ref.js';
import { runCli, tempDir, type CliResult } from './helpers/cli.js';
import { makeIdentity, type TestIdentity } from './helpers/repo.js';
import { runJob, type JobResult } from './helpers/workflow-runner.js';

const tmp = tempDir('keyfold-s6-');
afterAll(() => tmp.cleanup());

const ZERO = '0'.repeat(40);
const ACTION = `keyfold/keyfold@${'ab'.repeat(20)}`;
const STATE = 'refs/keyfold/rekeyed/prod';

let keys: Record<'admin' | 'alice' | 'ciProd' | 'fake', TestIdentity>;
let origin: string;
let work: string;
let home: string;
let jobs = 0;

const gitIn = (cwd: string, ...args: string[]) =>
  execFileSync('git', args, { cwd, encoding: 'utf8', env: { ...process.env, GIT_CONFIG_NOSYSTEM: '1', HOME: home } });
const git = (...args: string[]) => gitIn(work, ...args);
const originGit = (...args: string[]) => execFileSync('git', ['--git-dir', origin, ...args], { encoding: 'utf8' });
const secretOf = (id: TestIdentity) => readFileSync(id.file, 'utf8').split('\n').find((l) => l.startsWith('AGE-SECRET-KEY-'))!;
const fileOf = (ref: string) => `secrets/${ref}.yaml`;

/** The CLI in the admin's clone, as `as` (null: no identity). */
function kf(args: string[], as: TestIdentity | null, input?: string, cwd = work): Promise<CliResult> {
  return runCli([...args, ...(as ? ['--identity', as.file] : [])], { cwd, env: { HOME: home }, input });
}
async function ok(p: Promise<CliResult>): Promise<CliResult> {
  const r = await p;
  expect(r.code, `${r.stderr}${r.stdout}`).toBe(0);
  return r;
}

/** The data key of `ref` at `rev` on origin, opened with the admin's identity (hex). */
function dataKeyAt(rev: string, ref: string): string {
  const text = originGit('show', `${rev}:${fileOf(ref)}`);
  const parsed = parseSopsFile(text, fileOf(ref), { strict: true });
  return Buffer.from(openSopsFile(parsed, parseIdentities(readFileSync(keys.admin.file, 'utf8')), fileOf(ref)).dataKey).toString('hex');
}

const head = () => git('rev-parse', 'HEAD').trim();
const originMain = () => originGit('rev-parse', 'refs/heads/main').trim();

function commitAndPush(message: string): string {
  git('add', '-A');
  git('commit', '-q', '-m', message);
  git('push', '-q', 'origin', 'HEAD:refs/heads/main');
  return head();
}

/** The admin's clone catches up: main and keyfold's state refs. */
function pull(): void {
  git('pull', '-q', '--rebase', 'origin', 'main');
  git('fetch', '-q', 'origin', '+refs/keyfold/*:refs/keyfold/*');
}

/** The prod job of keyfold-sync.yml, as committed at `sha`, for a push from `before`. */
function syncJob(sha: string, before: string, beforeStep?: (name: string) => void): JobResult {
  const dir = join(tmp.path, `job-${jobs++}`);
  const ciHome = join(dir, 'home');
  mkdirSync(ciHome, { recursive: true });
  const workflow = originGit('show', `${sha}:.github/workflows/keyfold-sync.yml`);
  return runJob(workflow, 'sync-prod', { origin, dir, sha, before, home: ciHome, secrets: { KEYFOLD_AGE_KEY: secretOf(keys.ciProd) }, beforeStep });
}

function expectJobOk(job: JobResult): void {
  expect(job.ok, job.steps.map((s) => `${s.name}: ${s.outcome}\n${s.output}`).join('\n')).toBe(true);
}

async function writeOnly(ref: string, key: string, value: string): Promise<void> {
  await ok(kf(['set', ref, key, '--stdin'], keys.alice, value));
}

beforeAll(async () => {
  home = join(tmp.path, 'home');
  const keyDir = join(tmp.path, 'keys');
  mkdirSync(home, { recursive: true });
  mkdirSync(keyDir, { recursive: true });
  keys = { admin: makeIdentity(keyDir, 'admin'), alice: makeIdentity(keyDir, 'alice'), ciProd: makeIdentity(keyDir, 'ci-prod'), fake: makeIdentity(keyDir, 'fake') };
  origin = join(tmp.path, 'origin.git');
  execFileSync('git', ['init', '-q', '--bare', '-b', 'main', origin]);
  work = join(tmp.path, 'work');
  await ok(runCli(['init', work, '--admin', 'admin', '--github', 'admin-gh', '--recipient', keys.admin.recipient, '--action-ref', ACTION], { cwd: tmp.path, env: { HOME: home } }));
  writeFileSync(
    join(work, 'policies/access.yaml'),
    `members:
  admin: { recipient: ${keys.admin.recipient}, github: admin-gh }
  alice: { recipient: ${keys.alice.recipient}, github: alice-gh }
  ci-prod: { recipient: ${keys.ciProd.recipient}, kind: machine }
roles:
  developer: [alice]
  admin: [admin]
  ci-prod: [ci-prod]
grants:
  - { role: developer, read: ["dev/**"], write: ["dev/**", "*/providers/**"] }
  - { role: admin, read: ["**"], write: ["**"] }
  - { role: ci-prod, read: ["prod/**"] }
`,
  );
  git('config', 'user.name', 'Admin');
  git('config', 'user.email', 'admin@example.com');
  git('config', 'commit.gpgSign', 'false');
  git('branch', '-M', 'main');
  git('remote', 'add', 'origin', origin);
  await ok(kf(['recipients', 'sync'], keys.admin));
  await ok(kf(['set', 'prod/api/db', 'DATABASE_URL', '--stdin'], keys.admin, 'postgres://prod-1'));
  await ok(kf(['set', 'dev/api/db', 'DATABASE_URL', '--stdin'], keys.admin, 'postgres://dev-1'));
  commitAndPush('initial');
});

describe('S6 through the generated sync workflow', () => {
  it('the first run (no state, no re-key commit, a new branch) re-keys every prod file, commits, pushes, records the state', async () => {
    const pushed = originMain();
    const before = dataKeyAt(pushed, 'prod/api/db');
    const job = syncJob(pushed, ZERO);
    expectJobOk(job);
    expect(job.step(/Re-key/).output).toMatch(/no verified re-key state, re-key commit or --since range/);
    expect(job.step(/keyfold sync$/).outcome).toBe('success');
    const main = originMain();
    expect(main).not.toBe(pushed);
    expect(originGit('log', '-1', '--format=%B', main)).toMatch(/^Keyfold-Rekeyed: prod age1[0-9a-z]+ [0-9a-f]{64}$/m);
    expect(originGit('log', '-1', '--format=%an <%ae>', main).trim()).toBe('github-actions[bot] <41898282+github-actions[bot]@users.noreply.github.com>');
    expect(dataKeyAt(main, 'prod/api/db')).not.toBe(before);
    // Only prod: the job has only ci-prod's identity.
    expect(originGit('diff', '--name-only', pushed, main).trim().split('\n')).toEqual(['secrets/prod/api/db.yaml']);
    const state = JSON.parse(originGit('cat-file', 'blob', STATE)) as { recipient: string; files: { commit: string; files: Record<string, string> }; readers: Record<string, string> };
    expect(state.recipient).toBe(keys.ciProd.recipient);
    expect(state.files.commit).toBe(main);
    expect(Object.keys(state.files.files)).toEqual(['prod/api/db']);
    expect(Object.keys(state.readers)).toEqual([keys.admin.recipient]);
    pull();
    // Right after, a run for the same commit changes nothing.
    const again = syncJob(originMain(), main);
    expectJobOk(again);
    expect(originMain()).toBe(main);
  });

  it('an environment without files: its job succeeds and commits nothing', () => {
    const pushed = originMain();
    const dir = join(tmp.path, `job-${jobs++}`);
    mkdirSync(join(dir, 'home'), { recursive: true });
    const job = runJob(originGit('show', `${pushed}:.github/workflows/keyfold-sync.yml`), 'sync-staging', {
      origin, dir, sha: pushed, before: ZERO, home: join(dir, 'home'), secrets: { KEYFOLD_AGE_KEY: secretOf(keys.admin) },
    });
    expectJobOk(job);
    expect(originMain()).toBe(pushed);
  });

  it('(a) two merges land before the job runs once, for the later push: both new files get fresh data keys', async () => {
    const start = originMain();
    await writeOnly('prod/providers/a', 'A_API_KEY', 'a-value-1');
    const first = commitAndPush('alice: add a (PR 1)');
    await writeOnly('prod/providers/b', 'B_API_KEY', 'b-value-1');
    const second = commitAndPush('alice: add b (PR 2)');
    expect(start).not.toBe(first);
    // The job for the first push never ran (superseded); the later push's `before` is `first`.
    const job = syncJob(second, first);
    expectJobOk(job);
    const main = originMain();
    expect(dataKeyAt(main, 'prod/providers/a')).not.toBe(dataKeyAt(first, 'prod/providers/a'));
    expect(dataKeyAt(main, 'prod/providers/b')).not.toBe(dataKeyAt(second, 'prod/providers/b'));
    expect(job.step(/Re-key/).output).toMatch(/not in the re-key state at/);
    pull();
    // The admin, holding the state (verified through its reader tag), keeps the re-keyed data key: stable ciphertext.
    const beforeSet = readFileSync(join(work, fileOf('prod/providers/a')), 'utf8');
    const r = await ok(kf(['set', 'prod/providers/a', 'A_API_URL', '--stdin'], keys.admin, 'https://a.example'));
    expect(r.stderr).not.toMatch(/fresh data key/);
    const afterSet = readFileSync(join(work, fileOf('prod/providers/a')), 'utf8');
    expect(afterSet).toContain(beforeSet.split('\n').find((l) => l.startsWith('A_API_KEY:'))!);
    git('checkout', '-q', '--', '.');
  });

  it('(b) a pull request rebase-merged as two commits: the file added by the first commit is re-keyed', async () => {
    const before = originMain();
    await writeOnly('prod/providers/c', 'C_API_KEY', 'c-value-1');
    git('add', '-A');
    git('commit', '-q', '-m', 'alice: add c');
    const c1 = head();
    await ok(kf(['set', 'dev/providers/x', 'X_API_KEY', '--stdin'], keys.alice, 'x-value-1'));
    const c2 = commitAndPush('alice: add dev x');
    const job = syncJob(c2, before);
    expectJobOk(job);
    expect(dataKeyAt(originMain(), 'prod/providers/c')).not.toBe(dataKeyAt(c1, 'prod/providers/c'));
    pull();
  });

  it("(c) an admin sets a value in the new file before the job runs: no value is ever under the author's data key", async () => {
    const before = originMain();
    await writeOnly('prod/providers/d', 'D_API_KEY', 'd-value-1');
    const d1 = commitAndPush('alice: add d');
    const authors = dataKeyAt(d1, 'prod/providers/d');
    // The admin writes before any job ran: d is not in the verified state, so the write re-keys it.
    const r = await ok(kf(['set', 'prod/providers/d', 'D_API_SECRET', '--stdin'], keys.admin, 'd-secret-admin'));
    expect(r.stderr).toMatch(/prod\/providers\/d: fresh data key and the policy's recipients — its envelopes are not in the verified re-key state/);
    const d2 = commitAndPush('admin: set D_API_SECRET');
    expect(dataKeyAt(d2, 'prod/providers/d')).not.toBe(authors);
    const job = syncJob(d2, before);
    expectJobOk(job);
    const main = originMain();
    for (const rev of [d2, main]) expect(dataKeyAt(rev, 'prod/providers/d'), rev).not.toBe(authors);
    expect(dataKeyAt(main, 'prod/providers/d')).not.toBe(dataKeyAt(d2, 'prod/providers/d'));
    pull();
    const values = await ok(kf(['show', 'prod/providers/d', '--format', 'json'], keys.admin));
    expect(JSON.parse(values.stdout)).toEqual({ D_API_KEY: 'd-value-1', D_API_SECRET: 'd-secret-admin' });
  });

  it('another merge lands while the job runs: the re-key commit is rebased onto it and pushed', async () => {
    const before = originMain();
    await writeOnly('prod/providers/s', 'S_API_KEY', 's-value');
    const pushed2 = commitAndPush('alice: add s');
    let other = '';
    const job2 = syncJob(pushed2, before, (name) => {
      if (!/^Push the re-key commit/.test(name) || other) return;
      const dir = join(tmp.path, 'racer');
      execFileSync('git', ['clone', '-q', origin, dir]);
      writeFileSync(join(dir, 'README.md'), 'another merge\n');
      gitIn(dir, 'add', 'README.md');
      gitIn(dir, '-c', 'user.name=Racer', '-c', 'user.email=r@example.com', 'commit', '-q', '-m', 'another merge');
      gitIn(dir, 'push', '-q', 'origin', 'HEAD:refs/heads/main');
      other = gitIn(dir, 'rev-parse', 'HEAD').trim();
    });
    expectJobOk(job2);
    const main = originMain();
    expect(originGit('rev-parse', `${main}^`).trim()).toBe(other);
    expect(originGit('log', '-1', '--format=%s', main).trim()).toBe('keyfold: re-key merged files (prod)');
    expect(dataKeyAt(main, 'prod/providers/s')).not.toBe(dataKeyAt(pushed2, 'prod/providers/s'));
    pull();
  });

  it('with the state on origin deleted, then forged, the last re-key commit anchors the comparison: (a) again', async () => {
    originGit('update-ref', '-d', STATE);
    await writeOnly('prod/providers/e1', 'E1_API_KEY', 'e1-value');
    const first = commitAndPush('alice: add e1');
    await writeOnly('prod/providers/e2', 'E2_API_KEY', 'e2-value');
    const second = commitAndPush('alice: add e2');
    // A forged state: well-formed, signed by alice (a member, who reads no prod file) with a
    // valid reader tag for ci-prod, claiming both files are trusted. Her word does not count.
    const alice = parseIdentities(readFileSync(keys.alice.file, 'utf8'))[0]!;
    const fp = (ref: string) => envelopeFingerprint(readFileSync(join(work, fileOf(ref)), 'utf8'), fileOf(ref));
    await writeSignedState(
      work,
      STATE,
      { recipient: alice.recipient, key: alice.deriveKey('rekey-state'), readers: new Map([[keys.ciProd.recipient, alice.agreeKey(keys.ciProd.recipient, 'rekey-state')]]) },
      { commit: second, files: { 'prod/providers/e1': fp('prod/providers/e1'), 'prod/providers/e2': fp('prod/providers/e2') }, unopenable: [] },
    );
    git('push', '-q', 'origin', `+${STATE}:${STATE}`);
    const job = syncJob(second, first);
    expectJobOk(job);
    expect(job.step(/Re-key/).output).toMatch(/re-key commit [0-9a-f]{12}/);
    const main = originMain();
    expect(dataKeyAt(main, 'prod/providers/e1')).not.toBe(dataKeyAt(first, 'prod/providers/e1'));
    expect(dataKeyAt(main, 'prod/providers/e2')).not.toBe(dataKeyAt(second, 'prod/providers/e2'));
    // The state is back on origin.
    expect(originGit('cat-file', '-t', STATE).trim()).toBe('blob');
    pull();
  });

  it('with no verified state and no re-key commit this identity made, --since re-keys the pushed range; without it, every file', async () => {
    // The admin's identity verifies no trailer (the CI identity made them) and, with the
    // state ref gone, has no state: the pushed range is all there is to go by.
    git('update-ref', '-d', STATE);
    const before = head();
    await writeOnly('prod/providers/f', 'F_API_KEY', 'f-value');
    git('add', '-A');
    git('commit', '-q', '-m', 'alice: add f');
    await ok(kf(['set', 'dev/providers/y', 'Y_API_KEY', '--stdin'], keys.alice, 'y-value'));
    git('add', '-A');
    git('commit', '-q', '-m', 'alice: add dev y');
    const plan = async (...extra: string[]) => {
      const r = await kf(['recipients', 'sync', '--env', 'prod', '--check', '--rekey-merged', '--json', ...extra], keys.admin);
      expect([0, 3]).toContain(r.code);
      return JSON.parse(r.stdout) as { changes: Array<{ ref: string }>; baseline: { kind: string } };
    };
    const ranged = await plan('--since', before);
    expect(ranged.baseline.kind).toBe('since');
    expect(ranged.changes.map((c) => c.ref)).toEqual(['prod/providers/f']);
    const all = await plan();
    expect(all.baseline.kind).toBe('none');
    const prodRefs = git('ls-files', 'secrets/prod').trim().split('\n').map((f) => f.replace(/^secrets\//, '').replace(/\.yaml$/, ''));
    expect(all.changes.map((c) => c.ref)).toEqual(prodRefs);
    // Never HEAD^: the first commit of the range counts.
    expect((await plan('--since', 'HEAD^')).changes).toEqual([]);
    git('reset', '-q', '--hard', 'origin/main');
    git('fetch', '-q', 'origin', '+refs/keyfold/*:refs/keyfold/*');
    // --commit would take uncommitted changes of the scope along: refused.
    await writeOnly('prod/providers/g', 'G_API_KEY', 'g-value');
    const dirty = await kf(['recipients', 'sync', '--env', 'prod', '--rekey-merged', '--commit'], keys.admin);
    expect(dirty.code).toBe(2);
    expect(dirty.stderr).toMatch(/--commit would commit uncommitted changes: secrets\/prod\/providers\/g\.yaml/);
    git('clean', '-q', '-fd', 'secrets');
  });
});

describe('S6: a new prod file whose ci-prod envelope goes to another key', () => {
  let planted: string;
  let authorsKey: string;
  let job: JobResult;
  const REF = 'prod/providers/evil';

  beforeAll(async () => {
    pull();
    const base = head();
    // alice (write-only on prod/providers) encrypts to the admin and to her own second key,
    // then labels that envelope with ci-prod's recipient (the label is not authenticated).
    const plain = join(tmp.path, 'evil.yaml');
    writeFileSync(plain, 'EVIL_API_KEY: evil-value-1\n');
    const enc = await ok(kf(['encrypt', plain, '-r', keys.admin.recipient, '-r', keys.fake.recipient], keys.alice, undefined, tmp.path));
    mkdirSync(join(work, 'secrets/prod/providers'), { recursive: true });
    writeFileSync(join(work, fileOf(REF)), enc.stdout.replaceAll(keys.fake.recipient, keys.ciProd.recipient));
    // Keyless validation of her pull request passes: the labels match the policy.
    git('add', '-A');
    git('commit', '-q', '-m', 'alice: add evil');
    const v = await kf(['validate', '--base', base, '--author', 'alice-gh'], null);
    expect(v.code, v.stdout + v.stderr).toBe(0);
    git('push', '-q', 'origin', 'HEAD:refs/heads/main');
    planted = head();
    authorsKey = dataKeyAt(planted, REF);
    job = syncJob(planted, base);
  });

  it('the CI job fails loudly (exit 4, the file named) and the sync step does not run', () => {
    const rekey = job.step(/Re-key/);
    expect(rekey.outcome).toBe('failure');
    expect(rekey.code, rekey.output).toBe(4);
    expect(rekey.output).toMatch(/cannot open prod\/providers\/evil with this identity/);
    expect(job.step(/keyfold sync$/).outcome).toBe('skipped');
    expect(job.ok).toBe(false);
    // Nothing was re-keyed, so nothing was committed; the state (with the file unopenable) was pushed.
    expect(originMain()).toBe(planted);
    expect(job.step(/Push keyfold's state refs/).outcome).toBe('success');
    const state = JSON.parse(originGit('cat-file', 'blob', STATE)) as { files: { files: Record<string, string>; unopenable: string[] } };
    expect(state.files.unopenable).toEqual([REF]);
    expect(state.files.files[REF]).toBeUndefined();
  });

  it('the next validation lists it in the PR summary', async () => {
    pull();
    const summary = join(tmp.path, 'summary.md');
    await ok(kf(['validate', '--summary', summary], null));
    const md = readFileSync(summary, 'utf8');
    expect(md).toMatch(/#### Files CI could not open/);
    expect(md).toMatch(/- `prod\/providers\/evil` \(`prod`\)/);
  });

  it("the admin's later set gives it a fresh data key and the policy's envelopes (with the state, and in a clone without it)", async () => {
    const fresh = join(tmp.path, 'fresh-clone');
    execFileSync('git', ['clone', '-q', origin, fresh]);
    for (const [dir, note] of [
      [fresh, /no verified re-key state for prod here/],
      [work, /its envelopes are not in the verified re-key state/],
    ] as const) {
      const r = await ok(kf(['set', REF, 'EVIL_API_URL', '--stdin'], keys.admin, 'https://admin.example', dir));
      expect(r.stderr).toMatch(note);
      const text = readFileSync(join(dir, fileOf(REF)), 'utf8');
      const parsed = parseSopsFile(text, fileOf(REF), { strict: true });
      const opened = openSopsFile(parsed, parseIdentities(readFileSync(keys.admin.file, 'utf8')), fileOf(REF));
      expect(Buffer.from(opened.dataKey).toString('hex')).not.toBe(authorsKey);
      // The genuine ci-prod opens it now; alice's second key does not.
      expect((await kf(['get', REF, 'EVIL_API_URL'], keys.ciProd, undefined, dir)).stdout).toBe('https://admin.example\n');
      expect((await kf(['get', REF, 'EVIL_API_URL'], keys.fake, undefined, dir)).code).toBe(4);
    }
    const fixed = commitAndPush('admin: set EVIL_API_URL');
    const next = syncJob(fixed, planted);
    expectJobOk(next);
    expect(dataKeyAt(originMain(), REF)).not.toBe(authorsKey);
    const state = JSON.parse(originGit('cat-file', 'blob', STATE)) as { files: { unopenable: string[] } };
    expect(state.files.unopenable).toEqual([]);
  });
});
