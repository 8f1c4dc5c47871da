/**
 * Regressions for the red team's attacks (docs/threat-model.md): each test performs the
 * attack end to end in a real temp git repository with the built CLI and asserts it is
 * stopped. Values are canaries: none may appear in any output.
 */
import { execFileSync, spawn } from 'node:child_process';
import { mkfifoSync } from './helpers/fifo.js';
import { chmodSync, existsSync, mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CLI, baseEnv, type CliResult } from './helpers/cli.js';
import { makeIdentity, makeRepo, type TestIdentity, type TestRepo } from './helpers/repo.js';

const CANARY = 'CANARY-red-team';

let repo: TestRepo;
let alice: TestIdentity;

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
/** No control character reaches a terminal or CI log raw (line breaks between lines aside). */
// eslint-disable-next-line no-control-regex
const RAW_CONTROL = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/;
const noRawControl = (r: CliResult, what: string) => {
  expect(r.stdout, `${what}: stdout`).not.toMatch(RAW_CONTROL);
  expect(r.stderr, `${what}: stderr`).not.toMatch(RAW_CONTROL);
};
/** An ENC value of the file, to give a key another tool added (validate and ls never decrypt). */
const encValue = (text: string) => /: (ENC\[AES256_GCM,[^\]]+\])/.exec(text)![1]!;
/** `text` with a top-level entry inserted before `sops:`, as another tool would write it. */
const withEntry = (text: string, yamlKey: string, value: string) => text.replace(/^sops:/m, `${yamlKey}: ${value}\nsops:`);

