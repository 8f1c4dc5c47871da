/** Throw-away keyfold repositories in real temp git repos. */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { generateIdentity, identityToRecipient } from '../../src/crypto/age/index.js';
import { runCli, tempDir, type CliOptions, type CliResult } from './cli.js';

export interface TestIdentity {
  name: string;
  file: string;
  recipient: string;
}

export interface TestRepo {
  dir: string;
  home: string;
  admin: TestIdentity;
  /** Run the CLI in the repo as `as` (default: the admin), via --identity. */
  run(args: string[], options?: Partial<CliOptions> & { as?: TestIdentity | null }): Promise<CliResult>;
  identity(name: string): TestIdentity;
  git(...args: string[]): string;
  cleanup(): void;
}

export function makeIdentity(dir: string, name: string): TestIdentity {
  const secret = generateIdentity();
  const file = join(dir, `${name}.key`);
  writeFileSync(file, `# test identity ${name}\n${secret}\n`, { mode: 0o600 });
  return { name, file, recipient: identityToRecipient(secret) };
}

/**
 * A repository made by `keyfold init` with one admin, in a git repo configured as in
 * changesets' test utils (local user, no signing, no gc).
 */
export async function makeRepo(options: { members?: string[]; keyPattern?: string } = {}): Promise<TestRepo> {
  const tmp = tempDir();
  const home = join(tmp.path, 'home');
  const keys = join(tmp.path, 'keys');
  const dir = join(tmp.path, 'repo');
  mkdirSync(home, { recursive: true });
  mkdirSync(keys, { recursive: true });
  mkdirSync(dir, { recursive: true });
  const admin = makeIdentity(keys, 'admin');
  const ids = new Map<string, TestIdentity>([['admin', admin]]);
  const git = (...args: string[]) => execFileSync('git', args, { cwd: dir, encoding: 'utf8', env: { ...process.env, GIT_CONFIG_NOSYSTEM: '1' } });
  const run: TestRepo['run'] = (args, opts = {}) => {
    const as = opts.as === undefined ? admin : opts.as;
    return runCli([...args, ...(as ? ['--identity', as.file] : [])], { cwd: opts.cwd ?? dir, env: { HOME: home, ...opts.env }, input: opts.input });
  };
  const r = await runCli(['init', '.', '--admin', 'admin', '--recipient', admin.recipient], { cwd: dir, env: { HOME: home } });
  if (r.code !== 0) throw new Error(`init failed: ${r.stderr}`);
  git('config', 'user.name', 'Test');
  git('config', 'user.email', 'test@example.com');
  git('config', 'commit.gpgSign', 'false');
  git('config', 'gc.auto', '0');
  for (const m of options.members ?? []) ids.set(m, makeIdentity(keys, m));
  if (options.keyPattern !== undefined) {
    // Tests of other features that use lower-case or number-like key names relax the rule.
    const rules = join(dir, 'policies', 'rules.yaml');
    writeFileSync(rules, readFileSync(rules, 'utf8').replace(/^key_pattern: .*$/m, `key_pattern: ${JSON.stringify(options.keyPattern)}`));
  }
  return {
    dir,
    home,
    admin,
    run,
    identity: (name) => {
      const id = ids.get(name);
      if (!id) throw new Error(`no identity ${name}`);
      return id;
    },
    git,
    cleanup: tmp.cleanup,
  };
}
