/**
 * Regressions for the red team's attacks (docs/threat-model.md): each test performs the
 * attack end to end in a real temp git repository with the built CLI and asserts it is
 * stopped. Values are canaries: none may appear in any output.
 */
import { execFileSync } from 'node:child_process';
import { mkfifoSync } from './helpers/fifo.js';
import { mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { makeIdentity, makeRepo, type TestIdentity, type TestRepo } from './helpers/repo.js';

const CANARY = 'CANARY-red-team';

let repo: TestRepo;
let alice: TestIdentity;
let outsider: TestIdentity;

const commit = (message: string) => {
  repo.git('add', '-A');
  repo.git('commit', '-q', '--allow-empty', '-m', message);
  return repo.git('rev-parse', 'HEAD').trim();
};
const write = (rel: string, text: string) => {
  mkdirSync(join(repo.dir, rel, '..'), { recursive: true });
  writeFileSync(join(repo.dir, rel), text);
};
const read = (rel: string) => readFileSync(join(repo.dir, rel), 'utf8');
const set = (ref: string, key: string, value: string, as?: TestIdentity) => repo.run(['set', ref, key, '--stdin'], { input: value, as });
const noCanary = (r: { stdout: string; stderr: string }) => expect(r.stdout + r.stderr).not.toContain(CANARY);

beforeEach(async () => {
  repo = await makeRepo({ members: ['alice', 'outsider'] });
  alice = repo.identity('alice');
  outsider = repo.identity('outsider');
  expect((await repo.run(['member', 'add', 'alice', '--recipient', alice.recipient, '--role', 'developer', '--github', 'alice-gh'])).code).toBe(0);
  commit('init');
});
afterEach(() => repo.cleanup());

describe('1. rollback under a new path (S5)', () => {
  it('a revoked provider key restored as a new file, the original deleted, fails validate --base', async () => {
    expect((await set('prod/providers/openrouter', 'OPENROUTER_API_KEY', `${CANARY}-revoked`)).code).toBe(0);
    const revoked = commit('add openrouter');
    expect((await set('prod/providers/openrouter', 'OPENROUTER_API_KEY', `${CANARY}-rotated`)).code).toBe(0);
    const base = commit('rotate openrouter');
    write('secrets/prod/providers/openrouter-eu.yaml', repo.git('show', `${revoked}:secrets/prod/providers/openrouter.yaml`));
    rmSync(join(repo.dir, 'secrets/prod/providers/openrouter.yaml'));
    commit('move openrouter to eu');
    const r = await repo.run(['validate', '--base', base, '--author', 'admin'], { as: null });
    expect(r.code, r.stdout + r.stderr).toBe(3);
    expect(r.stdout).toMatch(/secrets\/prod\/providers\/openrouter-eu\.yaml:\d+: rollback: the MAC equals that of an earlier version of secrets\/prod\/providers\/openrouter\.yaml \(commit [0-9a-f]{12}\)/);
    noCanary(r);
  });

  it('a renamed file (git mv, nothing else) is not a rollback', async () => {
    expect((await set('prod/providers/openrouter', 'OPENROUTER_API_KEY', `${CANARY}-current`)).code).toBe(0);
    const base = commit('add openrouter');
    repo.git('mv', 'secrets/prod/providers/openrouter.yaml', 'secrets/prod/providers/openrouter-eu.yaml');
    commit('rename');
    const r = await repo.run(['validate', '--base', base, '--author', 'admin'], { as: null });
    expect(r.stdout).not.toMatch(/rollback/);
  });
});

describe('2. a hidden reader under a duplicate label', () => {
  it('an extra envelope reusing a member label is refused by readers (exit 5) and by validate', async () => {
    expect((await set('dev/api/db', 'DATABASE_URL', `${CANARY}-db`)).code).toBe(0);
    commit('db');
    const text = read('secrets/dev/api/db.yaml');
    // Duplicate the admin's age entry, as an attacker would with an outsider's envelope.
    const m = /( {8}- recipient: (age1[a-z0-9]+)\n {10}enc: \|\n(?: {14}.*\n)+)/.exec(text);
    expect(m).not.toBeNull();
    write('secrets/dev/api/db.yaml', text.replace(m![1]!, m![1]! + m![1]!));
    for (const args of [['get', 'dev/api/db', 'DATABASE_URL'], ['set', 'dev/api/db', 'OTHER', '--value', 'x'], ['recipients', 'sync']]) {
      const r = await repo.run(args);
      expect(r.code, `${args.join(' ')}: ${r.stderr}`).toBe(5);
      expect(r.stderr).toMatch(/appears twice in one key group/);
      noCanary(r);
    }
    expect(read('secrets/dev/api/db.yaml')).toContain(m![1]! + m![1]!); // nothing was written
    const v = await repo.run(['validate'], { as: null });
    expect(v.code).toBe(3);
    expect(v.stdout).toMatch(/secrets\/dev\/api\/db\.yaml:\d+: sops-format: .*appears twice/);
  });
});

describe('3. forged authority in validate --base', () => {
  it('a numeric login is a login, never a github_id', async () => {
    const policy = read('policies/access.yaml').replace(/^( {2}admin: \{ recipient: age1[a-z0-9]+) \}/m, '$1, github_id: 4242 }');
    expect(policy).toContain('github_id: 4242');
    write('policies/access.yaml', policy);
    const base = commit('admin id');
    expect((await set('prod/api/db', 'DATABASE_URL', `${CANARY}-forged`)).code).toBe(0);
    commit('prod change');
    const asNumber = await repo.run(['validate', '--base', base, '--author', '4242'], { as: null });
    expect(asNumber.code).toBe(3);
    expect(asNumber.stdout).toMatch(/author/);
    const asId = await repo.run(['validate', '--base', base, '--author', 'id:4242'], { as: null });
    expect(asId.stdout).not.toMatch(/write-access|author:/);
  });
});

describe('6. dangerous variable names', () => {
  it('set, and validate for keyfold.yaml services, refuse names that change how programs start', async () => {
    for (const name of ['GCONV_PATH', 'NODE_EXTRA_CA_CERTS', 'GIT_CONFIG_KEY_0', 'NPM_CONFIG_REGISTRY', 'GIT_SSH_COMMAND', 'EDITOR', 'PYTHONWARNINGS', 'BASH_ENV', 'HTTPS_PROXY', 'SSL_CERT_FILE', 'JAVA_TOOL_OPTIONS']) {
      const r = await set('dev/api/env', name, 'x');
      expect(r.code, name).toBe(2);
    }
    write('keyfold.yaml', read('keyfold.yaml').replace('services: {}', 'services:\n  api:\n    env: { NODE_OPTIONS: "--require ./x.js" }'));
    const v = await repo.run(['validate'], { as: null });
    expect(v.code).toBe(3);
    expect(v.stdout).toMatch(/keyfold\.yaml:\d+: service-env: service api: refused name NODE_OPTIONS/);
  });
});

describe('7. control files read through symlinks and devices', () => {
  it('keyfold.yaml pointing at /dev/zero and a policy that is a FIFO are refused at once', async () => {
    rmSync(join(repo.dir, 'keyfold.yaml'));
    symlinkSync('/dev/zero', join(repo.dir, 'keyfold.yaml'));
    const v = await repo.run(['validate'], { as: null });
    expect(v.code).not.toBe(0);
    expect(v.code).not.toBe(70);
    const r1 = await repo.run(['set', 'dev/api/db', 'X', '--value', 'y']);
    expect(r1.code).toBe(5);
    expect(r1.stderr).toMatch(/keyfold\.yaml is a symlink/);
    rmSync(join(repo.dir, 'keyfold.yaml'));
    repo.git('checkout', '--', 'keyfold.yaml');
    rmSync(join(repo.dir, 'policies/access.yaml'));
    mkfifoSync(join(repo.dir, 'policies/access.yaml'));
    const r2 = await repo.run(['set', 'dev/api/db', 'X', '--value', 'y']);
    expect(r2.code).toBe(2);
    expect(r2.stderr).toMatch(/not a regular file/);
  });

  it('an --identity that is /dev/zero or a FIFO is refused, never read without bound', async () => {
    expect((await set('dev/api/db', 'X', `${CANARY}-x`)).code).toBe(0);
    const r = await repo.run(['get', 'dev/api/db', 'X', '--identity', '/dev/zero'], { as: null });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/identity file/);
    const fifo = join(repo.home, 'fifo');
    mkfifoSync(fifo);
    const f = await repo.run(['get', 'dev/api/db', 'X', '--identity', fifo], { as: null });
    expect(f.code).toBe(1);
    expect(f.stderr).toMatch(/not a regular file/);
  });
});

describe('10. control-plane gaps', () => {
  it('a developer changing a nested package.json, .npmrc, .yarnrc.yml, .gitmodules or a root CODEOWNERS is a control-plane violation', async () => {
    const base = commit('base');
    for (const f of ['tools/package.json', 'tools/.npmrc', '.yarnrc.yml', 'pnpm-lock.yaml', '.gitmodules', 'CODEOWNERS', 'docs/CODEOWNERS', 'secrets/.sops.yml']) write(f, 'x\n');
    commit('sneaky');
    const v = await repo.run(['validate', '--base', base, '--author', 'alice-gh'], { as: null });
    expect(v.code).toBe(3);
    for (const f of ['tools/package.json', 'tools/.npmrc', '.yarnrc.yml', 'pnpm-lock.yaml', '.gitmodules', 'CODEOWNERS', 'docs/CODEOWNERS', 'secrets/.sops.yml']) {
      expect(v.stdout, f).toContain(`${f}:1: control-plane:`);
    }
  });
});

// keep the imports used when a block is skipped
void execFileSync;
void makeIdentity;