beforeEach(async () => {
  repo = await makeRepo({ members: ['alice', 'outsider'] });
  alice = repo.identity('alice');
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

describe('2b. an envelope rewritten without re-encryption', () => {
  it('is a recipients change, which only admins may make, even under the same label', async () => {
    expect((await set('dev/api/db', 'DATABASE_URL', `${CANARY}-db`)).code).toBe(0);
    expect((await set('dev/api/other', 'TOKEN', `${CANARY}-other`)).code).toBe(0);
    const base = commit('two files');
    // The admin's envelope of db.yaml swapped for another one (here: other.yaml's); the
    // labels and every value's ciphertext stay as they were.
    const envelope = (text: string) => /( {8}- recipient: (age1[a-z0-9]+)\n {10}enc: \|\n((?: {14}.*\n)+))/.exec(text)!;
    const db = read('secrets/dev/api/db.yaml');
    const mine = envelope(db);
    const theirs = envelope(read('secrets/dev/api/other.yaml'));
    expect(theirs[2]).toBe(mine[2]);
    write('secrets/dev/api/db.yaml', db.replace(mine[3]!, theirs[3]!));
    commit('swap an envelope');
    const v = await repo.run(['validate', '--base', base, '--author', 'alice-gh'], { as: null });
    expect(v.code).toBe(3);
    expect(v.stdout).toMatch(/^secrets\/dev\/api\/db\.yaml:1: write-access: the recipients of dev\/api\/db changed; only admins may change recipients \(author alice\)$/m);
    noCanary(v);
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

describe('8. control characters in ref and key names', () => {
  // A name another tool committed: a newline that would start an `::error` workflow
  // command in a CI log, an OSC title sequence, ESC, and a C1 CSI.
  const EVIL = 'EVIL\n::error file=x::pwned\u001b]0;owned\u0007\u009b31m';
  const yamlKey = JSON.stringify(EVIL); // a double-quoted YAML key

  it('set and import refuse control characters in key names; refs are limited to letters, digits, . _ -', async () => {
    for (const key of ['BAD\u001b[31mKEY', 'BAD\nKEY', 'DB.inner\u0007', 'C1\u009bKEY', 'DEL\u007fKEY']) {
      const r = await set('dev/api/db', key, 'x');
      expect(r.code, JSON.stringify(key)).toBe(2);
      expect(r.stderr).toMatch(/invalid key name/);
      noRawControl(r, JSON.stringify(key));
    }
    for (const ref of ['dev/api/\u001b[31mdb', 'dev/api/db\n::error::x']) {
      const r = await set(ref, 'KEY', 'x');
      expect(r.code).toBe(2);
      noRawControl(r, JSON.stringify(ref));
    }
    // A nested name from an imported file reaches the write-time name check.
    write('import.json', JSON.stringify({ DB: { [`inner\u001b]0;x\u0007`]: 'v' } }));
    const imp = await repo.run(['import', join(repo.dir, 'import.json'), '--ref', 'dev/api/imported', '--format', 'json']);
    expect(imp.code).toBe(2);
    expect(imp.stderr).toMatch(/holds a control character/);
    noRawControl(imp, 'import');
    expect(existsSync(join(repo.dir, 'secrets/dev/api/imported.yaml'))).toBe(false);
  });

  it('a key name and a file name another tool committed: listings skip and name them, every output escapes them', async () => {
    expect((await set('dev/api/db', 'DATABASE_URL', `${CANARY}-db`)).code).toBe(0);
    const base = commit('db');
    const text = read('secrets/dev/api/db.yaml');
    write('secrets/dev/api/db.yaml', withEntry(text, yamlKey, encValue(text)));
    write(`secrets/dev/api/x\n::error file=evil::pwned\u001b]0;T\u0007.yaml`, text);
    commit('another tool');

    const ls = await repo.run(['ls']);
    expect(ls.code, ls.stderr).toBe(0);
    expect(ls.stdout).toContain('dev/api/db\n    DATABASE_URL\n');
    expect(ls.stdout).not.toContain('EVIL');
    expect(ls.stderr).toMatch(/^keyfold: warning: skipped secrets\/dev\/api\/db\.yaml: key EVIL\\n::error file=x::pwned\\x1b\]0;owned\\x07\\x9b31m not listed: its name holds a control character$/m);
    expect(ls.stderr).toMatch(/^keyfold: warning: skipped secrets\/dev\/api\/x\\n::error file=evil::pwned\\x1b\]0;T\\x07\.yaml: the file name is not a ref/m);
    const lsJson = JSON.parse((await repo.run(['ls', '--json'])).stdout) as { refs: Array<{ ref: string }>; skipped: Array<{ file: string }> };
    expect(lsJson.refs.map((r) => r.ref)).toEqual(['dev/api/db']);
    expect(lsJson.skipped.map((s) => s.file).sort()).toEqual(['secrets/dev/api/db.yaml', `secrets/dev/api/x\n::error file=evil::pwned\u001b]0;T\u0007.yaml`]);

    const results: Array<[string, CliResult]> = [
      ['ls', ls],
      ['access', await repo.run(['access'])],
      ['access --member', await repo.run(['access', '--member', 'alice'])],
      ['log', await repo.run(['log'])],
      ['log ref', await repo.run(['log', 'dev/api/db'])],
      ['recipients sync --check', await repo.run(['recipients', 'sync', '--check'])],
      ['report', await repo.run(['report', '--html', join(repo.home, 'r.html')])],
    ];
    for (const format of ['text', 'github']) {
      const v = await repo.run(['validate', '--base', base, '--author', 'admin', '--format', format], { as: null });
      expect(v.code, `validate ${format}`).toBe(3);
      results.push([`validate ${format}`, v]);
    }
    for (const [what, r] of results) {
      noRawControl(r, what);
      noCanary(r);
      // No output line is a workflow command but validate's own annotations.
      for (const line of (r.stdout + r.stderr).split('\n')) {
        if (line.startsWith('::')) expect(line, what).toMatch(/^::error file=[^,:]*,line=\d+,title=[a-z-]+::/);
      }
    }
    const [text8, github8] = [results.at(-2)![1].stdout, results.at(-1)![1].stdout];
    expect(text8).toMatch(/^secrets\/dev\/api\/db\.yaml:\d+: key-name: key name EVIL\\n::error file=x::pwned\\x1b\]0;owned\\x07\\x9b31m holds a control character$/m);
    expect(text8).toMatch(/^secrets\/dev\/api\/x\\n::error file=evil::pwned\\x1b\]0;T\\x07\.yaml:1: ref: /m);
    // GitHub's escaping of properties (% CR LF : ,) and data (% CR LF), after the control characters.
    expect(github8).toMatch(/^::error file=secrets\/dev\/api\/x\\n%3A%3Aerror file=evil%3A%3Apwned\\x1b\]0;T\\x07\.yaml,line=1,title=ref::/m);
    expect(github8).toMatch(/^::error file=secrets\/dev\/api\/db\.yaml,line=\d+,title=key-name::key name EVIL\\n::error file=x::pwned/m);
  });
});

describe('9. PR summary: write-only replacements and Markdown injection', () => {
  it('a prod value replaced by an author who cannot read it is said plainly', async () => {
    write('policies/access.yaml', read('policies/access.yaml').replace(/^( {2}admin: \{ recipient: age1[a-z0-9]+) \}/m, '$1, github: admin-gh }'));
    expect((await repo.run(['recipients', 'sync'])).code).toBe(0); // CODEOWNERS names admin-gh
    expect((await set('prod/providers/openrouter', 'OPENROUTER_API_KEY', `${CANARY}-original`)).code).toBe(0);
    const base = commit('admin adds openrouter');
    // alice (developer) may write prod providers but not read them: a write-only replacement.
    const w = await set('prod/providers/openrouter', 'OPENROUTER_API_KEY', `${CANARY}-replaced`, alice);
    expect(w.code, w.stderr).toBe(0);
    expect(w.stdout).toMatch(/write-only/);
    commit('alice replaces the key');
    const summary = join(repo.home, 'summary.md');
    const v = await repo.run(['validate', '--base', base, '--author', 'alice-gh', '--summary', summary, '--json'], { as: null });
    expect(v.code, v.stdout).toBe(0);
    const changed = (JSON.parse(v.stdout) as { changed: Array<{ ref?: string; writeOnly?: boolean; reencrypted?: boolean }> }).changed;
    expect(changed.find((c) => c.ref === 'prod/providers/openrouter')).toMatchObject({ reencrypted: true, writeOnly: true });
    const md = readFileSync(summary, 'utf8');
    expect(md).toMatch(/\| `prod\/providers\/openrouter` \| modified \| \*\*value replaced by an author who cannot read it\*\*: `OPENROUTER_API_KEY` — re-encrypted with a fresh data key, every key in the file is new; no reviewer can see the old or new value \|/);
    expect(md).not.toMatch(/re-encrypted `OPENROUTER_API_KEY`/);
    expect(md).not.toContain(CANARY);
    // The same re-encryption by an admin (who can read it) is not called a write-only replacement.
    const byAdmin = await repo.run(['validate', '--base', base, '--author', 'admin-gh', '--summary', summary], { as: null });
    expect(byAdmin.code, byAdmin.stdout).toBe(0);
    expect(readFileSync(summary, 'utf8')).not.toMatch(/cannot read it/);
    expect(readFileSync(summary, 'utf8')).toMatch(/fresh data key: every key in the file is new/);
  });

  it('@mentions, backticks, HTML and links in key names stay inert in the Markdown', async () => {
    expect((await set('dev/api/db', 'DATABASE_URL', `${CANARY}-db`)).code).toBe(0);
    const base = commit('db');
    const text = read('secrets/dev/api/db.yaml');
    const evil = '@org/everyone `x` <img src=x onerror=alert(1)> [click](https://evil.example) www.evil.example';
    write('secrets/dev/api/db.yaml', withEntry(text, JSON.stringify(evil), encValue(text)));
    commit('evil key');
    const summary = join(repo.home, 'summary.md');
    const v = await repo.run(['validate', '--base', base, '--author', 'admin', '--summary', summary], { as: null });
    expect(v.code).toBe(3);
    const md = readFileSync(summary, 'utf8');
    expect(md).toContain('@org/everyone');
    // Outside inline code spans nothing of the name is left: no mention, tag or link.
    const outside = md.replace(/`[^`\n]*`/g, '');
    for (const s of ['@org', '<img', '](', 'evil.example', 'onerror']) expect(outside, s).not.toContain(s);
    expect(md).toMatch(/`@org\/everyone \?x\? <img src=x onerror=alert\(1\)> \[click\]\(https:\/\/evil\.example\) www\.evil\.example`/);
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

describe('11. edit: no plaintext left behind by a killed keyfold, no identity for the editor', () => {
  it('a SIGKILLed edit leaves keyfold-edit-<pid>-…, the next edit removes it; the editor never sees identity variables', async () => {
    expect((await set('dev/api/db', 'DATABASE_URL', `${CANARY}-db`)).code).toBe(0);
    const work = join(repo.home, 'edit');
    mkdirSync(work, { recursive: true });
    const editor = join(work, 'editor.sh');
    // Records the temp file, its environment and its pid, then waits to be killed.
    writeFileSync(editor, `#!/bin/sh\nprintf '%s' "$1" > "${work}/path"\nenv > "${work}/env"\necho $$ > "${work}/pid"\nexec sleep 60\n`);
    chmodSync(editor, 0o755);
    const adminKey = readFileSync(repo.admin.file, 'utf8').split('\n').find((l) => l.startsWith('AGE-SECRET-KEY-'))!;
    const env = {
      ...baseEnv(repo.home),
      EDITOR: editor,
      KEYFOLD_AGE_KEY: adminKey,
      KEYFOLD_AGE_KEY_FILE: repo.admin.file,
      SOPS_AGE_KEY: adminKey,
      SOPS_AGE_KEY_FILE: repo.admin.file,
      KEEP_ME: 'visible',
    };
    const child = spawn(process.execPath, [CLI, 'edit', 'dev/api/db'], { cwd: repo.dir, env, stdio: ['pipe', 'pipe', 'pipe'] });
    const exited = new Promise((resolve) => child.once('exit', resolve));
    const deadline = Date.now() + 20_000;
    while (!existsSync(join(work, 'pid')) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    const editorPid = Number(readFileSync(join(work, 'pid'), 'utf8'));
    const dir = dirname(readFileSync(join(work, 'path'), 'utf8'));
    expect(basename(dir)).toMatch(new RegExp(`^keyfold-edit-${child.pid}-[A-Za-z0-9]{6}$`));
    expect(readFileSync(join(dir, 'db.yaml'), 'utf8')).toContain(`${CANARY}-db`); // the plaintext copy

    const editorEnv = readFileSync(join(work, 'env'), 'utf8');
    expect(editorEnv).toMatch(/^KEEP_ME=visible$/m);
    for (const name of ['KEYFOLD_AGE_KEY', 'KEYFOLD_AGE_KEY_FILE', 'SOPS_AGE_KEY', 'SOPS_AGE_KEY_FILE']) expect(editorEnv, name).not.toMatch(new RegExp(`^${name}=`, 'm'));
    expect(editorEnv).not.toContain('AGE-SECRET-KEY-');

    child.kill('SIGKILL');
    await exited;
    process.kill(editorPid, 'SIGKILL');
    expect(existsSync(dir), 'SIGKILL leaves the copy (nothing can run)').toBe(true);

    const again = await repo.run(['edit', 'dev/api/db'], { env: { EDITOR: 'true' } });
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toBe('unchanged: dev/api/db\n');
    expect(existsSync(dir), 'the next edit removed the orphaned copy').toBe(false);
  });
});

describe('12. metadata allowlist inside key groups; type:bytes values', () => {
  it('an unknown field in a key_groups[] entry or in an age entry: readers exit 5, validate reports it', async () => {
    for (const name of ['dave', 'erin']) {
      const id = makeIdentity(repo.home, name);
      expect((await repo.run(['member', 'add', name, '--recipient', id.recipient])).code).toBe(0);
    }
    write('policies/access.yaml', `${read('policies/access.yaml')}breakglass: { custodians: [dave, erin], threshold: 2, read: ["prod/**"] }\n`);
    expect((await repo.run(['recipients', 'sync'])).code).toBe(0);
    commit('break-glass policy'); // writes follow the committed policy
    expect((await set('prod/api/db', 'DATABASE_URL', `${CANARY}-prod`)).code).toBe(0);
    commit('break-glass prod');
    const text = read('secrets/prod/api/db.yaml');
    expect(text).toMatch(/^ {4}key_groups:\n {8}- age:\n/m);
    const cases: Array<[string, string, RegExp]> = [
      ['key group', text.replace(/^( {8}- age:\n)/m, '        - hidden: data\n          age:\n'), /key group field "hidden" is not allowed/],
      ['age entry', text.replace(/^( {16}enc: \|)/m, '                note: extra\n$1'), /age entry field "note" is not allowed/],
    ];
    for (const [what, tampered, reason] of cases) {
      expect(tampered, what).not.toBe(text);
      write('secrets/prod/api/db.yaml', tampered);
      for (const args of [['get', 'prod/api/db', 'DATABASE_URL'], ['show', 'prod/api/db']]) {
        const r = await repo.run(args);
        expect(r.code, `${what}: ${args[0]}: ${r.stderr}`).toBe(5);
        expect(r.stderr).toMatch(reason);
        noCanary(r);
      }
      const v = await repo.run(['validate'], { as: null });
      expect(v.code, what).toBe(3);
      expect(v.stdout).toMatch(new RegExp(`^secrets/prod/api/db\\.yaml:\\d+: sops-format: refused: ${reason.source}`, 'm'));
    }
  });

  it('a type:bytes value (as sops writes []byte): get, show and validate agree', async () => {
    expect((await set('dev/api/blob', 'BLOB', `${CANARY}-bytes`)).code).toBe(0);
    // The type is not authenticated (the AAD is the key path), and the MAC covers the
    // same bytes for str and bytes: this is the file sops writes for a []byte value.
    write('secrets/dev/api/blob.yaml', read('secrets/dev/api/blob.yaml').replace(/type:str\]/, 'type:bytes]'));
    expect(read('secrets/dev/api/blob.yaml')).toMatch(/^BLOB: ENC\[AES256_GCM,.*type:bytes\]$/m);
    const get = await repo.run(['get', 'dev/api/blob', 'BLOB']);
    expect(get.code, get.stderr).toBe(0);
    expect(get.stdout).toBe(`${CANARY}-bytes\n`);
    const show = await repo.run(['show', 'dev/api/blob', '--json']);
    expect(JSON.parse(show.stdout)).toEqual({ BLOB: `${CANARY}-bytes` });
    const v = await repo.run(['validate'], { as: null });
    expect(v.stdout + v.stderr).not.toMatch(/blob/);
    expect(v.code, v.stdout).toBe(0);
    // And a write keeps the file readable by both.
    expect((await set('dev/api/blob', 'OTHER', 'x')).code).toBe(0);
    expect((await repo.run(['get', 'dev/api/blob', 'BLOB'])).stdout).toBe(`${CANARY}-bytes\n`);
    expect((await repo.run(['validate'], { as: null })).code).toBe(0);
  });
});

describe('13. one damaged file does not stop the commands that list every file', () => {
  it('ls, access, report, recipients sync --check and member remove name the damaged files and go on', async () => {
    expect((await set('dev/api/db', 'DATABASE_URL', `${CANARY}-db`)).code).toBe(0);
    expect((await set('dev/api/cache', 'REDIS_URL', `${CANARY}-cache`)).code).toBe(0);
    expect((await set('dev/api/other', 'TOKEN', `${CANARY}-other`)).code).toBe(0);
    commit('three files');
    write('secrets/dev/api/cache.yaml', read('secrets/dev/api/cache.yaml').replace(/^( {4}lastmodified:)/m, '    hidden: field\n$1'));
    write('secrets/dev/api/other.yaml', 'TOKEN: [unclosed\n');
    symlinkSync('/etc/hostname', join(repo.dir, 'secrets/dev/api/link.yaml'));
    const damaged = ['secrets/dev/api/cache.yaml', 'secrets/dev/api/link.yaml', 'secrets/dev/api/other.yaml'];

    const ls = await repo.run(['ls']);
    expect(ls.code, ls.stderr).toBe(0);
    expect(ls.stdout).toBe('dev/api/db\n    DATABASE_URL\n');
    for (const f of damaged) expect(ls.stderr).toContain(`keyfold: warning: skipped ${f}: `);
    expect(ls.stderr).toMatch(/cache\.yaml: refused: sops metadata field "hidden" is not allowed/);
    const lsJson = JSON.parse((await repo.run(['ls', '--json'])).stdout) as { refs: unknown[]; skipped: Array<{ file: string; code: string }> };
    expect(lsJson.refs).toHaveLength(1);
    expect(lsJson.skipped.map((s) => s.file)).toEqual(damaged);

    const access = await repo.run(['access', '--json']);
    expect(access.code, access.stderr).toBe(0);
    const rows = JSON.parse(access.stdout) as { refs: Array<{ ref: string }>; skipped: Array<{ file: string }> };
    expect(rows.refs.map((r) => r.ref)).toEqual(['dev/api/cache', 'dev/api/db', 'dev/api/other']);
    expect(rows.skipped.map((s) => s.file)).toEqual(['secrets/dev/api/link.yaml']);
    expect(access.stderr).toMatch(/^keyfold: warning: skipped secrets\/dev\/api\/link\.yaml: a symlink/m);

    const html = join(repo.home, 'report.html');
    const report = await repo.run(['report', '--html', html]);
    expect(report.code, report.stderr).toBe(0);
    expect(report.stdout).toMatch(/1 ref, .*3 files not read/);
    for (const f of damaged) expect(report.stderr).toContain(`keyfold: warning: not in the report: ${f}: `);
    const page = readFileSync(html, 'utf8');
    expect(page).toContain('Files not read');
    for (const f of damaged) expect(page).toContain(`<code>${f}</code>`);

    const check = await repo.run(['recipients', 'sync', '--check', '--json'], { as: null });
    expect(check.code).toBe(3);
    const plan = JSON.parse(check.stdout) as { ok: boolean; skipped: Array<{ file: string }> };
    expect(plan.ok).toBe(false);
    expect(plan.skipped.map((s) => s.file)).toEqual(damaged);

    const removed = await repo.run(['member', 'remove', 'alice']);
    expect(removed.code, removed.stderr).toBe(0);
    expect(removed.stdout).toMatch(/dev\/api\/db: DATABASE_URL/);
    for (const f of damaged) expect(removed.stderr).toContain(`keyfold: warning: not read: ${f}: `);
    expect(read('policies/access.yaml')).not.toMatch(/^ {2}alice:/m);
    for (const r of [ls, access, report, check, removed]) noCanary(r);
  });
});

describe('14. recipients sync: files it cannot open exit 4, as documented', () => {
  it('a file you cannot open and one that does not parse: both named, the others synced, exit 4', async () => {
    expect((await set('dev/api/db', 'DATABASE_URL', `${CANARY}-db`)).code).toBe(0);
    expect((await set('prod/api/db', 'DATABASE_URL', `${CANARY}-prod`)).code).toBe(0);
    commit('dev and prod');
    // New readers: bob (developer) for dev, carol (admin) for everything.
    const bob = makeIdentity(repo.home, 'bob');
    const carol = makeIdentity(repo.home, 'carol');
    expect((await repo.run(['member', 'add', 'bob', '--recipient', bob.recipient, '--role', 'developer'])).code).toBe(0);
    expect((await repo.run(['member', 'add', 'carol', '--recipient', carol.recipient, '--role', 'admin'])).code).toBe(0);
    write('secrets/dev/api/broken.yaml', 'DATABASE_URL: [unclosed\n');
    // alice (developer) syncs: she cannot open prod, and broken.yaml does not parse.
    const r = await repo.run(['recipients', 'sync'], { as: alice });
    expect(r.code, r.stdout + r.stderr).toBe(4);
    expect(r.stdout).toMatch(/^ {2}failed prod\/api\/db: secrets\/prod\/api\/db\.yaml: no identity can decrypt this file/m);
    expect(r.stdout).toMatch(/^ {2}failed secrets\/dev\/api\/broken\.yaml: not valid YAML/m);
    expect(r.stderr).toMatch(/keyfold: 2 files could not be synced; the others were/);
    noCanary(r);
    // What alice could open was synced for bob and carol.
    expect((await repo.run(['get', 'dev/api/db', 'DATABASE_URL'], { as: bob })).stdout).toBe(`${CANARY}-db\n`);
    expect((await repo.run(['get', 'dev/api/db', 'DATABASE_URL'], { as: carol })).stdout).toBe(`${CANARY}-db\n`);
    const json = await repo.run(['recipients', 'sync', '--json'], { as: alice });
    expect(json.code).toBe(4);
    expect(JSON.parse(json.stderr)).toMatchObject({ error: { exitCode: 4 } });
    expect((JSON.parse(json.stdout) as { skipped: Array<{ file: string }> }).skipped.map((x) => x.file)).toEqual(['secrets/dev/api/broken.yaml']);
  });

  it('a damaged file (bad MAC) among them: named, the others synced, exit 5 (integrity)', async () => {
    expect((await set('dev/api/db', 'DATABASE_URL', `${CANARY}-db`)).code).toBe(0);
    expect((await set('dev/api/ok', 'TOKEN', `${CANARY}-ok`)).code).toBe(0);
    commit('two files');
    const bob = makeIdentity(repo.home, 'bob');
    expect((await repo.run(['member', 'add', 'bob', '--recipient', bob.recipient, '--role', 'developer'])).code).toBe(0);
    write('secrets/dev/api/db.yaml', read('secrets/dev/api/db.yaml').replace(/(mac: ENC\[AES256_GCM,data:)(.)/, (_, a: string, c: string) => a + (c === 'A' ? 'B' : 'A')));
    const r = await repo.run(['recipients', 'sync']);
    expect(r.code, r.stdout + r.stderr).toBe(5);
    expect(r.stdout).toMatch(/^ {2}failed dev\/api\/db: secrets\/dev\/api\/db\.yaml: .*MAC/m);
    expect(r.stderr).toMatch(/1 file could not be synced, 1 of them damaged; the others were/);
    expect((await repo.run(['get', 'dev/api/ok', 'TOKEN'], { as: bob })).stdout).toBe(`${CANARY}-ok\n`);
    noCanary(r);
  });
});

// keep the imports used when a block is skipped
void execFileSync;
void makeIdentity;

