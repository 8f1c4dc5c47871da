/**
 * The git drivers end to end, in real temp git repositories with the built CLI:
 * `keyfold git install` (local config only), plain `git merge` through the merge driver
 * (clean key-level merges, conflicts that leave ours encrypted, `git resolve`), and
 * `git diff` / `git log -p` through textconv. git runs with a temp HOME and no system
 * config, so nothing outside the repository is read or written.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { baseEnv, CLI, runCli } from './helpers/cli.js';
import { makeIdentity, makeRepo, type TestRepo } from './helpers/repo.js';

const REF = 'dev/app/x';
const FILE = 'secrets/dev/app/x.yaml';

interface Git {
  (...args: string[]): string;
  /** Run without asserting success. */
  raw(args: string[], env?: Record<string, string>): { code: number; stdout: string; stderr: string };
}

/** git in the repo with a clean environment (temp HOME, no system config) plus `extra`. */
function gitIn(repo: TestRepo, extra: Record<string, string> = {}): Git {
  const raw = (args: string[], env: Record<string, string> = extra) => {
    const r = spawnSync('git', args, { cwd: repo.dir, env: { ...baseEnv(repo.home), ...env }, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
    return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
  };
  const git = ((...args: string[]) => {
    const r = raw(args);
    if (r.code !== 0) throw new Error(`git ${args.join(' ')} failed (${r.code}): ${r.stderr}`);
    return r.stdout;
  }) as Git;
  git.raw = raw;
  return git;
}

async function setValue(repo: TestRepo, key: string, value: string, ref = REF): Promise<void> {
  const r = await repo.run(['set', ref, key, '--stdin'], { input: value });
  expect(r.code, r.stderr).toBe(0);
}

async function getValue(repo: TestRepo, key: string, ref = REF): Promise<string> {
  const r = await repo.run(['get', ref, key]);
  expect(r.code, r.stderr).toBe(0);
  return r.stdout.replace(/\n$/, '');
}

/** A repository with the drivers installed and a committed file of three keys, on branch `base`. */
async function setup(canary: string): Promise<{ repo: TestRepo; git: Git }> {
  const repo = await makeRepo();
  const git = gitIn(repo, { SOPS_AGE_KEY_FILE: repo.admin.file });
  await setValue(repo, 'K1', `${canary}-k1-base`);
  await setValue(repo, 'K2', `${canary}-k2-base`);
  await setValue(repo, 'K3', `${canary}-k3-base`);
  const inst = await repo.run(['git', 'install']);
  expect(inst.code, inst.stderr).toBe(0);
  git('add', '-A');
  git('commit', '-qm', 'base');
  git('branch', 'base');
  return { repo, git };
}

/** Two branches from `base`: b1 and b2, each with its own changes. */
async function branches(repo: TestRepo, git: Git, b1: () => Promise<void>, b2: () => Promise<void>): Promise<void> {
  git('checkout', '-qb', 'b2', 'base');
  await b2();
  git('commit', '-qam', 'b2');
  git('checkout', '-qb', 'b1', 'base');
  await b1();
  git('commit', '-qam', 'b1');
}

const lineOf = (text: string, key: string) => text.split('\n').find((l) => l.startsWith(`${key}: `));
const envelopeLines = (text: string) => text.slice(text.indexOf('\nsops:')).split('\n').filter((l) => !/^\s+(lastmodified|mac):/.test(l));

/** Every file under `dir` (recursively), as bytes. */
function allFiles(dir: string, skip?: string): Array<[string, Buffer]> {
  const out: Array<[string, Buffer]> = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (p === skip) continue;
    if (e.isDirectory()) out.push(...allFiles(p, skip));
    else if (e.isFile()) out.push([p, readFileSync(p)]);
  }
  return out;
}

/** The canaries found in .git (raw files, and every object decompressed) and in the work tree. */
function leaks(repo: TestRepo, git: Git, canaries: string[]): string[] {
  const found: string[] = [];
  const gitDir = join(repo.dir, '.git');
  for (const [path, bytes] of [...allFiles(gitDir), ...allFiles(repo.dir, gitDir)]) {
    for (const c of canaries) if (bytes.includes(c)) found.push(`${path}: ${c}`);
  }
  const objects = git('cat-file', '--batch-all-objects', '--batch');
  for (const c of canaries) if (objects.includes(c)) found.push(`a git object: ${c}`);
  return found;
}

describe('keyfold git merge (the merge driver)', () => {
  it('two branches changing different keys of one file merge through plain `git merge` with no conflict; unchanged ciphertext is kept verbatim', async () => {
    const C = 'CANARY-clean';
    const { repo, git } = await setup(C);
    try {
      await branches(
        repo,
        git,
        () => setValue(repo, 'K1', `${C}-k1-ours`),
        () => setValue(repo, 'K2', `${C}-k2-theirs`),
      );
      const m = git.raw(['merge', '--no-edit', 'b2']);
      expect(m.code, m.stderr + m.stdout).toBe(0);
      expect(m.stdout + m.stderr).not.toMatch(/CONFLICT/);
      expect(m.stdout + m.stderr).not.toContain(C);

      expect(await getValue(repo, 'K1')).toBe(`${C}-k1-ours`);
      expect(await getValue(repo, 'K2')).toBe(`${C}-k2-theirs`);
      expect(await getValue(repo, 'K3')).toBe(`${C}-k3-base`);

      const merged = readFileSync(join(repo.dir, FILE), 'utf8');
      const ours = git('show', `b1:${FILE}`);
      const theirs = git('show', `b2:${FILE}`);
      expect(merged).not.toContain(C);
      expect(lineOf(merged, 'K1')).toBe(lineOf(ours, 'K1'));
      expect(lineOf(merged, 'K2')).toBe(lineOf(theirs, 'K2'));
      expect(lineOf(merged, 'K3')).toBe(lineOf(ours, 'K3'));
      expect(lineOf(merged, 'K3')).toBe(lineOf(theirs, 'K3'));
      expect(envelopeLines(merged)).toEqual(envelopeLines(ours));
      expect(envelopeLines(merged)).toEqual(envelopeLines(theirs));
      expect(git('status', '--porcelain')).toBe('');

      // The driver as git runs it (%O %A %B %P): A is rewritten, the same lines.
      const tmp = join(repo.home, 'driver');
      mkdirSync(tmp);
      for (const [name, rev] of [['O', 'base'], ['A', 'b1'], ['B', 'b2']] as const) writeFileSync(join(tmp, name), git('show', `${rev}:${FILE}`));
      const d = await runCli(['git', 'merge', join(tmp, 'O'), join(tmp, 'A'), join(tmp, 'B'), FILE], { cwd: repo.dir, env: { HOME: repo.home, SOPS_AGE_KEY_FILE: repo.admin.file } });
      expect(d.code, d.stderr).toBe(0);
      const a = readFileSync(join(tmp, 'A'), 'utf8');
      for (const k of ['K1', 'K2', 'K3']) expect(lineOf(a, k)).toBe(lineOf(merged, k));
    } finally {
      repo.cleanup();
    }
  });

  it('the same key changed on both sides: a conflict naming the key, ours left encrypted, `git resolve --theirs` finishes it; no plaintext anywhere in .git or the work tree', async () => {
    const C = 'CANARY-conflict';
    const { repo, git } = await setup(C);
    try {
      git('config', 'rerere.enabled', 'true');
      await branches(
        repo,
        git,
        async () => {
          await setValue(repo, 'K1', `${C}-k1-ours`);
          await setValue(repo, 'K3', `${C}-k3-ours`);
        },
        async () => {
          await setValue(repo, 'K1', `${C}-k1-theirs`);
          await setValue(repo, 'K3', `${C}-k3-theirs`);
        },
      );
      const m = git.raw(['merge', '--no-edit', 'b2']);
      expect(m.code).not.toBe(0);
      expect(m.stderr).toMatch(/CONFLICT in secrets\/dev\/app\/x\.yaml: K1, K3 changed on both sides/);
      expect(m.stderr).toContain(`keyfold git resolve ${REF}`);
      expect(m.stdout + m.stderr).not.toContain(C);

      const work = readFileSync(join(repo.dir, FILE), 'utf8');
      expect(work).not.toMatch(/<<<<<<<|>>>>>>>|=======/);
      expect(work).not.toContain(C);
      expect(work).toBe(git('show', `b1:${FILE}`));
      expect(await getValue(repo, 'K1')).toBe(`${C}-k1-ours`);
      expect(git('ls-files', '--unmerged', '--', FILE)).not.toBe('');
      const records = join(repo.dir, '.git', 'keyfold', 'merge');
      expect(readdirSync(records)).toHaveLength(1);

      // Only conflicting keys may be named; exactly one side.
      const notConflicting = await repo.run(['git', 'resolve', REF, '--theirs', 'K2']);
      expect(notConflicting.code).toBe(2);
      expect(notConflicting.stderr).toMatch(/K2 is not in conflict/);
      expect((await repo.run(['git', 'resolve', REF])).code).toBe(2);

      // One key at a time: K1 theirs (K3 still open, the file still unmerged), then the rest ours.
      const partial = await repo.run(['git', 'resolve', REF, '--theirs', 'K1', '--json']);
      expect(partial.code, partial.stderr).toBe(0);
      expect(JSON.parse(partial.stdout)).toMatchObject({ ref: REF, resolved: [{ key: 'K1', side: 'theirs' }], remaining: ['K3'], staged: false });
      expect(git('ls-files', '--unmerged', '--', FILE)).not.toBe('');
      const r = await repo.run(['git', 'resolve', REF, '--ours', '--json']);
      expect(r.code, r.stderr).toBe(0);
      expect(JSON.parse(r.stdout)).toMatchObject({ ref: REF, resolved: [{ key: 'K3', side: 'ours' }], remaining: [], staged: true });
      expect(await getValue(repo, 'K1')).toBe(`${C}-k1-theirs`);
      expect(await getValue(repo, 'K2')).toBe(`${C}-k2-base`);
      expect(await getValue(repo, 'K3')).toBe(`${C}-k3-ours`);
      const resolved = readFileSync(join(repo.dir, FILE), 'utf8');
      expect(lineOf(resolved, 'K1')).toBe(lineOf(git('show', `b2:${FILE}`), 'K1'));
      expect(lineOf(resolved, 'K3')).toBe(lineOf(git('show', `b1:${FILE}`), 'K3'));
      expect(git('ls-files', '--unmerged')).toBe('');
      expect(existsSync(records) ? readdirSync(records) : []).toEqual([]);
      git('commit', '--no-edit', '-q');
      expect(git('log', '-1', '--format=%P').trim().split(' ')).toHaveLength(2);

      // Nothing left to resolve: exit 6.
      expect((await repo.run(['git', 'resolve', REF, '--ours'])).code).toBe(6);

      const canaries = [`${C}-k1-base`, `${C}-k1-ours`, `${C}-k1-theirs`, `${C}-k2-base`, `${C}-k3-base`, `${C}-k3-ours`, `${C}-k3-theirs`];
      expect(leaks(repo, git, canaries)).toEqual([]);
      // The check finds a canary in a loose (compressed) object, and in a raw file.
      const probe = spawnSync('git', ['hash-object', '-w', '--stdin'], { cwd: repo.dir, input: `probe ${canaries[0]}`, env: baseEnv(repo.home) });
      expect(probe.status).toBe(0);
      writeFileSync(join(repo.dir, '.git', 'probe'), canaries[1]!);
      expect(leaks(repo, git, canaries)).toEqual([`${join(repo.dir, '.git', 'probe')}: ${canaries[1]}`, `a git object: ${canaries[0]}`]);
    } finally {
      repo.cleanup();
    }
  });

  it('a side that was re-keyed, or a merger with no identity: a conflict, ours kept; resolve merges under ours\' data key', async () => {
    const C = 'CANARY-rekey';
    const { repo, git } = await setup(C);
    try {
      await branches(
        repo,
        git,
        async () => {
          const r = await repo.run(['rotate', 'dev/app']);
          expect(r.code, r.stderr).toBe(0);
        },
        () => setValue(repo, 'K2', `${C}-k2-theirs`),
      );
      // No identity: the driver cannot decrypt, so it cannot merge.
      const blind = git.raw(['merge', '--no-edit', 'b2'], {});
      expect(blind.code).not.toBe(0);
      expect(blind.stderr).toMatch(/CONFLICT in secrets\/dev\/app\/x\.yaml: cannot decrypt it, and merging a secrets file takes a reader/);
      expect(readFileSync(join(repo.dir, FILE), 'utf8')).toBe(git('show', `b1:${FILE}`));
      git('merge', '--abort');

      const m = git.raw(['merge', '--no-edit', 'b2']);
      expect(m.code).not.toBe(0);
      expect(m.stderr).toMatch(/different data keys \(a side was re-keyed\); keys changed in ours: none; in theirs: K2/);
      const r = await repo.run(['git', 'resolve', REF, '--ours']);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toMatch(/keeps ours' data key/);
      expect(await getValue(repo, 'K2')).toBe(`${C}-k2-theirs`);
      expect(await getValue(repo, 'K1')).toBe(`${C}-k1-base`);
      const resolved = readFileSync(join(repo.dir, FILE), 'utf8');
      const ours = git('show', `b1:${FILE}`);
      expect(envelopeLines(resolved)).toEqual(envelopeLines(ours));
      expect(lineOf(resolved, 'K1')).toBe(lineOf(ours, 'K1'));
      git('commit', '--no-edit', '-q');
    } finally {
      repo.cleanup();
    }
  });
});

describe('keyfold git textconv (the diff driver)', () => {
  it('`git diff` shows a one-key change as one changed line and no value, also to a user with no identity; values only with the opt-in and an identity; `git log -p` over unreadable and malformed files completes', async () => {
    const C = 'CANARY-diff';
    const { repo, git } = await setup(C);
    try {
      await setValue(repo, 'K2', `${C}-k2-new`);
      const noIdentity = gitIn(repo);
      const changed = (out: string) => out.split('\n').filter((l) => /^[-+]/.test(l) && !/^(---|\+\+\+) /.test(l));

      for (const g of [git, noIdentity]) {
        const d = g.raw(['diff']);
        expect(d.code, d.stderr).toBe(0);
        expect(d.stdout).not.toContain(C);
        const lines = changed(d.stdout);
        expect(lines).toHaveLength(2);
        expect(lines[0]).toMatch(/^-K2: ENC [0-9a-f]{12}$/);
        expect(lines[1]).toMatch(/^\+K2: ENC [0-9a-f]{12}$/);
      }

      // Opt in: a reader sees the values; without an identity, still fingerprints.
      const inst = await repo.run(['git', 'install', '--decrypt-diffs', '--json']);
      expect(inst.code, inst.stderr).toBe(0);
      expect(JSON.parse(inst.stdout).config['keyfold.textconvDecrypt']).toBe('true');
      const reader = changed(git('diff'));
      expect(reader).toEqual([`-K2: "${C}-k2-base"`, `+K2: "${C}-k2-new"`]);
      const blind = noIdentity.raw(['diff']);
      expect(blind.code).toBe(0);
      expect(blind.stdout).not.toContain(C);
      expect(changed(blind.stdout)).toHaveLength(2);
      git('commit', '-qam', 'K2');

      // A file only bob can read, and a malformed one, each changed in history.
      const bob = makeIdentity(repo.home, 'bob');
      for (const [i, v] of [`${C}-bob-1`, `${C}-bob-2`].entries()) {
        const plain = join(repo.home, `bob${i}.yaml`);
        writeFileSync(plain, `BOB_KEY: ${v}\n`);
        const enc = await repo.run(['encrypt', plain, '-r', bob.recipient]);
        expect(enc.code, enc.stderr).toBe(0);
        mkdirSync(join(repo.dir, 'secrets/dev/bob'), { recursive: true });
        writeFileSync(join(repo.dir, 'secrets/dev/bob/only.yaml'), enc.stdout);
        writeFileSync(join(repo.dir, 'secrets/dev/bob/broken.yaml'), `garbage: [unclosed ${i}\n\u0000`);
        git('add', '-A');
        git('commit', '-qm', `bob ${i}`);
      }
      for (const g of [git, noIdentity]) {
        const log = g.raw(['log', '-p']);
        expect(log.code, log.stderr).toBe(0);
        expect(log.stdout).not.toContain(C + '-bob');
        expect(log.stdout).toContain('no identity of yours decrypts this file');
        expect(log.stdout).toMatch(/\+# keyfold: cannot show this file as a SOPS file/);
        expect(log.stdout).toMatch(/^\+BOB_KEY: ENC [0-9a-f]{12}$/m);
      }
      expect(git('log', '-p').includes(`${C}-k2-new`)).toBe(true);
      expect(noIdentity('log', '-p').includes(C)).toBe(false);

      // Direct: any path (git's temp copies), never a failure.
      const junk = join(repo.home, 'junk.bin');
      writeFileSync(junk, Buffer.from([0xff, 0xfe, 0x00]));
      for (const path of [junk, join(repo.home, 'missing.yaml'), repo.home]) {
        const t = await runCli(['git', 'textconv', path], { cwd: repo.home });
        expect(t.code, t.stderr).toBe(0);
        expect(t.stdout).toMatch(/^# keyfold: cannot show this file as a SOPS file/);
      }
      const plainRun = await runCli(['git', 'textconv', join(repo.dir, FILE)], { cwd: repo.home });
      expect(plainRun.code).toBe(0);
      expect(plainRun.stdout).toMatch(/^K1: ENC [0-9a-f]{12}$/m);
      expect(plainRun.stdout).not.toContain(C);
    } finally {
      repo.cleanup();
    }
  });
});

describe('keyfold git install', () => {
  it('writes only the repository-local git config, is idempotent, keeps existing .gitattributes lines', async () => {
    const repo = await makeRepo();
    try {
      const git = gitIn(repo);
      writeFileSync(join(repo.dir, '.gitattributes'), '*.png binary');
      const first = await repo.run(['git', 'install', '--json'], { as: null });
      expect(first.code, first.stderr).toBe(0);
      const r1 = JSON.parse(first.stdout);
      expect(r1.gitattributes.added).toBe(true);
      const quoted = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;
      const command = `${quoted(process.execPath)} ${quoted(CLI)}`;
      expect(r1).toMatchObject({ onPath: false, command, removed: [] });
      const local = () => git('config', '--local', '--get-regexp', '^(diff|merge|keyfold)\\.');
      const expected = [
        `diff.keyfold.textconv ${command} git textconv`,
        'diff.keyfold.cachetextconv false',
        'merge.keyfold.name keyfold: key-level merge of encrypted secrets',
        `merge.keyfold.driver ${command} git merge %O %A %B %P`,
        'merge.keyfold.recursive binary',
      ];
      expect(local().trim().split('\n')).toEqual(expected);
      const attributes = readFileSync(join(repo.dir, '.gitattributes'), 'utf8');
      expect(attributes.startsWith('*.png binary\n')).toBe(true);
      expect(attributes.match(/^secrets\/\*\* diff=keyfold merge=keyfold$/gm)).toHaveLength(1);

      const second = await repo.run(['git', 'install', '--json'], { as: null });
      expect(second.code, second.stderr).toBe(0);
      expect(JSON.parse(second.stdout).gitattributes.added).toBe(false);
      expect(readFileSync(join(repo.dir, '.gitattributes'), 'utf8')).toBe(attributes);
      expect(local().trim().split('\n')).toEqual(expected);

      // --decrypt-diffs adds the opt-in; without it, install removes it again.
      expect((await repo.run(['git', 'install', '--decrypt-diffs'], { as: null })).code).toBe(0);
      expect(git('config', '--local', '--get', 'keyfold.textconvDecrypt').trim()).toBe('true');
      const off = await repo.run(['git', 'install', '--json'], { as: null });
      expect(JSON.parse(off.stdout).removed).toEqual(['keyfold.textconvDecrypt']);
      expect(local().trim().split('\n')).toEqual(expected);

      // Nothing global: the temp HOME has no git config at all.
      const global = git.raw(['config', '--global', '--list']);
      expect(global.stdout).toBe('');
      expect(existsSync(join(repo.home, '.gitconfig'))).toBe(false);
      expect(existsSync(join(repo.home, '.config', 'git', 'config'))).toBe(false);

      // The keyfold on PATH is this install: git runs `keyfold`.
      const bin = join(repo.home, 'bin');
      mkdirSync(bin);
      symlinkSync(CLI, join(bin, 'keyfold'));
      expect(statSync(join(bin, 'keyfold')).mode & 0o111).not.toBe(0);
      const onPath = await repo.run(['git', 'install', '--json'], { as: null, env: { PATH: `${bin}:${process.env['PATH'] ?? ''}` } });
      expect(onPath.code, onPath.stderr).toBe(0);
      expect(JSON.parse(onPath.stdout)).toMatchObject({ onPath: true, command: 'keyfold' });
      expect(git('config', '--local', '--get', 'merge.keyfold.driver').trim()).toBe('keyfold git merge %O %A %B %P');
      expect(git.raw(['config', '--global', '--list']).stdout).toBe('');
    } finally {
      repo.cleanup();
    }
  });
});
