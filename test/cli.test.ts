/**
 * The CLI contract (identities, commands and exit codes as the README documents them), through the
 * built binary in real temp directories and git repositories.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYamlText } from 'yaml';
import { identityToRecipient, parseIdentities } from '../src/crypto/age/index.js';
import { runCli, tempDir } from './helpers/cli.js';
import { makeIdentity, makeRepo, type TestIdentity, type TestRepo } from './helpers/repo.js';
import { AGE_CLI, liveChecks } from './helpers/tools.js';

const IDENTITY_FILE_RE = /^# created: \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ\n# public key: (age1[02-9ac-hj-np-z]{58})\n(AGE-SECRET-KEY-1[02-9AC-HJ-NP-Z]{58})\n$/;

const ageCli = liveChecks(AGE_CLI);
const tmp = tempDir('keyfold-cli-');
afterAll(() => tmp.cleanup());
let n = 0;
/** A fresh empty directory (with its own HOME) under the test's temp dir. */
function freshDir(name: string): { dir: string; home: string } {
  const base = join(tmp.path, `${name}-${n++}`);
  const dir = join(base, 'work');
  const home = join(base, 'home');
  mkdirSync(dir, { recursive: true });
  mkdirSync(home, { recursive: true });
  return { dir, home };
}

const ageKeygenY = (file: string) => execFileSync('age-keygen', ['-y', file], { encoding: 'utf8' }).trim();

describe('keygen', () => {
  ageCli.it('without -o: the identity in age-keygen format on stdout, "Public key: age1…" on stderr; the real age CLI uses it', async () => {
    const { dir, home } = freshDir('keygen');
    const r = await runCli(['keygen'], { cwd: dir, env: { HOME: home } });
    expect(r.code).toBe(0);
    const m = IDENTITY_FILE_RE.exec(r.stdout);
    expect(m, 'age-keygen format').not.toBeNull();
    const recipient = m![1]!;
    expect(r.stderr).toBe(`Public key: ${recipient}\n`);
    const keyFile = join(dir, 'key.txt');
    writeFileSync(keyFile, r.stdout, { mode: 0o600 });
    expect(ageKeygenY(keyFile)).toBe(recipient);
    const msg = 'hello from age';
    const enc = execFileSync('age', ['-e', '-r', recipient], { input: msg });
    expect(execFileSync('age', ['-d', '-i', keyFile], { input: enc, encoding: 'utf8' })).toBe(msg);
    // Two runs give two different identities.
    const again = await runCli(['keygen'], { cwd: dir, env: { HOME: home } });
    expect(IDENTITY_FILE_RE.exec(again.stdout)![2]).not.toBe(m![2]);
  });

  it('with -o inside a git work tree: warns when the key file is not git-ignored (it would be committed), not when it is', async () => {
    const { dir, home } = freshDir('keygen-git');
    execFileSync('git', ['init', '-q'], { cwd: dir });
    const exposed = await runCli(['keygen', '-o', 'key.txt'], { cwd: dir, env: { HOME: home } });
    expect(exposed.code, exposed.stderr).toBe(0);
    expect(exposed.stderr).toBe('keyfold: warning: key.txt is a private key inside a git work tree and not git-ignored: keep it out of git (add it to .gitignore, or keep keys in ~/.config/sops/age/keys.txt)\n');
    writeFileSync(join(dir, '.gitignore'), 'ignored.txt\n');
    const ignored = await runCli(['keygen', '-o', 'ignored.txt'], { cwd: dir, env: { HOME: home } });
    expect(ignored).toMatchObject({ code: 0, stderr: '' });
    const outside = freshDir('keygen-nogit');
    expect(await runCli(['keygen', '-o', 'id.txt'], { cwd: outside.dir, env: { HOME: outside.home } })).toMatchObject({ code: 0, stderr: '' });
  });

  ageCli.it('with -o: creates FILE with mode 0600, prints exactly the recipient, never overwrites', async () => {
    const { dir, home } = freshDir('keygen-o');
    const r = await runCli(['keygen', '-o', 'id.txt'], { cwd: dir, env: { HOME: home } });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^age1[02-9ac-hj-np-z]{58}\n$/);
    const file = join(dir, 'id.txt');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(readFileSync(file, 'utf8')).toMatch(IDENTITY_FILE_RE);
    expect(ageKeygenY(file)).toBe(r.stdout.trim());
    const before = readFileSync(file);
    const again = await runCli(['keygen', '-o', 'id.txt'], { cwd: dir, env: { HOME: home } });
    expect(again.code).not.toBe(0);
    expect(again.stdout).toBe('');
    expect(again.stderr).toMatch(/already exists/);
    expect(readFileSync(file).equals(before), 'the existing key file is unchanged').toBe(true);
    expect(statSync(file).mode & 0o777).toBe(0o600);
  });

  // Runs everywhere (no age CLI): the tests above minus the age CLI. That keyfold derives
  // the recipient age-keygen -y does, from files of the same shape, is pinned by the
  // recorded age-keygen output in test/fixtures/age-cli (test/age-fixtures.test.ts).
  it('keygen and keygen -o without the age CLI: age-keygen format, the recipient keyfold derives from it, 0600, never overwrites', async () => {
    const { dir, home } = freshDir('keygen-offline');
    const r = await runCli(['keygen'], { cwd: dir, env: { HOME: home } });
    expect(r.code).toBe(0);
    const m = IDENTITY_FILE_RE.exec(r.stdout);
    expect(m, 'age-keygen format').not.toBeNull();
    expect(identityToRecipient(m![2]!)).toBe(m![1]);
    expect(r.stderr).toBe(`Public key: ${m![1]}\n`);

    const o = await runCli(['keygen', '-o', 'id.txt'], { cwd: dir, env: { HOME: home } });
    expect(o.code, o.stderr).toBe(0);
    const file = join(dir, 'id.txt');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const f = IDENTITY_FILE_RE.exec(readFileSync(file, 'utf8'));
    expect(f, 'age-keygen format').not.toBeNull();
    expect(o.stdout).toBe(`${f![1]}\n`);
    expect(parseIdentities(readFileSync(file, 'utf8')).map((i) => i.recipient)).toEqual([f![1]]);
    const before = readFileSync(file);
    const again = await runCli(['keygen', '-o', 'id.txt'], { cwd: dir, env: { HOME: home } });
    expect(again.code).not.toBe(0);
    expect(readFileSync(file).equals(before)).toBe(true);
  });
});

