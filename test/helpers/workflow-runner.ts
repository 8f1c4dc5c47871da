/**
 * Runs one job of a generated workflow the way the GitHub runner would, locally, against
 * a bare "origin": `actions/checkout` becomes a fetch and a detached checkout of the
 * pushed commit, the keyfold action becomes action/run.cjs with its inputs as INPUT_*
 * variables, `run:` steps run in bash (`--noprofile --norc -eo pipefail`, as Actions
 * does) with GITHUB_SHA, RUNNER_TEMP and GITHUB_OUTPUT set. Expressions are evaluated
 * only where this table knows them (anything else fails the test, so a template change
 * is noticed), and `if:` and step outcomes follow the runner's rules (a failed step
 * skips the steps after it unless their `if:` says otherwise).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { ROOT } from './cli.js';

interface Step {
  name?: string;
  id?: string;
  uses?: string;
  run?: string;
  if?: string;
  env?: Record<string, string>;
  with?: Record<string, string | number | boolean>;
  'working-directory'?: string;
  'continue-on-error'?: boolean;
}

export interface JobContext {
  /** The bare repository the job fetches from and pushes to. */
  origin: string;
  /** Where the job's workspace and temp directory go (created). */
  dir: string;
  /** `github.sha`: the pushed commit. */
  sha: string;
  /** `github.event.before` ('' for workflow_dispatch). */
  before: string;
  secrets: Record<string, string>;
  /** HOME for git and keyfold (no user identity in it, as on a runner). */
  home: string;
  /** Called before each step runs (e.g. to push to origin meanwhile). */
  beforeStep?: (name: string) => void;
  /** `needs.<job>.outputs.<name>`: the outputs of the jobs this one needs. */
  needs?: Record<string, Record<string, string>>;
  /** `matrix.<key>`: this job's entry of its matrix. */
  matrix?: Record<string, string | number>;
}

export interface StepResult {
  name: string;
  outcome: 'success' | 'failure' | 'skipped';
  code?: number;
  output: string;
}

export interface JobResult {
  steps: StepResult[];
  ok: boolean;
  /** The job's `outputs:`, evaluated after its steps. */
  outputs: Record<string, string>;
  step(name: RegExp): StepResult;
}

type Outcomes = Map<string, StepResult['outcome']>;
/** Step id → the name=value lines it wrote to GITHUB_OUTPUT. */
type StepOutputs = Map<string, Record<string, string>>;

/** `${{ … }}` expressions the generated workflows use, by their exact text. */
function evaluate(expr: string, ctx: JobContext, outcomes: Outcomes, outputs: StepOutputs): string | boolean {
  const e = expr.trim();
  const known: Record<string, () => string | boolean> = {
    'github.sha': () => ctx.sha,
    'github.event.before': () => ctx.before,
    "github.event.before && format('--since={0}', github.event.before) || ''": () => (ctx.before ? `--since=${ctx.before}` : ''),
    "!cancelled() && steps.rekey.outcome != 'skipped'": () => outcomes.get('rekey') !== 'skipped',
    "!cancelled() && steps.state.outcome == 'success'": () => outcomes.get('state') === 'success',
    "steps.rotate.outcome == 'failure'": () => outcomes.get('rotate') === 'failure',
  };
  const secret = /^secrets\.([A-Za-z_][A-Za-z0-9_]*)$/.exec(e);
  if (secret) return ctx.secrets[secret[1]!] ?? '';
  const step = /^steps\.([\w-]+)\.outputs\.([\w-]+)$/.exec(e);
  if (step) return outputs.get(step[1]!)?.[step[2]!] ?? '';
  const need = /^needs\.([\w-]+)\.outputs\.([\w-]+)$/.exec(e);
  if (need) return ctx.needs?.[need[1]!]?.[need[2]!] ?? '';
  const matrix = /^matrix\.([\w-]+)$/.exec(e);
  if (matrix && ctx.matrix && Object.hasOwn(ctx.matrix, matrix[1]!)) return String(ctx.matrix[matrix[1]!]);
  if (known[e]) return known[e]();
  throw new Error(`workflow-runner: unknown expression \${{ ${e} }}`);
}

function substitute(text: string, ctx: JobContext, outcomes: Outcomes, outputs: StepOutputs): string {
  return text.replace(/\$\{\{(.*?)\}\}/gs, (_m, e: string) => String(evaluate(e, ctx, outcomes, outputs)));
}

function condition(cond: string | undefined, ctx: JobContext, outcomes: Outcomes, outputs: StepOutputs, failed: boolean): boolean {
  if (cond === undefined) return !failed;
  const m = /^\$\{\{(.*)\}\}$/s.exec(cond.trim());
  const expr = m ? m[1]! : cond;
  // Without a status function, GitHub implies success(): no earlier step failed.
  const implied = /\b(success|failure|cancelled|always)\(\)/.test(expr) ? true : !failed;
  return implied && Boolean(evaluate(expr, ctx, outcomes, outputs));
}

/** Whether `uses` is the keyfold action (a pinned ref of it, or the repository's own `./`). */
const isKeyfoldAction = (uses: string) => uses === './' || /^[\w.-]+\/keyfold@[0-9a-f]{40}$/.test(uses);

