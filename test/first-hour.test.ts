/**
 * A newcomer's first hour (issue "Day one", part B), end to end through the built CLI in
 * real temp git repositories: keygen into a fresh HOME, closed pipes, typos, empty
 * values, one set of name rules at every write, write grants, the default branch's
 * policy, a minimal `member add` diff, shell completion, whoami and doctor.
 *
 * Every value is a canary: none may appear in output that is not meant to print it.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI, runCli, tempDir } from './helpers/cli.js';
import { expectNoCanary, expectOneLineError, spawnCli } from './helpers/e2e.js';
import { makeIdentity, makeRepo, type TestIdentity, type TestRepo } from './helpers/repo.js';
import { findOnPath } from './helpers/tools.js';

const CANARY = 'CANARY-first-hour';
/** Values set in the shared repositories below; no command except get/show may print them. */
const CANARIES = [`${CANARY}-dev-db`, `${CANARY}-prod-db`, `${CANARY}-openai`, `${CANARY}-stripe`];

const tmp = tempDir('keyfold-first-hour-');
afterAll(() => tmp.cleanup());
let n = 0;
function freshHome(): string {
  const home = join(tmp.path, `home-${n++}`);
  mkdirSync(home, { recursive: true });
  return home;
}
const mode = (p: string) => statSync(p).mode & 0o777;

const commitAll = (repo: TestRepo, message: string) => {
  repo.git('add', '-A');
  repo.git('commit', '-q', '--allow-empty', '-m', message);
};
const addMember = async (repo: TestRepo, name: string, role: string, extra: string[] = []) => {
  const r = await repo.run(['member', 'add', name, '--recipient', repo.identity(name).recipient, '--role', role, ...extra]);
  expect(r.code, r.stderr).toBe(0);
};

describe('1. keygen into a fresh HOME; writes into places that cannot be written', () => {
  it('keygen -o ~/.config/sops/age/keys.txt creates the folders 0700 and the file 0600, prints only the recipient; keyfold then finds the key', async () => {
    const home = freshHome();
    expect(existsSync(join(home, '.config'))).toBe(false);
    const file = join(home, '.config', 'sops', 'age', 'keys.txt');
    // A permissive umask must not loosen the modes: they are set explicitly.
    const r = spawnSync('sh', ['-c', 'umask 000; exec "$0" "$@"', process.execPath, CLI, 'keygen', '-o', file], {
      cwd: home,
      env: { PATH: process.env['PATH'], HOME: home, XDG_CONFIG_HOME: join(home, '.config') },
      encoding: 'utf8',
    });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toBe('');
    expect(r.stdout).toMatch(/^age1[02-9ac-hj-np-z]{58}\n$/);
    for (const dir of ['.config', '.config/sops', '.config/sops/age']) expect(mode(join(home, dir)), dir).toBe(0o700);
    expect(mode(file)).toBe(0o600);
    const text = readFileSync(file, 'utf8');
    expect(text).toContain(`# public key: ${r.stdout.trim()}`);
    const secret = /AGE-SECRET-KEY-1[0-9A-Z]+/.exec(text)![0];
    expect(r.stdout + r.stderr).not.toContain(secret);

    // The default key file is an identity source: doctor finds it (kind default-file).
    const doc = await runCli(['doctor', '--json'], { cwd: home, env: { HOME: home } });
    expect(doc.code).toBe(1); // not in a repository
    const checks = (JSON.parse(doc.stdout) as { checks: Array<{ check: string; status: string; message: string }> }).checks;
    expect(checks[0]).toMatchObject({ check: 'identity', status: 'ok' });
    expect(checks[0]!.message).toContain('default-file');
    expect(doc.stdout + doc.stderr).not.toContain(secret);

    // A second run refuses to overwrite: one clear line, the file untouched.
    const again = await runCli(['keygen', '-o', file], { cwd: home, env: { HOME: home } });
    const line = expectOneLineError(again);
    expect(line).toContain(file);
    expect(line).toMatch(/already exists/);
    expect(again.stdout).toBe('');
    expect(readFileSync(file, 'utf8')).toBe(text);
    expect(mode(file)).toBe(0o600);
  });

  it('keygen -o into a directory it cannot create or write: non-zero but not 70, one line naming the path, nothing printed on stdout', async () => {
    const home = freshHome();
    writeFileSync(join(home, 'somefile'), 'not a directory\n');
    const cases: string[] = ['somefile/keys.txt', 'somefile/deeper/keys.txt'];
    if (process.getuid?.() !== 0) {
      mkdirSync(join(home, 'readonly'));
      chmodSync(join(home, 'readonly'), 0o500);
      cases.push('readonly/keys.txt', 'readonly/sub/keys.txt');
    }
    for (const path of cases) {
      const r = await runCli(['keygen', '-o', path], { cwd: home, env: { HOME: home } });
      const line = expectOneLineError(r);
      expect(line, path).toContain(path.split('/')[0]);
      expect(r.stdout, 'no identity printed instead').toBe('');
      expect(r.stderr).not.toMatch(/AGE-SECRET-KEY/);
    }
    expect(readFileSync(join(home, 'somefile'), 'utf8')).toBe('not a directory\n');
  });

  // Regression (was a bug): `keygen -o ""` (e.g. `keyfold keygen -o "$KEYFILE"` with KEYFILE unset in a CI
  // script) is treated as no -o at all: exit 0 and the PRIVATE KEY is printed on stdout
  // (into the CI log). An explicitly empty output path should be a usage error (exit 2).
  it('keygen -o "" is refused (exit 2) instead of printing the private key on stdout', async () => {
    const home = freshHome();
    const r = await runCli(['keygen', '-o', ''], { cwd: home, env: { HOME: home } });
    expect(r.stdout).not.toMatch(/AGE-SECRET-KEY-1/);
    expect(r.code).toBe(2);
  });

  describe('report --html into a place that cannot be written', () => {
    let repo: TestRepo;
    beforeAll(async () => {
      repo = await makeRepo();
      expect((await repo.run(['set', 'dev/api/db', 'DATABASE_URL', '--stdin'], { input: CANARIES[0] })).code).toBe(0);
      commitAll(repo, 'init');
      writeFileSync(join(repo.dir, 'plainfile'), 'x\n');
      mkdirSync(join(repo.dir, 'adir'));
    });
    afterAll(() => repo.cleanup());

    it('a folder that does not exist, a parent that is a file, a path that is a directory: not 70, one line, nothing written', async () => {
      for (const out of ['no-such-dir/report.html', 'plainfile/report.html', 'adir']) {
        const r = await repo.run(['report', '--html', out], { as: null });
        const line = expectOneLineError(r);
        // (It names the folder, though through a temp file name: see the test below.)
        if (out !== 'adir') expect(line, out).toContain(join(repo.dir, out.split('/')[0]!));
        expect(r.stdout).toBe('');
        expectNoCanary(r, CANARIES);
      }
      expect(existsSync(join(repo.dir, 'no-such-dir'))).toBe(false);
      expect(readFileSync(join(repo.dir, 'plainfile'), 'utf8')).toBe('x\n');
      // It still works where it can write.
      const ok = await repo.run(['report', '--html', 'adir/report.html'], { as: null });
      expect(ok.code, ok.stderr).toBe(0);
      expect(readFileSync(join(repo.dir, 'adir', 'report.html'), 'utf8')).toContain('<html');
      expectNoCanary(ok, CANARIES);
    });

    // Regression (was a bug): the error names keyfold's own temp file (`no-such-dir/.report.html.<hex>.tmp
    // does not exist`, `.adir.<hex>.tmp is a directory`) instead of the path the user
    // gave; for a directory it even says the temp file is the directory.
    it('the error names the path given (not an internal .tmp file)', async () => {
      for (const out of ['no-such-dir/report.html', 'adir']) {
        const r = await repo.run(['report', '--html', out], { as: null });
        expect(r.stderr).not.toMatch(/\.tmp\b/);
        expect(r.stderr).toContain(out);
      }
    });
  });
});