describe('init', () => {
  const expectScaffold = (root: string, recipient: string) => {
    expect(existsSync(join(root, 'keyfold.yaml'))).toBe(true);
    expect(statSync(join(root, 'secrets')).isDirectory()).toBe(true);
    expect(statSync(join(root, '.git')).isDirectory()).toBe(true);
    const policy = parseYamlText(readFileSync(join(root, 'policies', 'access.yaml'), 'utf8')) as {
      members: Record<string, { recipient: string }>;
      roles: Record<string, string[]>;
    };
    const admins = policy.roles['admin'] ?? [];
    expect(admins.length).toBe(1);
    expect(policy.members[admins[0]!]!.recipient).toBe(recipient);
    // git sees a work tree there.
    expect(execFileSync('git', ['rev-parse', '--is-inside-work-tree'], { cwd: root, encoding: 'utf8' }).trim()).toBe('true');
  };

  it('with --recipient: scaffolds the repository layout (see init.test.ts) and a git repo', async () => {
    const { dir, home } = freshDir('init-r');
    const id = makeIdentity(home, 'admin');
    const r = await runCli(['init', '--admin', 'carol', '--recipient', id.recipient], { cwd: dir, env: { HOME: home } });
    expect(r.code, r.stderr).toBe(0);
    expectScaffold(dir, id.recipient);
    expect(readFileSync(join(dir, 'policies', 'access.yaml'), 'utf8')).toContain('carol');
    // It never creates a private key.
    for (const f of ['keyfold.yaml', 'policies/access.yaml']) expect(readFileSync(join(dir, f), 'utf8')).not.toContain('AGE-SECRET-KEY');
    expect(execFileSync('git', ['status', '--porcelain', '--untracked-files=all'], { cwd: dir, encoding: 'utf8' }).split('\n').filter(Boolean).sort()).toEqual([
      '?? .gitattributes',
      '?? .github/CODEOWNERS',
      '?? .github/workflows/keyfold-rotate.yml',
      '?? .github/workflows/keyfold-sync.yml',
      '?? .github/workflows/keyfold-validate.yml',
      '?? .sops.yaml',
      '?? keyfold.yaml',
      '?? policies/access.yaml',
      '?? policies/rules.yaml',
      '?? secrets/.gitkeep',
    ]);
  });

  it('init DIR creates the repository in DIR; --json reports it', async () => {
    const { dir, home } = freshDir('init-dir');
    const id = makeIdentity(home, 'admin');
    const r = await runCli(['init', 'sub/repo', '--recipient', id.recipient, '--json'], { cwd: dir, env: { HOME: home } });
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout) as { root: string; recipient: string; gitInitialised: boolean };
    expect(out.root).toBe(join(dir, 'sub', 'repo'));
    expect(out.recipient).toBe(id.recipient);
    expect(out.gitInitialised).toBe(true);
    expectScaffold(join(dir, 'sub', 'repo'), id.recipient);
  });

  it('without --recipient: the public key of the identity found via KEYFOLD_AGE_KEY_FILE', async () => {
    const { dir, home } = freshDir('init-env');
    const id = makeIdentity(home, 'me');
    const r = await runCli(['init'], { cwd: dir, env: { HOME: home, KEYFOLD_AGE_KEY_FILE: id.file } });
    expect(r.code, r.stderr).toBe(0);
    expectScaffold(dir, id.recipient);
  });

  it('with no identity anywhere: exit 2, a hint to run keygen, nothing created', async () => {
    const { dir, home } = freshDir('init-none');
    const r = await runCli(['init'], { cwd: dir, env: { HOME: home } });
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/keygen/);
    expect(r.stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(existsSync(join(dir, 'keyfold.yaml'))).toBe(false);
    expect(existsSync(join(dir, 'policies'))).toBe(false);
  });

  it('twice: the second init fails and changes nothing', async () => {
    const { dir, home } = freshDir('init-twice');
    const id = makeIdentity(home, 'admin');
    const other = makeIdentity(home, 'other');
    expect((await runCli(['init', '--recipient', id.recipient], { cwd: dir, env: { HOME: home } })).code).toBe(0);
    const cfg = readFileSync(join(dir, 'keyfold.yaml'));
    const pol = readFileSync(join(dir, 'policies', 'access.yaml'));
    const r = await runCli(['init', '--recipient', other.recipient], { cwd: dir, env: { HOME: home } });
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/already a keyfold repository/);
    expect(readFileSync(join(dir, 'keyfold.yaml')).equals(cfg)).toBe(true);
    expect(readFileSync(join(dir, 'policies', 'access.yaml')).equals(pol)).toBe(true);
  });
});