export function runJob(workflowText: string, jobId: string, ctx: JobContext): JobResult {
  const wf = parseYaml(workflowText) as { jobs: Record<string, { steps: Step[]; outputs?: Record<string, string> }> };
  const job = wf.jobs[jobId];
  if (!job) throw new Error(`no job ${jobId}`);
  const workspace = join(ctx.dir, 'workspace');
  const temp = join(ctx.dir, 'temp');
  mkdirSync(workspace, { recursive: true });
  mkdirSync(temp, { recursive: true });
  const baseEnv = {
    PATH: process.env['PATH'] ?? '/usr/bin:/bin',
    HOME: ctx.home,
    XDG_CONFIG_HOME: join(ctx.home, '.config'),
    LANG: 'C.UTF-8',
    GIT_CONFIG_NOSYSTEM: '1',
    GITHUB_SHA: ctx.sha,
    GITHUB_WORKSPACE: workspace,
    RUNNER_TEMP: temp,
    CI: 'true',
  };
  const outcomes: Outcomes = new Map();
  const outputs: StepOutputs = new Map();
  const results: StepResult[] = [];
  let failed = false;
  job.steps.forEach((step, i) => {
    const name = step.name ?? step.uses ?? `step ${i}`;
    const outputFile = join(temp, `output-${i}`);
    const record = (outcome: StepResult['outcome'], code?: number, output = '') => {
      if (step.id) outcomes.set(step.id, outcome);
      if (step.id && existsSync(outputFile)) {
        const lines = readFileSync(outputFile, 'utf8').split('\n').filter((l) => l.includes('='));
        outputs.set(step.id, Object.fromEntries(lines.map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)])));
      }
      results.push({ name, outcome, code, output });
      if (outcome === 'failure' && !step['continue-on-error']) failed = true;
    };
    if (!condition(step.if, ctx, outcomes, outputs, failed)) return record('skipped');
    ctx.beforeStep?.(name);
    const env: Record<string, string> = { ...baseEnv, GITHUB_OUTPUT: outputFile };
    for (const [k, v] of Object.entries(step.env ?? {})) env[k] = substitute(String(v), ctx, outcomes, outputs);
    const cwd = join(workspace, step['working-directory'] ?? '.');
    const exec = (cmd: string, args: string[], input?: string) => {
      const r = spawnSync(cmd, args, { cwd, env, input, encoding: 'utf8' });
      return { code: r.status ?? 128, output: `${r.stdout}${r.stderr}` };
    };
    let r: { code: number; output: string };
    if (step.uses?.startsWith('actions/checkout@')) {
      // actions/checkout with fetch-depth: 0 — every branch and tag.
      const ref = substitute(String(step.with?.['ref'] ?? ''), ctx, outcomes, outputs);
      const git = (...args: string[]) => spawnSync('git', args, { cwd: workspace, env, encoding: 'utf8' });
      git('init', '-q');
      git('remote', 'add', 'origin', ctx.origin);
      const f = git('fetch', '-q', '--tags', 'origin', '+refs/heads/*:refs/remotes/origin/*');
      // A commit is checked out detached; a branch name as a local branch of that name (as actions/checkout does).
      const c = /^[0-9a-f]{40}$/.test(ref) ? git('checkout', '-q', '--detach', ref) : git('checkout', '-q', '-B', ref, `refs/remotes/origin/${ref}`);
      r = { code: f.status || c.status || 0, output: `${f.stderr}${c.stderr}` };
    } else if (step.uses?.startsWith('actions/setup-node@')) {
      r = { code: 0, output: '' };
    } else if (step.uses && isKeyfoldAction(step.uses.replace(/\s+#.*$/, ''))) {
      const w = step.with ?? {};
      const input = (k: string) => substitute(String(w[k] ?? ''), ctx, outcomes, outputs);
      Object.assign(env, { INPUT_COMMAND: input('command'), INPUT_ENV: input('env'), INPUT_ARGS: input('args') });
      const dir = join(workspace, input('working-directory') || '.');
      const run = spawnSync(process.execPath, [join(ROOT, 'action', 'run.cjs')], { cwd: dir, env, encoding: 'utf8' });
      r = { code: run.status ?? 128, output: `${run.stdout}${run.stderr}` };
    } else if (step.run !== undefined) {
      const script = join(temp, `step-${i}.sh`);
      writeFileSync(script, substitute(step.run, ctx, outcomes, outputs));
      r = exec('bash', ['--noprofile', '--norc', '-eo', 'pipefail', script]);
    } else {
      throw new Error(`workflow-runner: cannot run step ${name}`);
    }
    record(r.code === 0 ? 'success' : 'failure', r.code, r.output);
  });
  return {
    steps: results,
    ok: !failed,
    outputs: Object.fromEntries(Object.entries(job.outputs ?? {}).map(([k, v]) => [k, substitute(v, ctx, outcomes, outputs)])),
    step: (re) => {
      const s = results.find((x) => re.test(x.name));
      if (!s) throw new Error(`no step matching ${re}`);
      return s;
    },
  };
}

/** The workflow text as committed in a repository. */
export const readWorkflow = (repoDir: string, file = '.github/workflows/keyfold-sync.yml') => readFileSync(join(repoDir, file), 'utf8');