describe('2. closed pipes: `| head -1` and a reader that goes away', () => {
  let repo: TestRepo;
  const KEYS = Array.from({ length: 25 }, (_, i) => `A_RATHER_LONG_SECRET_NAME_NUMBER_${i}`);
  beforeAll(async () => {
    repo = await makeRepo();
    // One file of 25 keys (one encrypt), then 150 commits with plain git, each adding a copy
    // under a new name: `log` prints every key name per commit, far beyond 64 KiB.
    mkdirSync(join(repo.dir, 'secrets', 'dev', 'big'), { recursive: true });
    writeFileSync(join(repo.dir, 'secrets/dev/big/base.yaml'), KEYS.map((k, i) => `${k}: ${CANARY}-${i}\n`).join(''));
    const enc = await repo.run(['encrypt', '--in-place', 'secrets/dev/big/base.yaml']);
    expect(enc.code, enc.stderr).toBe(0);
    commitAll(repo, 'base');
    execFileSync(
      'bash',
      ['-c', 'for i in $(seq 1 150); do cp secrets/dev/big/base.yaml secrets/dev/big/copy$i.yaml && git add secrets/dev/big/copy$i.yaml && git commit -q -m "copy $i" || exit 1; done'],
      { cwd: repo.dir, env: { ...process.env, GIT_CONFIG_NOSYSTEM: '1' } },
    );
  });
  afterAll(() => repo.cleanup());

  it('keyfold log is larger than a pipe buffer; `keyfold --help | head -1` and `keyfold log | head -1` end quietly (pipefail status 0)', async () => {
    const full = await repo.run(['log'], { as: null });
    expect(full.code, full.stderr).toBe(0);
    expect(Buffer.byteLength(full.stdout)).toBeGreaterThan(64 * 1024 * 2);
    expectNoCanary(full, [CANARY]);
    for (const cmd of [`"${process.execPath}" "${CLI}" --help | head -1`, `"${process.execPath}" "${CLI}" log | head -1`, `"${process.execPath}" "${CLI}" log --json | head -1`]) {
      const r = spawnSync('bash', ['-c', `set -o pipefail; ${cmd}`], { cwd: repo.dir, env: { PATH: process.env['PATH'], HOME: repo.home, LANG: 'C.UTF-8' }, encoding: 'utf8' });
      expect(r.status, `${cmd}: ${r.stderr}`).toBe(0);
      expect(r.stderr, cmd).toBe('');
      expect(r.stdout.split('\n')).toHaveLength(2);
    }
  });

  it('a reader that closes stdout before reading anything (--help, log, log --json, ls, show, completion): no stack trace, no EPIPE, not 70', async () => {
    const commands = [['--help'], ['log'], ['log', '--json'], ['ls'], ['show', 'dev/big/base', '--identity', repo.admin.file], ['completion', 'bash'], ['access']];
    const results = await Promise.all(
      commands.map(async (args) => {
        const p = spawnCli(args, { cwd: repo.dir, env: { HOME: repo.home } });
        p.child.stdout.destroy();
        p.child.stdin.end();
        const { code } = await p.done;
        return { args, code, stderr: p.stderr() };
      }),
    );
    for (const r of results) {
      expect(r.code, r.args.join(' ')).not.toBe(70);
      expect(r.stderr, r.args.join(' ')).not.toMatch(/EPIPE|\n\s+at |Error/);
      expect(r.stderr, r.args.join(' ')).not.toContain(CANARY);
    }
  });

  it('a reader that takes the first line and then goes away (log over 150 commits): exit 0, nothing on stderr', async () => {
    const p = spawnCli(['log'], { cwd: repo.dir, env: { HOME: repo.home } });
    p.child.stdin.end();
    let first = '';
    await new Promise<void>((resolve) => {
      p.child.stdout.on('data', (d: Buffer) => {
        first += d.toString('utf8');
        if (first.includes('\n')) {
          p.child.stdout.destroy();
          resolve();
        }
      });
    });
    expect(first).toMatch(/^commit [0-9a-f]{12} /);
    const { code } = await p.done;
    expect(code).toBe(0);
    expect(p.stderr()).toBe('');
  });
});

