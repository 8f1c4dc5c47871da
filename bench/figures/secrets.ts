/**
 * Figures on a generated secrets repository (bench/bench-repo.ts, files × 20 values):
 * bulk decrypt against the floor reader, `validate`, `recipients sync --check` and `ls`
 * (no keys), and how each grows from 1,000 to 10,000 files (time per file, peak RSS).
 */
import { execFileSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { identityToRecipient } from '../../src/crypto/age/index.js';
import { Workspace } from '../../src/ops/context/workspace.js';
import { decryptSopsPaths } from '../../src/ops/secrets/file-crypt.js';
import { listRefFiles } from '../../src/repo/secrets-tree.js';
import { makeBenchRepo, type BenchRepo } from '../bench-repo.js';
import { floorReader } from '../floor.js';
import { env, interleave, kf, log, peakRss, ROOT, run, type Figure } from '../lib.js';

const FILES = env('BENCH_FILES', 1000);
const BIG = env('BENCH_BIG_FILES', 10_000);
const VALUES = env('BENCH_VALUES', 20);
const RUNS = env('BENCH_RUNS', 5);

/**
 * The floor reader as a program of its own (node + yaml + node:crypto), for a
 * process-to-process comparison. Built by the esbuild binary: esbuild's JavaScript API
 * (async, or sync through its worker thread) has left this process waiting for ever
 * under tsx's loader, which runs esbuild too.
 */
function floorProgram(): string {
  const out = join(tmpdir(), `keyfold-bench-floor-${process.pid}.cjs`);
  execFileSync(
    join(ROOT, 'node_modules', '.bin', 'esbuild'),
    ['--bundle', '--platform=node', '--format=cjs', '--target=node20', '--minify', '--log-level=warning', '--loader=ts', `--sourcefile=floor-main.ts`, `--outfile=${out}`],
    {
      cwd: join(ROOT, 'bench'),
      input: "import { floorReader } from './floor.ts'; const [, , id, rcp, ...files] = process.argv; floorReader(id, rcp)(files);",
      stdio: ['pipe', 'ignore', 'inherit'],
    },
  );
  return out;
}

const git = (cwd: string, ...args: string[]) => execFileSync('git', args, { cwd, stdio: 'ignore' });

function commitAll(root: string): void {
  git(root, 'init', '-q');
  git(root, 'add', '-A');
  git(root, '-c', 'user.email=b@b', '-c', 'user.name=b', 'commit', '-qm', 'bench');
}

interface Sizes {
  files: number;
  ms: Record<string, number>;
  rss: Record<string, number>;
}

/** The four bulk commands on one repository: median times and peak RSS. */
function bulk(repo: BenchRepo, files: number, runs: number): Sizes {
  const opts = { cwd: repo.root, env: { PATH: process.env['PATH'] ?? '', HOME: repo.root } };
  const cmds: Record<string, { args: string[]; ok?: number[] }> = {
    decrypt: { args: ['decrypt', 'secrets/', '--json', '--identity', repo.identityFile] },
    validate: { args: ['validate'], ok: [0, 3] },
    'recipients sync --check': { args: ['recipients', 'sync', '--check'] },
    ls: { args: ['ls', '--json'] },
  };
  const ms = interleave(runs, Object.fromEntries(Object.entries(cmds).map(([k, c]) => [k, () => kf(c.args, { ...opts, ok: c.ok })])));
  const rss = Object.fromEntries(Object.entries(cmds).map(([k, c]) => [k, peakRss(c.args, { ...opts, ok: c.ok })]));
  return { files, ms, rss };
}

export async function secretsFigures(): Promise<Figure[]> {
  const figures: Figure[] = [];
  let t = performance.now();
  const repo = makeBenchRepo(FILES, VALUES);
  commitAll(repo.root);
  log(`  generated ${FILES} files × ${VALUES} values in ${((performance.now() - t) / 1000).toFixed(1)} s`);
  const files = listRefFiles(repo.root).map((e) => e.path);
  const floor = floorReader(repo.identity, identityToRecipient(repo.identity));
  const floorJs = floorProgram();
  const opts = { cwd: repo.root, env: { PATH: process.env['PATH'] ?? '', HOME: repo.root } };
  const ws = () => new Workspace({ cwd: repo.root, env: {}, identity: [repo.identityFile] });
  const rel = files.map((f) => f.slice(repo.root.length + 1));
  const d = interleave(RUNS, {
    floorProc: () => run(process.execPath, [floorJs, repo.identity, identityToRecipient(repo.identity), ...rel], opts),
    cli: () => kf(['decrypt', 'secrets/', '--json', '--identity', repo.identityFile], opts),
    cli1: () => kf(['decrypt', 'secrets/', '--json', '--identity', repo.identityFile], { ...opts, env: { ...opts.env, KEYFOLD_THREADS: '1' } }),
    floorIn: () => floor(files),
    lib: () => decryptSopsPaths(ws(), ['secrets']),
  });
  rmSync(floorJs, { force: true });
  figures.push(
    { id: 'decrypt', label: `decrypt secrets/ --json, ${FILES} files (CLI, all cores)`, value: d['cli']!, unit: 'ms', peer: 'floor reader, one thread (process)', peerValue: d['floorProc']!, ratio: d['cli']! / d['floorProc']!, goal: { max: 0.6, on: 'ratio' } },
    { id: 'decrypt.one-thread', label: 'decrypt secrets/ --json, KEYFOLD_THREADS=1', value: d['cli1']!, unit: 'ms', peer: 'floor reader, one thread (process)', peerValue: d['floorProc']!, ratio: d['cli1']! / d['floorProc']! },
    { id: 'decrypt.library', label: 'decryptSopsPaths (library, in process, one thread)', value: d['lib']!, unit: 'ms', peer: 'floor reader (in process)', peerValue: d['floorIn']!, ratio: d['lib']! / d['floorIn']! },
  );
  const bare = interleave(RUNS, { bare: () => run(process.execPath, ['-e', '0'], opts) })['bare']!;
  const small = bulk(repo, FILES, RUNS);
  figures.push(
    { id: 'validate', label: `validate, ${FILES} files, no keys`, value: small.ms['validate']!, unit: 'ms', peer: 'node -e 0', peerValue: bare, ratio: small.ms['validate']! / bare, goal: { max: 250, on: 'value' } },
    { id: 'recipients-check', label: `recipients sync --check, ${FILES} files`, value: small.ms['recipients sync --check']!, unit: 'ms', peer: 'node -e 0', peerValue: bare, ratio: small.ms['recipients sync --check']! / bare },
    { id: 'ls', label: `ls --json, ${FILES} files`, value: small.ms['ls']!, unit: 'ms', peer: 'node -e 0', peerValue: bare, ratio: small.ms['ls']! / bare },
  );
  rmSync(repo.root, { recursive: true, force: true });
  if (BIG <= 0) return figures;

  t = performance.now();
  const big = makeBenchRepo(BIG, VALUES);
  commitAll(big.root);
  log(`  generated ${BIG} files × ${VALUES} values in ${((performance.now() - t) / 1000).toFixed(1)} s`);
  const large = bulk(big, BIG, Math.max(1, Math.min(RUNS, 3)));
  rmSync(big.root, { recursive: true, force: true });
  for (const k of Object.keys(small.ms)) {
    const per = (s: Sizes) => (s.ms[k]! / s.files) * 1000;
    figures.push({ id: `scale.${k.replace(/ /g, '-')}`, label: `${k}: time per file at ${BIG} vs ${FILES} files`, value: per(large), unit: 'µs/file', peer: `per file at ${FILES}`, peerValue: per(small), ratio: per(large) / per(small), goal: { max: 1.2, on: 'ratio' } });
    figures.push({ id: `rss.${k.replace(/ /g, '-')}`, label: `${k}: peak RSS at ${BIG} files`, value: large.rss[k]!, unit: 'MB', peer: `at ${FILES} files`, peerValue: small.rss[k]!, ratio: large.rss[k]! / small.rss[k]! });
  }
  return figures;
}