describe('set, get, unset, show, ls', () => {
  let repo: TestRepo;
  beforeAll(async () => {
    repo = await makeRepo({ members: ['eve'], keyPattern: '^[A-Za-z_][A-Za-z0-9_]*$' });
  });
  afterAll(() => repo?.cleanup());

  it('set with no identity anywhere writes write-only and says no identity was found (with one, no such warning)', async () => {
    const none = await repo.run(['set', 'dev/api/noid', 'TOKEN', '--stdin'], { input: 'tok-1', as: null });
    expect(none.code, none.stderr).toBe(0);
    expect(none.stdout).toMatch(/\(write-only: /);
    expect(none.stderr).toMatch(/^keyfold: warning: no age identity was found, so it was written write-only; if you are one of its readers, pass --identity FILE/);
    const mine = await repo.run(['set', 'dev/api/noid2', 'TOKEN', '--stdin'], { input: 'tok-2' });
    expect(mine).toMatchObject({ code: 0, stderr: '' });
  });

  it('set reports created / added / updated / unchanged, in text and --json', async () => {
    const r1 = await repo.run(['set', 'dev/api/db', 'PASSWORD', '--stdin'], { input: 'pw-1\n' });
    expect(r1).toMatchObject({ code: 0, stdout: 'created: dev/api/db PASSWORD\n' });
    const r2 = await repo.run(['set', 'dev/api/db', 'USER', '--stdin', '--json'], { input: 'app' });
    expect(r2.code).toBe(0);
    expect(JSON.parse(r2.stdout)).toEqual({ ref: 'dev/api/db', key: 'USER', action: 'added', file: 'secrets/dev/api/db.yaml', writeOnly: false });
    expect(r2.stderr).toBe('');
    const r3 = await repo.run(['set', 'dev/api/db', 'PASSWORD', '--stdin'], { input: 'pw-2' });
    expect(r3.stdout).toBe('updated: dev/api/db PASSWORD\n');
    const r4 = await repo.run(['set', 'dev/api/db', 'PASSWORD', '--stdin', '--json'], { input: 'pw-2\n' });
    expect(JSON.parse(r4.stdout)).toMatchObject({ action: 'unchanged' });
    // --value works and warns on stderr.
    const r5 = await repo.run(['set', 'dev/api/db', 'HOST', '--value', 'db.internal']);
    expect(r5.code).toBe(0);
    expect(r5.stdout).toBe('added: dev/api/db HOST\n');
    expect(r5.stderr).toMatch(/warning: --value/);
    // The file is on disk where the ref says, encrypted.
    const text = readFileSync(join(repo.dir, 'secrets/dev/api/db.yaml'), 'utf8');
    expect(text).toMatch(/^PASSWORD: ENC\[AES256_GCM,/m);
    expect(text).not.toContain('pw-2');
  });

  it('get prints one value (one trailing newline removed from --stdin input); --json prints it as JSON', async () => {
    expect(await repo.run(['get', 'dev/api/db', 'PASSWORD'])).toMatchObject({ code: 0, stdout: 'pw-2\n', stderr: '' });
    expect((await repo.run(['get', 'dev/api/db', 'PASSWORD', '--json'])).stdout).toBe('"pw-2"\n');
    const multi = 'line1\nline2\n';
    await repo.run(['set', 'dev/api/multi', 'CERT', '--stdin'], { input: multi + '\n' });
    expect((await repo.run(['get', 'dev/api/multi', 'CERT', '--json'])).stdout).toBe(JSON.stringify(multi) + '\n');
    expect((await repo.run(['get', 'dev/api/db', 'NOPE'])).code).toBe(6);
    expect((await repo.run(['get', 'dev/api/nope', 'PASSWORD'])).code).toBe(6);
    expect((await repo.run(['get', 'qa/api/db', 'PASSWORD'])).code).toBe(2); // unknown environment
  });

  it('nested keys: a.b sets and gets a nested value; the map prints as an object', async () => {
    expect((await repo.run(['set', 'dev/api/nested', 'db.password', '--value', 'np'])).code).toBe(0);
    expect((await repo.run(['set', 'dev/api/nested', 'db.user', '--value', 'nu'])).code).toBe(0);
    expect((await repo.run(['get', 'dev/api/nested', 'db.password'])).stdout).toBe('np\n');
    expect(JSON.parse((await repo.run(['get', 'dev/api/nested', 'db', '--json'])).stdout)).toEqual({ password: 'np', user: 'nu' });
    expect(JSON.parse((await repo.run(['show', 'dev/api/nested', '--json'])).stdout)).toEqual({ db: { password: 'np', user: 'nu' } });
    expect(readFileSync(join(repo.dir, 'secrets/dev/api/nested.yaml'), 'utf8')).toMatch(/^db:\n {4}password: ENC\[/m);
    const ls = await repo.run(['ls', 'dev/api/nested']);
    expect(ls.stdout).toBe('dev/api/nested\n    db.password\n    db.user\n');
  });

  it('set --generate: 32 characters [A-Za-z0-9]; --generate=48: 48; out of range: exit 2', async () => {
    expect((await repo.run(['set', 'dev/api/gen', 'A', '--generate'])).code).toBe(0);
    expect((await repo.run(['set', 'dev/api/gen', 'B', '--generate=48'])).code).toBe(0);
    expect((await repo.run(['set', 'dev/api/gen', 'C', '--generate', '64'])).code).toBe(0);
    const doc = JSON.parse((await repo.run(['show', 'dev/api/gen', '--json'])).stdout) as Record<string, string>;
    expect(doc['A']).toMatch(/^[A-Za-z0-9]{32}$/);
    expect(doc['B']).toMatch(/^[A-Za-z0-9]{48}$/);
    expect(doc['C']).toMatch(/^[A-Za-z0-9]{64}$/);
    expect(new Set([doc['A'], doc['B']?.slice(0, 32)]).size).toBe(2);
    const bad = await repo.run(['set', 'dev/api/gen', 'D', '--generate=4']);
    expect(bad.code).toBe(2);
    expect((await repo.run(['set', 'dev/api/gen', 'D', '--generate=x'])).code).toBe(2);
    expect((await repo.run(['set', 'dev/api/gen', 'D', '--generate', '--value', 'v'])).code).toBe(2);
  });

  it('unset removes one key; text and --json; a missing key is exit 6', async () => {
    await repo.run(['set', 'dev/api/un', 'KEEP', '--value', 'k']);
    await repo.run(['set', 'dev/api/un', 'DROP', '--value', 'd']);
    await repo.run(['set', 'dev/api/un', 'DROP2', '--value', 'd2']);
    expect(await repo.run(['unset', 'dev/api/un', 'DROP'])).toMatchObject({ code: 0, stdout: 'removed: dev/api/un DROP\n' });
    const j = await repo.run(['unset', 'dev/api/un', 'DROP2', '--json']);
    expect(JSON.parse(j.stdout)).toEqual({ ref: 'dev/api/un', key: 'DROP2', file: 'secrets/dev/api/un.yaml' });
    expect(JSON.parse((await repo.run(['show', 'dev/api/un', '--json'])).stdout)).toEqual({ KEEP: 'k' });
    expect((await repo.run(['unset', 'dev/api/un', 'DROP'])).code).toBe(6);
    expect((await repo.run(['unset', 'dev/api/none', 'DROP'])).code).toBe(6);
  });

  it('show --format yaml | json | dotenv, and --json', async () => {
    await repo.run(['set', 'dev/api/show', 'URL', '--value', 'https://x.test/?a=1']);
    await repo.run(['set', 'dev/api/show', 'QUOTE', '--value', "it's"]);
    await repo.run(['set', 'dev/api/show', 'db.port', '--value', '5432']);
    const yaml = await repo.run(['show', 'dev/api/show']);
    expect(yaml.code).toBe(0);
    expect(yaml.stdout).toBe('URL: https://x.test/?a=1\nQUOTE: it\'s\ndb:\n    port: "5432"\n');
    expect((await repo.run(['show', 'dev/api/show', '--format', 'yaml'])).stdout).toBe(yaml.stdout);
    const expected = { URL: 'https://x.test/?a=1', QUOTE: "it's", db: { port: '5432' } };
    expect(JSON.parse((await repo.run(['show', 'dev/api/show', '--format', 'json'])).stdout)).toEqual(expected);
    expect(JSON.parse((await repo.run(['show', 'dev/api/show', '--json'])).stdout)).toEqual(expected);
    const dotenv = await repo.run(['show', 'dev/api/show', '--format', 'dotenv']);
    expect(dotenv.stdout).toBe(`URL='https://x.test/?a=1'\nQUOTE="it's"\ndb_port='5432'\n`);
    expect((await repo.run(['show', 'dev/api/show', '--format', 'toml'])).code).toBe(2);
  });

  it('ls [PREFIX] lists refs and key names without decrypting; --json', async () => {
    // No identity at all: ls still works.
    const all = await repo.run(['ls'], { as: null });
    expect(all.code, all.stderr).toBe(0);
    const refs = all.stdout.split('\n').filter((l) => l && !l.startsWith(' '));
    expect(refs).toEqual([...refs].sort());
    expect(refs).toEqual(expect.arrayContaining(['dev/api/db', 'dev/api/nested', 'dev/api/show']));
    const db = await repo.run(['ls', 'dev/api/db'], { as: null });
    expect(db.stdout).toBe('dev/api/db\n    PASSWORD\n    USER\n    HOST\n');
    const j = await repo.run(['ls', 'dev/api/un', '--json'], { as: null });
    expect(JSON.parse(j.stdout)).toEqual({ refs: [{ ref: 'dev/api/un', file: 'secrets/dev/api/un.yaml', keys: ['KEEP'] }], skipped: [] });
    const prefix = await repo.run(['ls', 'dev/api/', '--json'], { as: null });
    expect((JSON.parse(prefix.stdout) as { refs: Array<{ ref: string }> }).refs.every((e) => e.ref.startsWith('dev/api/'))).toBe(true);
    const none = await repo.run(['ls', 'prod'], { as: null });
    expect(none.code).toBe(0);
    expect(none.stdout).toBe('');
    expect(JSON.parse((await repo.run(['ls', 'prod', '--json'], { as: null })).stdout)).toEqual({ refs: [], skipped: [] });
  });
});

describe('identity resolution', () => {
  let repo: TestRepo;
  let admin: TestIdentity;
  let eve: TestIdentity;
  beforeAll(async () => {
    repo = await makeRepo({ members: ['eve'] });
    admin = repo.admin;
    eve = repo.identity('eve');
    expect((await repo.run(['set', 'dev/app/x', 'K', '--value', 'v'])).code).toBe(0);
  });
  afterAll(() => repo?.cleanup());

  /** A HOME of its own, with optionally a default keys.txt in it. */
  function home(keysTxt?: string, underXdg = true): Record<string, string | undefined> {
    const h = join(repo.home, `h${n++}`);
    const cfg = underXdg ? join(h, 'xdg') : join(h, '.config');
    if (keysTxt !== undefined) {
      mkdirSync(join(cfg, 'sops', 'age'), { recursive: true });
      writeFileSync(join(cfg, 'sops', 'age', 'keys.txt'), keysTxt, { mode: 0o600 });
    } else mkdirSync(h, { recursive: true });
    return { HOME: h, XDG_CONFIG_HOME: underXdg ? join(h, 'xdg') : undefined };
  }
  const get = (env: Record<string, string | undefined>, identity?: TestIdentity) =>
    repo.run(['get', 'dev/app/x', 'K'], { as: identity ?? null, env });
  const text = (id: TestIdentity) => readFileSync(id.file, 'utf8');

  it('each environment source works on its own', async () => {
    const cases: Array<[string, Record<string, string | undefined>]> = [
      ['KEYFOLD_AGE_KEY', { ...home(), KEYFOLD_AGE_KEY: text(admin) }],
      ['KEYFOLD_AGE_KEY_FILE', { ...home(), KEYFOLD_AGE_KEY_FILE: admin.file }],
      ['SOPS_AGE_KEY', { ...home(), SOPS_AGE_KEY: text(admin) }],
      ['SOPS_AGE_KEY_FILE', { ...home(), SOPS_AGE_KEY_FILE: admin.file }],
      ['$XDG_CONFIG_HOME/sops/age/keys.txt', home(text(admin))],
      ['~/.config/sops/age/keys.txt (XDG_CONFIG_HOME unset)', home(text(admin), false)],
    ];
    const results = await Promise.all(cases.map(([, env]) => get(env)));
    results.forEach((r, i) => expect(r, cases[i]![0]).toMatchObject({ code: 0, stdout: 'v\n' }));
    // and none at all: exit 4 with a hint
    const none = await get(home());
    expect(none.code).toBe(4);
    expect(none.stderr).toMatch(/--identity|KEYFOLD_AGE_KEY_FILE/);
  });

  it('without --identity the sources are a union: a wrong key in one does not hide the right key in another', async () => {
    const results = await Promise.all([
      get({ ...home(), KEYFOLD_AGE_KEY: text(eve), SOPS_AGE_KEY_FILE: admin.file }),
      get({ ...home(text(admin)), KEYFOLD_AGE_KEY_FILE: eve.file, SOPS_AGE_KEY: text(eve) }),
      get({ ...home(), SOPS_AGE_KEY: `${text(eve)}\n${text(admin)}` }),
    ]);
    for (const r of results) expect(r).toMatchObject({ code: 0, stdout: 'v\n' });
    // Only wrong keys: exit 4.
    expect((await get({ ...home(text(eve)), KEYFOLD_AGE_KEY: text(eve) })).code).toBe(4);
  });

  it('--identity replaces every other source: a working env identity is ignored (exit 4)', async () => {
    const env = { ...home(text(admin)), KEYFOLD_AGE_KEY: text(admin), KEYFOLD_AGE_KEY_FILE: admin.file, SOPS_AGE_KEY: text(admin), SOPS_AGE_KEY_FILE: admin.file };
    const r = await get(env, eve);
    expect(r.code).toBe(4);
    expect(r.stdout).toBe('');
    // and --identity with the right key works whatever the environment holds
    expect(await get({ ...home(), KEYFOLD_AGE_KEY_FILE: eve.file }, admin)).toMatchObject({ code: 0, stdout: 'v\n' });
    // --identity is repeatable
    const both = await repo.run(['get', 'dev/app/x', 'K', '--identity', eve.file, '--identity', admin.file], { as: null, env: home() });
    expect(both).toMatchObject({ code: 0, stdout: 'v\n' });
  });
});

describe('encrypt and decrypt on any path', () => {
  let a: TestIdentity;
  let b: TestIdentity;
  let dir: string;
  let home: string;
  const run = (args: string[], identity: TestIdentity | null = a, cwd = dir) =>
    runCli([...args, ...(identity ? ['--identity', identity.file] : [])], { cwd, env: { HOME: home } });

  beforeAll(() => {
    ({ dir, home } = freshDir('crypt'));
    a = makeIdentity(home, 'a');
    b = makeIdentity(home, 'b');
  });

  const PLAIN = '# app config\nname: demo\nport: 8080\nratio: 0.5\nenabled: true\ntoken: s3cr3t\nlist:\n    - one\n    - two\nnested:\n    key: value\n';
  const PLAIN_JSON = { name: 'demo', port: 8080, ratio: 0.5, enabled: true, token: 's3cr3t', list: ['one', 'two'], nested: { key: 'value' } };

  it('encrypt FILE -r R prints SOPS YAML that decrypt reads back', async () => {
    writeFileSync(join(dir, 'app.yaml'), PLAIN);
    const r = await run(['encrypt', 'app.yaml', '-r', a.recipient, '-r', b.recipient], null);
    expect(r.code, r.stderr).toBe(0);
    expect(readFileSync(join(dir, 'app.yaml'), 'utf8')).toBe(PLAIN);
    expect(r.stdout).toMatch(/^name: ENC\[AES256_GCM,data:[^\]]+,type:str\]$/m);
    expect(r.stdout).toMatch(/^port: ENC\[AES256_GCM,[^\]]+,type:int\]$/m);
    expect(r.stdout).toMatch(/^sops:\n/m);
    expect(r.stdout).not.toContain('s3cr3t');
    const sops = (parseYamlText(r.stdout) as { sops: { age: Array<{ recipient: string }> } }).sops;
    expect(sops.age.map((e) => e.recipient).sort()).toEqual([a.recipient, b.recipient].sort());
    writeFileSync(join(dir, 'app.enc.yaml'), r.stdout);
    for (const who of [a, b]) {
      const d = await run(['decrypt', 'app.enc.yaml'], who);
      expect(d).toMatchObject({ code: 0, stdout: PLAIN });
    }
    expect(JSON.parse((await run(['decrypt', 'app.enc.yaml', '--json'])).stdout)).toEqual({ 'app.enc.yaml': PLAIN_JSON });
    // A file that already has a sops key is not encrypted twice.
    expect((await run(['encrypt', 'app.enc.yaml', '-r', a.recipient], null)).code).toBe(2);
    // Without -r outside a repository: usage error.
    expect((await run(['encrypt', 'app.yaml'], null)).code).toBe(2);
  });

  it('encrypt --in-place replaces the file', async () => {
    writeFileSync(join(dir, 'inplace.yaml'), PLAIN, { mode: 0o640 });
    const r = await run(['encrypt', 'inplace.yaml', '-r', a.recipient, '--in-place'], null);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe('encrypted inplace.yaml (yaml) for 1 recipient\n');
    const text = readFileSync(join(dir, 'inplace.yaml'), 'utf8');
    expect(text).toMatch(/^sops:/m);
    expect(text).not.toContain('s3cr3t');
    expect(statSync(join(dir, 'inplace.yaml')).mode & 0o777).toBe(0o640);
    expect((await run(['decrypt', 'inplace.yaml'])).stdout).toBe(PLAIN);
  });

  it('decrypt of several files and a directory --json: one object keyed by sorted POSIX paths relative to the cwd, no sops keys', async () => {
    const enc = async (content: string, to: string, who: TestIdentity = a) => {
      writeFileSync(join(dir, 'tmp-plain.yaml'), content);
      const r = await run(['encrypt', 'tmp-plain.yaml', '-r', who.recipient], null);
      expect(r.code, r.stderr).toBe(0);
      mkdirSync(join(dir, to, '..'), { recursive: true });
      writeFileSync(join(dir, to), r.stdout);
    };
    await enc('z: 1\n', 'tree/zz.yaml');
    await enc('b: two\n', 'tree/sub/b.yml');
    await enc('a: [1, 2]\n', 'tree/sub/deeper/a.yaml');
    await enc('top: true\n', 'top.yaml');
    writeFileSync(join(dir, 'tree', 'plain.yaml'), 'not: encrypted\n'); // no sops key: skipped
    writeFileSync(join(dir, 'tree', 'sub', 'notes.txt'), 'sops: not yaml\n'); // not *.yaml: skipped
    writeFileSync(join(dir, 'tree', 'sub', 'nested-sops.yaml'), 'outer:\n  sops: x\n'); // sops not at top level: skipped
    const r = await run(['decrypt', 'top.yaml', 'tree', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout) as Record<string, Record<string, unknown>>;
    expect(Object.keys(out)).toEqual(['top.yaml', 'tree/sub/b.yml', 'tree/sub/deeper/a.yaml', 'tree/zz.yaml']);
    expect(out).toEqual({
      'top.yaml': { top: true },
      'tree/sub/b.yml': { b: 'two' },
      'tree/sub/deeper/a.yaml': { a: [1, 2] },
      'tree/zz.yaml': { z: 1 },
    });
    for (const doc of Object.values(out)) expect(doc).not.toHaveProperty('sops');
    // From a subdirectory, paths are relative to that cwd (with ..).
    const sub = await runCli(['decrypt', '../../top.yaml', '.', '--json', '--identity', a.file], { cwd: join(dir, 'tree', 'sub'), env: { HOME: home } });
    expect(sub.code, sub.stderr).toBe(0);
    expect(Object.keys(JSON.parse(sub.stdout) as object)).toEqual(['../../top.yaml', 'b.yml', 'deeper/a.yaml']);
    // The run fails on the first bad file (first both in argument and in path order):
    // with that file's exit code and nothing on stdout.
    const good = readFileSync(join(dir, 'top.yaml'), 'utf8');
    const tamper = (to: string) => {
      mkdirSync(join(dir, to, '..'), { recursive: true });
      const t = good.replace(/^top: ENC\[AES256_GCM,data:(.)/m, (_m, c: string) => `top: ENC[AES256_GCM,data:${c === 'A' ? 'B' : 'A'}`);
      expect(t).not.toBe(good);
      writeFileSync(join(dir, to), t);
    };
    tamper('bad/a-tampered.yaml');
    await enc('other: 1\n', 'bad/b-foreign.yaml', b);
    await enc('other: 1\n', 'bad2/a-foreign.yaml', b);
    tamper('bad2/b-tampered.yaml');
    const f1 = await run(['decrypt', 'top.yaml', 'bad/a-tampered.yaml', 'bad/b-foreign.yaml', '--json']);
    expect(f1).toMatchObject({ code: 5, stdout: '' });
    const f2 = await run(['decrypt', 'top.yaml', 'bad2/a-foreign.yaml', 'bad2/b-tampered.yaml', '--json']);
    expect(f2).toMatchObject({ code: 4, stdout: '' });
    const f3 = await run(['decrypt', 'tree', 'bad2']);
    expect(f3).toMatchObject({ code: 4, stdout: '' });
    const f4 = await run(['decrypt', 'top.yaml', 'missing.yaml', '--json']);
    expect(f4).toMatchObject({ code: 6, stdout: '' });
  });
});

describe('help and usage', () => {
  const { dir, home } = { dir: tmp.path, home: tmp.path };
  const commands = ['init', 'keygen', 'set', 'get', 'unset', 'show', 'ls', 'edit', 'encrypt', 'decrypt'];

  it('--help of every command exits 0 with an Examples: section', async () => {
    const results = await Promise.all(commands.map((c) => runCli([c, '--help'], { cwd: dir, env: { HOME: home } })));
    results.forEach((r, i) => {
      expect(r.code, commands[i]).toBe(0);
      expect(r.stdout, commands[i]).toContain(`Usage: keyfold ${commands[i]}`);
      expect(r.stdout, commands[i]).toMatch(/\nExamples:\n {2}\$ .*keyfold /);
    });
    const top = await runCli(['--help'], { cwd: dir, env: { HOME: home } });
    expect(top.code).toBe(0);
    for (const c of commands) expect(top.stdout).toContain(c);
  });

  it('no arguments: exit 2 with the help on stderr; unknown commands and options: exit 2', async () => {
    const none = await runCli([], { cwd: dir, env: { HOME: home } });
    expect(none.code).toBe(2);
    expect(none.stdout).toBe('');
    expect(none.stderr).toContain('Usage: keyfold');
    const unknown = await runCli(['frobnicate'], { cwd: dir, env: { HOME: home } });
    expect(unknown.code).toBe(2);
    expect(unknown.stderr.trimEnd().split('\n')).toHaveLength(1);
    const badFlag = await runCli(['get', 'dev/a/b', 'K', '--nope'], { cwd: dir, env: { HOME: home } });
    expect(badFlag.code).toBe(2);
    expect(badFlag.stderr).toMatch(/--nope/);
    const missingArg = await runCli(['get', 'dev/a/b'], { cwd: dir, env: { HOME: home } });
    expect(missingArg.code).toBe(2);
    // Outside a repository, a repo command says so (not found).
    expect((await runCli(['get', 'dev/a/b', 'K'], { cwd: dir, env: { HOME: home } })).code).toBe(6);
  });
});