describe('3-6. typos, empty values, name rules, write grants', () => {
  let repo: TestRepo;
  let alice: TestIdentity;
  beforeAll(async () => {
    repo = await makeRepo({ members: ['alice'] });
    alice = repo.identity('alice');
    await addMember(repo, 'alice', 'developer', ['--github', 'alice-gh']);
    expect((await repo.run(['set', 'dev/api/db', 'DATABASE_URL', '--stdin'], { input: CANARIES[0] })).code).toBe(0);
    expect((await repo.run(['set', 'prod/api/db', 'DATABASE_URL', '--stdin'], { input: CANARIES[1] })).code).toBe(0);
    commitAll(repo, 'init');
  });
  afterAll(() => repo.cleanup());
  const read = (rel: string) => readFileSync(join(repo.dir, rel), 'utf8');

  it('3. `keyfold sett` → exit 2, did you mean set?', async () => {
    const r = await repo.run(['sett', 'dev/api/db', 'X'], { as: null });
    const line = expectOneLineError(r, 2);
    expect(line).toContain('did you mean set?');
    expect(r.stdout).toBe('');
  });

  it('4. an empty value for an existing key is refused (exit 2, hint --allow-empty) from --stdin and --value; the old value stays; --allow-empty sets it', async () => {
    const before = read('secrets/dev/api/db.yaml');
    for (const [args, input] of [
      [['--stdin'], ''],
      [['--stdin'], '\n'], // the one trailing newline stdin drops leaves nothing
      [['--value', ''], undefined],
      [[], ''], // no flag: standard input
    ] as const) {
      const r = await repo.run(['set', 'dev/api/db', 'DATABASE_URL', ...args], { input });
      const line = expectOneLineError(r, 2);
      expect(line).toContain('--allow-empty');
      expect(line).toContain('DATABASE_URL');
      expect(r.stdout).toBe('');
      expectNoCanary(r, CANARIES);
    }
    expect(read('secrets/dev/api/db.yaml')).toBe(before);
    const g = await repo.run(['get', 'dev/api/db', 'DATABASE_URL']);
    expect(g).toMatchObject({ code: 0, stdout: `${CANARIES[0]}\n` });
    // A new key with an empty value is refused the same way.
    const fresh = await repo.run(['set', 'dev/api/db', 'EMPTY_ONE', '--stdin'], { input: '' });
    expectOneLineError(fresh, 2);

    const ok = await repo.run(['set', 'dev/api/other', 'MAYBE_EMPTY', '--stdin', '--allow-empty'], { input: '' });
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.stdout).toBe('created: dev/api/other MAYBE_EMPTY\n');
    const ok2 = await repo.run(['set', 'dev/api/other', 'ALSO_EMPTY', '--value', '', '--allow-empty']);
    expect(ok2.code, ok2.stderr).toBe(0);
    const got = await repo.run(['get', 'dev/api/other', 'MAYBE_EMPTY', '--json']);
    expect(got).toMatchObject({ code: 0, stdout: '""\n' });
    expect(JSON.parse((await repo.run(['get', 'dev/api/other', 'ALSO_EMPTY', '--json'])).stdout)).toBe('');
  });

  it('5. set refuses NODE_OPTIONS and a lower-case name (exit 2), nothing written', async () => {
    const before = read('secrets/dev/api/db.yaml');
    for (const key of ['NODE_OPTIONS', 'LD_PRELOAD', 'database_url', 'Database_Url']) {
      const r = await repo.run(['set', 'dev/api/db', key, '--stdin'], { input: `${CANARY}-refused` });
      const line = expectOneLineError(r, 2);
      expect(line, key).toContain(key.startsWith('LD_') ? 'LD_*' : key);
      expect(r.stdout).toBe('');
      expectNoCanary(r, [`${CANARY}-refused`, ...CANARIES]);
    }
    expect(read('secrets/dev/api/db.yaml')).toBe(before);
    // A refused name does not create a file either.
    const r = await repo.run(['set', 'dev/api/newfile', 'NODE_OPTIONS', '--value', '--require ./x.js']);
    expectOneLineError(r, 2);
    expect(existsSync(join(repo.dir, 'secrets/dev/api/newfile.yaml'))).toBe(false);
  });

  it('5. edit refuses a document holding NODE_OPTIONS or a lower-case key (exit 2): the file is unchanged and the plaintext copy is gone', async () => {
    const before = read('secrets/dev/api/db.yaml');
    for (const bad of ['NODE_OPTIONS: x', 'lower_case: x']) {
      const seen = join(repo.home, `editor-saw-${n++}`);
      const editor = join(repo.home, `editor-${n++}.sh`);
      // The editor replaces the document (keeping the real value) and records the temp path.
      writeFileSync(editor, `#!/bin/sh\nprintf '%s\\n' "$1" > '${seen}'\nprintf 'DATABASE_URL: ${CANARIES[0]}\\n${bad}\\n' > "$1"\n`, { mode: 0o755 });
      const r = await repo.run(['edit', 'dev/api/db'], { env: { EDITOR: editor, VISUAL: undefined } });
      const line = expectOneLineError(r, 2);
      expect(line).toContain(bad.split(':')[0]!);
      expect(r.stdout).toBe('');
      expectNoCanary(r, CANARIES);
      expect(read('secrets/dev/api/db.yaml')).toBe(before);
      const tempFile = readFileSync(seen, 'utf8').trim();
      expect(tempFile).not.toBe('');
      expect(existsSync(tempFile), 'the decrypted copy is removed').toBe(false);
    }
  });

  it('5. encrypt --in-place of a plaintext YAML under secrets/ holding NODE_OPTIONS (or a lower-case key) is refused; the file is left as it was', async () => {
    mkdirSync(join(repo.dir, 'secrets/dev/plain'), { recursive: true });
    for (const bad of ['NODE_OPTIONS', 'lower_key']) {
      const rel = `secrets/dev/plain/${bad.toLowerCase()}.yaml`;
      const text = `GOOD_KEY: ${CANARY}-plain\n${bad}: --require ./evil.js\n`;
      writeFileSync(join(repo.dir, rel), text);
      for (const args of [['encrypt', '--in-place', rel], ['encrypt', rel]]) {
        const r = await repo.run(args);
        const line = expectOneLineError(r, 2);
        expect(line).toContain(bad);
        expect(r.stdout).toBe('');
        expectNoCanary(r, [`${CANARY}-plain`]);
      }
      expect(read(rel)).toBe(text);
    }
  });

  it('6. a developer cannot set a prod file (exit 4, naming the grant); may add a prod provider key (write-only) but not read it back', async () => {
    const before = read('secrets/prod/api/db.yaml');
    const r = await repo.run(['set', 'prod/api/db', 'DATABASE_URL', '--stdin'], { as: alice, input: `${CANARY}-alice-prod` });
    const line = expectOneLineError(r, 4);
    expect(line).toContain('alice');
    expect(line).toContain('prod/api/db');
    expect(line).toMatch(/no grant of role developer has write/);
    expect(r.stdout).toBe('');
    expectNoCanary(r, [`${CANARY}-alice-prod`, ...CANARIES]);
    expect(read('secrets/prod/api/db.yaml')).toBe(before);
    // A new key in an existing prod file she cannot write is refused the same way.
    const r2 = await repo.run(['set', 'prod/api/db', 'OTHER_KEY', '--stdin'], { as: alice, input: `${CANARY}-alice-prod` });
    expectOneLineError(r2, 4);

    const w = await repo.run(['set', 'prod/providers/openai', 'OPENAI_API_KEY', '--stdin'], { as: alice, input: CANARIES[2] });
    expect(w.code, w.stderr).toBe(0);
    expect(w.stdout).toMatch(/^created: prod\/providers\/openai OPENAI_API_KEY \(write-only/);
    expectNoCanary(w, CANARIES);
    const g = await repo.run(['get', 'prod/providers/openai', 'OPENAI_API_KEY'], { as: alice });
    expectOneLineError(g, 4);
    expectNoCanary(g, CANARIES);
    const admin = await repo.run(['get', 'prod/providers/openai', 'OPENAI_API_KEY']);
    expect(admin).toMatchObject({ code: 0, stdout: `${CANARIES[2]}\n` });
    // She can read and write dev.
    expect(await repo.run(['get', 'dev/api/db', 'DATABASE_URL'], { as: alice })).toMatchObject({ code: 0, stdout: `${CANARIES[0]}\n` });
  });
});

