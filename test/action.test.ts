/**
 * The keyfold GitHub Action (action.yml): a composite action that runs the CLI bundled
 * into one committed file, action/dist/keyfold.cjs, through action/run.cjs. The bundle
 * must be what scripts/build-action.mjs builds from the sources now; the entry point is
 * run as the runner runs it (inputs as INPUT_* variables, the identity in
 * KEYFOLD_AGE_KEY) against temp repositories, from a copy of the action alone.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { PINNED_ACTIONS } from '../src/ops/init/workflow-templates.js';
import { ROOT, baseEnv, tempDir } from './helpers/cli.js';
import { requiresOf } from './helpers/bundle.js';
import { makeRepo, type TestRepo } from './helpers/repo.js';

const tmp = tempDir('keyfold-action-');
afterAll(() => tmp.cleanup());

const BUNDLE = join(ROOT, 'action', 'dist', 'keyfold.cjs');

describe('action/dist/keyfold.cjs', () => {
  it('is what `npm run build:action` (scripts/build-action.mjs) builds from the sources now', () => {
    const fresh = join(tmp.path, 'fresh', 'keyfold.cjs');
    execFileSync(process.execPath, [join(ROOT, 'scripts', 'build-action.mjs'), '--out', fresh], { cwd: ROOT });
    const same = existsSync(BUNDLE) && readFileSync(fresh).equals(readFileSync(BUNDLE));
    expect(same, 'action/dist/keyfold.cjs is stale: run `npm run build:action` (node scripts/build-action.mjs) and commit it').toBe(true);
  });

  it('is one file that needs nothing but Node built-ins', () => {
    const required = requiresOf(BUNDLE);
    const builtins = new Set([...builtinModules, ...builtinModules.map((m) => `node:${m}`)]);
    expect([...required].filter((m) => !builtins.has(m))).toEqual([]);
  });
});

describe('action.yml', () => {
  type Step = { name?: string; id?: string; uses?: string; run?: string; shell?: string; env?: Record<string, string>; with?: Record<string, unknown>; 'working-directory'?: string };
  const action = parseYaml(readFileSync(join(ROOT, 'action.yml'), 'utf8')) as {
    inputs: Record<string, { required?: boolean; default?: string }>;
    outputs: Record<string, { value: string }>;
    runs: { using: string; steps: Step[] };
  };

  it('is a composite action with the inputs command, env, args and working-directory, and no identity input', () => {
    expect(action.runs.using).toBe('composite');
    expect(Object.keys(action.inputs).sort()).toEqual(['args', 'command', 'env', 'working-directory']);
    expect(action.inputs['command']!.required).toBe(true);
    expect(action.outputs['exit-code']!.value).toBe('${{ steps.keyfold.outputs.exit-code }}');
    expect(readFileSync(join(ROOT, 'action.yml'), 'utf8')).not.toMatch(/secrets\.|AGE_KEY:/);
  });

  it('sets up Node 20 with setup-node pinned by SHA, then runs the entry point with the inputs as variables only', () => {
    const [setup, run] = action.runs.steps;
    expect(setup!.uses).toBe(PINNED_ACTIONS.setupNode.uses);
    expect(setup!.with).toEqual({ 'node-version': 20 });
    expect(run!.shell).toBe('bash');
    expect(run!.run).toBe('node "$GITHUB_ACTION_PATH/action/run.cjs"');
    expect(run!.env).toEqual({ INPUT_COMMAND: '${{ inputs.command }}', INPUT_ENV: '${{ inputs.env }}', INPUT_ARGS: '${{ inputs.args }}' });
    expect(run!['working-directory']).toBe('${{ inputs.working-directory }}');
    expect(action.runs.steps).toHaveLength(2);
  });
});

describe('action/run.cjs, run as the runner runs it', () => {
  let repo: TestRepo;
  let actionDir: string;
  const secret = (file: string) => readFileSync(file, 'utf8').split('\n').find((l) => l.startsWith('AGE-SECRET-KEY-'))!;

  /** The copied action's entry point in `cwd`, with `inputs` as INPUT_* and `env`. */
  function runAction(inputs: Record<string, string>, env: Record<string, string> = {}, cwd = repo.dir) {
    const output = join(tmp.path, `output-${Math.random().toString(36).slice(2)}`);
    writeFileSync(output, '');
    const r = spawnSync(process.execPath, [join(actionDir, 'action', 'run.cjs')], {
      cwd,
      encoding: 'utf8',
      env: { ...baseEnv(repo.home), GITHUB_OUTPUT: output, ...Object.fromEntries(Object.entries(inputs).map(([k, v]) => [`INPUT_${k.toUpperCase()}`, v])), ...env },
    });
    return { code: r.status, stdout: r.stdout, stderr: r.stderr, output: readFileSync(output, 'utf8') };
  }

  beforeAll(async () => {
    // The action alone, as the runner checks it out: action.yml and action/, no node_modules, no src/.
    actionDir = join(tmp.path, 'keyfold-action');
    mkdirSync(actionDir);
    cpSync(join(ROOT, 'action.yml'), join(actionDir, 'action.yml'));
    cpSync(join(ROOT, 'action'), join(actionDir, 'action'), { recursive: true });
    repo = await makeRepo();
    const ok = await repo.run(['set', 'dev/api/db', 'DATABASE_URL', '--stdin'], { input: 'postgres://dev-action' });
    expect(ok.code, ok.stderr).toBe(0);
    repo.git('add', '-A');
    repo.git('commit', '-q', '-m', 'seed');
  });

  it('validate: exit 0 on a clean repository, exit-code written to GITHUB_OUTPUT', () => {
    const r = runAction({ command: 'validate' });
    expect(r.code, r.stderr).toBe(0);
    expect(r.output).toBe('exit-code=0\n');
  });

  it('validate with args: --format github annotations and exit 3 on a violation', () => {
    writeFileSync(join(repo.dir, '.sops.yaml'), 'creation_rules: []\n');
    const r = runAction({ command: 'validate', args: '--format github' });
    expect(r.code).toBe(3);
    expect(r.stdout).toMatch(/^::error file=\.sops\.yaml,line=1,title=sops-config::/m);
    expect(r.output).toBe('exit-code=3\n');
    repo.git('checkout', '--', '.sops.yaml');
  });

  it('recipients-sync with env and args; the identity only from KEYFOLD_AGE_KEY', () => {
    const check = runAction({ command: 'recipients-sync', env: 'dev', args: ' --check\n' });
    expect(check.code, check.stderr).toBe(0);
    // Re-keying needs the identity: without it exit 4, with KEYFOLD_AGE_KEY it opens the file.
    const none = runAction({ command: 'recipients-sync', env: 'dev', args: '--rekey-merged' });
    expect(none.code).toBe(4);
    const withKey = runAction({ command: 'recipients-sync', env: 'dev', args: '--rekey-merged --json' }, { KEYFOLD_AGE_KEY: secret(repo.admin.file) });
    expect(withKey.code, withKey.stderr).toBe(0);
    expect((JSON.parse(withKey.stdout) as { applied: string[] }).applied).toEqual(['dev/api/db']);
    expect(withKey.stdout + withKey.stderr).not.toContain(secret(repo.admin.file));
    repo.git('checkout', '--', '.');
  });

  it('sync: --plan --json for an environment', () => {
    const r = runAction({ command: 'sync', env: 'dev', args: '--plan --json --allow-branch' });
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ targets: [], groups: [] });
  });

  it('rotation-run: rotation run --env ENV with args (a repository without rotations has nothing due)', () => {
    const r = runAction({ command: 'rotation-run', env: 'dev', args: '--due --plan --json' }, { KEYFOLD_AGE_KEY: secret(repo.admin.file) });
    expect(r.code, r.stderr).toBe(0);
    expect(r.output).toBe('exit-code=0\n');
    expect(r.stdout + r.stderr).not.toContain(secret(repo.admin.file));
  });

  it('refuses an unknown command, env for validate, and a malformed env (exit 2, the input never echoed)', () => {
    for (const [inputs, message] of [
      [{ command: 'rotate' }, /input "command" must be one of validate, sync, recipients-sync, rotation-run/],
      [{ command: '' }, /input "command" must be one of/],
      [{ command: 'validate', env: 'dev' }, /input "env" does not apply to validate/],
      [{ command: 'sync', env: '--full' }, /input "env" is not an environment name/],
      [{ command: 'sync', env: 'dev\n::set-output name=x::y' }, /input "env" is not an environment name/],
    ] as const) {
      const r = runAction(inputs);
      expect(r.code, JSON.stringify(inputs)).toBe(2);
      expect(r.stderr).toMatch(message);
      expect(r.stderr).not.toMatch(/set-output|--full/);
      expect(r.output).toBe('exit-code=2\n');
    }
  });

  it('passes args as words, never through a shell', () => {
    const r = runAction({ command: 'validate', args: '$(touch pwned) `touch pwned2` ; touch pwned3' });
    expect(r.code).toBe(2);
    for (const f of ['pwned', 'pwned2', 'pwned3']) expect(existsSync(join(repo.dir, f)), f).toBe(false);
    expect(r.stderr).toMatch(/too many arguments|unknown/);
  });

  it('runs in working-directory as the composite step sets it (a subdirectory of the checkout)', () => {
    const outer = join(tmp.path, 'outer');
    mkdirSync(outer);
    cpSync(repo.dir, join(outer, 'secrets-repo'), { recursive: true });
    const r = runAction({ command: 'validate' }, {}, join(outer, 'secrets-repo'));
    expect(r.code, r.stderr).toBe(0);
  });
});