describe('7. writes follow the default branch policy', () => {
  it('on a branch whose committed policy adds an outsider reading prod: set encrypts without them (warning); --worktree-policy includes them', async () => {
    const repo = await makeRepo({ members: ['outsider'] });
    try {
      commitAll(repo, 'init');
      // The default branch (main, master or init.defaultBranch): keyfold compares with it.
      const main = repo.git('branch', '--show-current').trim();
      expect(main).not.toBe('');
      repo.git('checkout', '-q', '-b', 'sneaky');
      await addMember(repo, 'outsider', 'ci-prod', ['--kind', 'machine']);
      commitAll(repo, 'add outsider');
      const outsider = repo.identity('outsider');

      const r = await repo.run(['set', 'prod/providers/new', 'NEW_KEY', '--stdin'], { input: `${CANARY}-branch` });
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toBe('created: prod/providers/new NEW_KEY\n');
      expect(r.stderr).toMatch(new RegExp(`^keyfold: warning: policies/access\\.yaml differs from ${main}: .*--worktree-policy`));
      expectNoCanary(r, [`${CANARY}-branch`]);
      expect(readFileSync(join(repo.dir, 'secrets/prod/providers/new.yaml'), 'utf8')).not.toContain(outsider.recipient);
      const g = await repo.run(['get', 'prod/providers/new', 'NEW_KEY'], { as: outsider });
      expectOneLineError(g, 4);
      expectNoCanary(g, [`${CANARY}-branch`]);
      expect((await repo.run(['get', 'prod/providers/new', 'NEW_KEY'])).stdout).toBe(`${CANARY}-branch\n`);

      const w = await repo.run(['set', 'prod/providers/new2', 'NEW_KEY', '--stdin', '--worktree-policy'], { input: `${CANARY}-worktree` });
      expect(w.code, w.stderr).toBe(0);
      expect(w.stderr).not.toMatch(/differs/);
      expect(await repo.run(['get', 'prod/providers/new2', 'NEW_KEY'], { as: outsider })).toMatchObject({ code: 0, stdout: `${CANARY}-worktree\n` });
    } finally {
      repo.cleanup();
    }
  });

  it('an uncommitted policy edit on the default branch is not used either (warning), unless --worktree-policy', async () => {
    const repo = await makeRepo({ members: ['outsider'] });
    try {
      commitAll(repo, 'init');
      await addMember(repo, 'outsider', 'ci-prod');
      const outsider = repo.identity('outsider');
      const r = await repo.run(['set', 'prod/providers/x', 'X_KEY', '--stdin'], { input: `${CANARY}-uncommitted` });
      expect(r.code, r.stderr).toBe(0);
      expect(r.stderr).toMatch(/differs from/);
      expectOneLineError(await repo.run(['get', 'prod/providers/x', 'X_KEY'], { as: outsider }), 4);
    } finally {
      repo.cleanup();
    }
  });
});

describe('8. member add changes only the lines it means to', () => {
  it('on a fresh init repo: the member line added and the developer role line rewritten, nothing else in access.yaml; every grant line byte-identical', async () => {
    const repo = await makeRepo({ members: ['bob'] });
    try {
      commitAll(repo, 'init');
      const before = readFileSync(join(repo.dir, 'policies/access.yaml'), 'utf8');
      const bob = repo.identity('bob');
      const r = await repo.run(['member', 'add', 'bob', '--recipient', bob.recipient, '--role', 'developer', '--github', 'bob']);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toMatch(/^added member bob \(role developer\)/);
      expect(repo.git('diff', '--numstat', '--', 'policies/access.yaml')).toBe('2\t1\tpolicies/access.yaml\n');
      const diff = repo.git('diff', '-U0', '--', 'policies/access.yaml').split('\n');
      const removed = diff.filter((l) => /^-(?!--)/.test(l));
      const added = diff.filter((l) => /^\+(?!\+\+)/.test(l));
      // The scaffold's role list is a one-line flow sequence, so adding bob rewrites that one line.
      expect(removed).toEqual([expect.stringMatching(/^- {2}developer: \[\] +# read dev and staging; write dev, and any environment's providers\/ \(write-only in prod\)$/)]);
      expect(added).toEqual([
        `+  bob: { recipient: ${bob.recipient}, github: bob }`,
        expect.stringMatching(/^\+ {2}developer: \[ ?bob ?\] +# read dev and staging; write dev, and any environment's providers\/ \(write-only in prod\)$/),
      ]);
      const after = readFileSync(join(repo.dir, 'policies/access.yaml'), 'utf8');
      const grants = (t: string) => t.split('\n').filter((l) => /^\s+- \{ role:/.test(l));
      expect(grants(after)).toEqual(grants(before));
      expect(grants(after).length).toBeGreaterThan(5);
      // And the rest of the file is the same, line for line.
      const rest = (t: string) => t.split('\n').filter((l) => !/^ {2}(bob|developer):/.test(l));
      expect(rest(after)).toEqual(rest(before));
      // The generated files follow the policy; validate agrees with the result.
      const v = await repo.run(['validate'], { as: null });
      expect(v.code, v.stdout + v.stderr).toBe(0);
    } finally {
      repo.cleanup();
    }
  });
});

describe('9. shell completion', () => {
  const zsh = findOnPath('zsh');
  const fish = findOnPath('fish');
  if (!zsh || !fish) console.warn(`skipped: completion checks in ${[!zsh && 'zsh', !fish && 'fish'].filter(Boolean).join(' and ')} (not installed; apt-get install zsh fish)`);
  const home = freshHome();
  const script = async (shell: string) => {
    const r = await runCli(['completion', shell], { cwd: home, env: { HOME: home } });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toBe('');
    const file = join(home, `keyfold.${shell}`);
    writeFileSync(file, r.stdout);
    return { text: r.stdout, file };
  };

  it('bash: bash -n accepts it; sourced, it completes commands, subcommands and options', async () => {
    const { file } = await script('bash');
    expect(spawnSync('bash', ['-n', file]).status).toBe(0);
    const complete = (words: string[]) => {
      const r = spawnSync('bash', ['-c', `source "$0"; COMP_WORDS=(${words.map((w) => `'${w}'`).join(' ')}); COMP_CWORD=${words.length - 1}; _keyfold; printf '%s\\n' "\${COMPREPLY[@]}"`, file], { encoding: 'utf8' });
      expect(r.stderr).toBe('');
      return r.stdout.split('\n').filter(Boolean);
    };
    expect(complete(['keyfold', 'se'])).toEqual(['set']);
    expect(complete(['keyfold', 'who'])).toEqual(['whoami']);
    expect(complete(['keyfold', 'member', ''])).toEqual(['add', 'remove']);
    expect(complete(['keyfold', 'run', '--no'])).toEqual(['--no-redact']);
    expect(complete(['keyfold', 'set', '--allow'])).toEqual(['--allow-empty']);
    expect(complete(['keyfold', 'recipients', 'sync', '--ch'])).toEqual(['--check']);
  });

  // Regression (was a bug): the generated case statement lists "completion") twice: first with the ordinary
  // option list, then the branch that offers the shell names. bash (and zsh) take the
  // first match, so `keyfold completion <TAB>` offers file names, never bash/zsh/fish.
  it('bash: `keyfold completion <TAB>` offers the shells', async () => {
    const { file } = await script('bash');
    const r = spawnSync('bash', ['-c', `source "$0"; cd "$1"; COMP_WORDS=(keyfold completion ''); COMP_CWORD=2; _keyfold; printf '%s\\n' "\${COMPREPLY[@]}"`, file, home], { encoding: 'utf8' });
    expect(r.stdout.split('\n').filter(Boolean)).toEqual(['bash', 'zsh', 'fish']);
  });

  it.skipIf(!zsh)('zsh: zsh -n accepts it, and it sources cleanly after compinit', async () => {
    const { file } = await script('zsh');
    expect(spawnSync(zsh!, ['-n', file]).status).toBe(0);
    const r = spawnSync(zsh!, ['-fc', 'autoload -U compinit && compinit -u -D; source "$1" && whence -w _keyfold', 'zsh', file], { env: { PATH: process.env['PATH'], HOME: home }, encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toBe('_keyfold: function\n');
  });

  it.skipIf(!fish)('fish: fish -n accepts it; sourced, it completes commands and options', async () => {
    const { file } = await script('fish');
    expect(spawnSync(fish!, ['-n', file]).status).toBe(0);
    const r = spawnSync(fish!, ['-c', `source '${file}'; complete -C'keyfold se'; complete -C'keyfold member '`], { env: { PATH: process.env['PATH'], HOME: home }, encoding: 'utf8' });
    expect(r.stderr).toBe('');
    const lines = r.stdout.split('\n').filter(Boolean);
    expect(lines.some((l) => l.startsWith('set\t'))).toBe(true);
    expect(lines).toContain('add');
    expect(lines).toContain('remove');
  });

  // Regression (was a bug): the fish script puts command descriptions in double quotes, where fish expands
  // variables (and, since fish 3.4, `$(…)` command substitutions): `edit`'s description
  // "… in $EDITOR …" shows the user's editor command (or nothing) instead of "$EDITOR".
  // Descriptions should be single-quoted (with ' and \ escaped).
  (fish ? it : it.skip)('fish: descriptions are literal text ($EDITOR is not expanded when the script is sourced)', async () => {
    const { file } = await script('fish');
    const r = spawnSync(fish!, ['-c', `source '${file}'; complete -C'keyfold edi'`], { env: { PATH: process.env['PATH'], HOME: home, EDITOR: 'CANARY-EDITOR' }, encoding: 'utf8' });
    expect(r.stdout).toMatch(/^edit\t/m);
    expect(r.stdout).not.toContain('CANARY-EDITOR');
    expect(r.stdout).toContain('$EDITOR');
  });

  it('completion powershell → exit 2; no shell → exit 2', async () => {
    const r = await runCli(['completion', 'powershell'], { cwd: home, env: { HOME: home } });
    const line = expectOneLineError(r, 2);
    expect(line).toMatch(/bash\|zsh\|fish/);
    expect(r.stdout).toBe('');
    expectOneLineError(await runCli(['completion'], { cwd: home, env: { HOME: home } }), 2);
  });
});

describe('10. whoami and doctor', () => {
  let repo: TestRepo;
  let alice: TestIdentity;
  let stranger: TestIdentity;
  beforeAll(async () => {
    repo = await makeRepo({ members: ['alice'] });
    alice = repo.identity('alice');
    stranger = makeIdentity(repo.home, 'stranger');
    await addMember(repo, 'alice', 'developer');
    const sets: Array<[string, string, string]> = [
      ['dev/api/db', 'DATABASE_URL', CANARIES[0]!],
      ['prod/api/db', 'DATABASE_URL', CANARIES[1]!],
      ['prod/providers/openai', 'OPENAI_API_KEY', CANARIES[2]!],
      ['staging/providers/stripe', 'STRIPE_KEY', CANARIES[3]!],
    ];
    for (const [ref, key, value] of sets) expect((await repo.run(['set', ref, key, '--stdin'], { input: value })).code).toBe(0);
    commitAll(repo, 'init');
  });
  afterAll(() => repo.cleanup());

  interface Whoami {
    sources: Array<{ kind: string; name: string; recipients: string[] }>;
    members: Array<{ member: string; kind: string; roles: string[]; read: string[]; write: string[]; breakglass: string[] }>;
    unknown: string[];
  }
  const whoami = async (opts: Parameters<TestRepo['run']>[1]) => {
    const [text, json] = await Promise.all([repo.run(['whoami'], opts), repo.run(['whoami', '--json'], opts)]);
    for (const r of [text, json]) {
      expect(r.code, r.stderr).toBe(0);
      expect(r.stderr).toBe('');
      expectNoCanary(r, CANARIES);
      expect(r.stdout).not.toMatch(/AGE-SECRET-KEY/);
    }
    return { text: text.stdout, json: JSON.parse(json.stdout) as Whoami };
  };
  const ALL = ['dev/api/db', 'prod/api/db', 'prod/providers/openai', 'staging/providers/stripe'];

  it('whoami for an admin (--identity): the source, the member, its roles, every ref read and written', async () => {
    const { text, json } = await whoami({});
    expect(json).toEqual({
      sources: [{ kind: 'flag', name: repo.admin.file, recipients: [repo.admin.recipient] }],
      members: [{ member: 'admin', kind: 'human', roles: ['admin'], read: ALL, write: ALL, breakglass: [] }],
      unknown: [],
      repository: true,
    });
    expect(text).toContain(`identity ${repo.admin.file} (flag): ${repo.admin.recipient}`);
    expect(text).toMatch(/member admin \(human\), roles: admin/);
    expect(text).toContain(`reads 4 refs: ${ALL.join(', ')}`);
  });

  it('whoami for a developer found through KEYFOLD_AGE_KEY_FILE: dev and staging read; dev and providers written', async () => {
    const { text, json } = await whoami({ as: null, env: { KEYFOLD_AGE_KEY_FILE: alice.file } });
    expect(json.sources).toEqual([{ kind: 'env-file', name: alice.file, recipients: [alice.recipient] }]);
    expect(json.members).toEqual([
      { member: 'alice', kind: 'human', roles: ['developer'], read: ['dev/api/db', 'staging/providers/stripe'], write: ['dev/api/db', 'prod/providers/openai', 'staging/providers/stripe'], breakglass: [] },
    ]);
    expect(json.unknown).toEqual([]);
    expect(text).toMatch(/member alice \(human\), roles: developer/);
    expect(text).toContain('reads 2 refs: dev/api/db, staging/providers/stripe');
  });

  it('whoami for an identity that is not a member (SOPS_AGE_KEY): unknown, with how to be added; together with a member', async () => {
    const { text, json } = await whoami({ as: null, env: { SOPS_AGE_KEY: readFileSync(stranger.file, 'utf8') } });
    expect(json).toEqual({ sources: [{ kind: 'env', name: 'SOPS_AGE_KEY', recipients: [stranger.recipient] }], members: [], unknown: [stranger.recipient], repository: true });
    expect(text).toContain(`not a member of the policy: ${stranger.recipient}`);
    expect(text).toContain(`keyfold member add NAME --recipient ${stranger.recipient}`);
    const both = await whoami({ as: stranger, env: { KEYFOLD_AGE_KEY_FILE: alice.file } });
    // --identity replaces every other source.
    expect(both.json.sources.map((s) => s.kind)).toEqual(['flag']);
    expect(both.json.unknown).toEqual([stranger.recipient]);
    // Without any identity at all: says so, exit 0.
    const none = await whoami({ as: null });
    expect(none.json).toEqual({ sources: [], members: [], unknown: [], repository: true });
    expect(none.text).toMatch(/no age identity found .*keygen/);
  });

  interface Doctor {
    ok: boolean;
    checks: Array<{ check: string; status: 'ok' | 'warn' | 'fail'; message: string; hint?: string }>;
  }
  const doctor = async (opts: Parameters<TestRepo['run']>[1] = {}) => {
    const [text, json] = await Promise.all([repo.run(['doctor'], opts), repo.run(['doctor', '--json'], opts)]);
    expect(text.code).toBe(json.code);
    for (const r of [text, json]) {
      expect([0, 1]).toContain(r.code);
      expectNoCanary(r, CANARIES);
      expect(r.stdout + r.stderr).not.toMatch(/AGE-SECRET-KEY/);
    }
    const d = JSON.parse(json.stdout) as Doctor;
    for (const c of d.checks) {
      expect(Object.keys(c).sort()).toEqual(expect.arrayContaining(['check', 'message', 'status']));
      expect(['ok', 'warn', 'fail']).toContain(c.status);
    }
    expect(d.ok).toBe(json.code === 0);
    return { code: json.code, d, text: text.stdout };
  };
  const check = (d: Doctor, name: string) => d.checks.filter((c) => c.check === name);

  it('doctor on a healthy repository: exit 0, ok, no failing check, each environment counted', async () => {
    const { code, d, text } = await doctor();
    expect(code).toBe(0);
    expect(d.ok).toBe(true);
    expect(d.checks.filter((c) => c.status === 'fail')).toEqual([]);
    for (const name of ['identity', 'repository', 'config', 'policy', 'member', 'generated', 'git']) expect(check(d, name)[0]?.status, name).toBe('ok');
    expect(check(d, 'member')[0]!.message).toBe('you are admin');
    expect(check(d, 'environment').map((c) => c.message)).toEqual(['dev: you can open 1 of 1 files', 'prod: you can open 2 of 2 files', 'staging: you can open 1 of 1 files']);
    expect(text).toMatch(/all checks passed/);
    // A developer sees what they can open; a stranger is warned (exit 0).
    const [dev, s] = await Promise.all([doctor({ as: alice }), doctor({ as: stranger })]);
    expect(check(dev.d, 'environment').map((c) => c.message)).toEqual(['dev: you can open 1 of 1 files', 'prod: you can open 0 of 2 files', 'staging: you can open 1 of 1 files']);
    expect(s.code).toBe(0);
    expect(check(s.d, 'member')[0]).toMatchObject({ status: 'warn' });
  });

  it('doctor with a broken keyfold.yaml: exit 1, the config check fails naming the file and line', async () => {
    const file = join(repo.dir, 'keyfold.yaml');
    const good = readFileSync(file, 'utf8');
    try {
      writeFileSync(file, good + 'environments: [dev\n');
      const { code, d, text } = await doctor();
      expect(code).toBe(1);
      expect(d.ok).toBe(false);
      expect(check(d, 'config')[0]).toMatchObject({ status: 'fail', message: expect.stringMatching(/^keyfold\.yaml:\d+: /) });
      expect(text).toMatch(/^FAIL +config +keyfold\.yaml:\d+/m);
      expect(text).toMatch(/some checks failed/);
    } finally {
      writeFileSync(file, good);
    }
  });

  it('doctor with a stale .sops.yaml: a warning, exit 0', async () => {
    const file = join(repo.dir, '.sops.yaml');
    const good = readFileSync(file, 'utf8');
    try {
      writeFileSync(file, good.replace(/(age: age1[a-z0-9]+)/, `$1,${stranger.recipient}`));
      const { code, d, text } = await doctor();
      expect(code).toBe(0);
      expect(d.ok).toBe(true);
      expect(check(d, 'generated')[0]).toMatchObject({ status: 'warn', message: expect.stringContaining('.sops.yaml') });
      expect(text).toMatch(/^warn +generated +\.sops\.yaml/m);
      expect(text).toMatch(/all checks passed \(with warnings\)/);
    } finally {
      writeFileSync(file, good);
    }
  });
});
