/**
 * `npm run bench`: every performance figure of keyfold with its peer or floor measured
 * in the same run, as one table; `npm run bench -- --json` prints the same as JSON.
 * Each figure's ratio is compared with bench/baseline.json (`--save-baseline` writes
 * it). Progress goes to stderr.
 *
 *   npm run bench                          the table
 *   npm run bench -- --json                the figures as JSON, in bench/last-run.json
 *                                          (and on stdout: `npm run -s bench -- --json`)
 *   npm run bench -- --only decrypt,start  some groups (secrets, start, log, run, age, sync)
 *   npm run bench -- --save-baseline       also write bench/baseline.json
 *   node bench/.run.mjs --from FILE        the table of a saved JSON run (no measuring)
 *
 * `npm run bench` runs this file bundled (scripts/build-bench.mjs → bench/.run.mjs) by
 * plain node, each group in a process of its own.
 *
 * Environment: BENCH_RUNS (5; runs per figure, medians reported), BENCH_FILES (1000),
 * BENCH_BIG_FILES (10000; 0 skips the scaling figures), BENCH_VALUES (20),
 * BENCH_COMMITS (10000), BENCH_HISTORY_FILES (500), BENCH_SYNC_SERVICES (21),
 * BENCH_SYNC_KEYS (70).
 *
 * Not part of `npm test`: vitest only picks up src/ and test/.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { ageUnwrapFigures } from './figures/age-unwrap.js';
import { logFigures } from './figures/log.js';
import { runOverheadFigures } from './figures/run-overhead.js';
import { secretsFigures } from './figures/secrets.js';
import { startFigures } from './figures/start.js';
import { syncFigures } from './figures/sync.js';
import { holds, log, ROOT, type Figure } from './lib.js';

const GROUPS: Record<string, () => Figure[] | Promise<Figure[]>> = {
  secrets: secretsFigures,
  start: startFigures,
  log: logFigures,
  run: runOverheadFigures,
  age: ageUnwrapFigures,
  sync: syncFigures,
};
const BASELINE = join(ROOT, 'bench', 'baseline.json');

interface Report {
  date: string;
  node: string;
  cpus: number;
  cpu: string;
  /** 1-minute load average when the run started and ended (other work on the machine). */
  load: [number, number];
  runs: number;
  figures: Array<Figure & { holds?: boolean; baselineRatio?: number; vsBaseline?: number }>;
}

const fmt = (v: number | undefined, unit = ''): string => (v === undefined ? '' : `${v >= 100 ? v.toFixed(0) : v.toFixed(v >= 10 ? 1 : 2)}${unit}`);

function table(r: Report): string {
  const head = ['figure', 'keyfold', 'peer / floor', 'peer', 'ratio', 'goal', 'ok', 'baseline', 'vs base'];
  const rows = r.figures.map((f) => [
    f.label + (f.note ? ` [${f.note}]` : ''),
    fmt(f.value, ` ${f.unit}`),
    f.peer ?? '',
    fmt(f.peerValue, f.peerValue === undefined ? '' : ` ${f.unit}`),
    f.ratio === undefined ? '' : `${f.ratio.toFixed(2)}×`,
    f.goal ? (f.goal.on === 'ratio' ? `≤ ${f.goal.max}×` : `≤ ${f.goal.max} ${f.unit}`) : '',
    f.holds === undefined ? '' : f.holds ? 'yes' : 'NO',
    f.baselineRatio === undefined ? '' : `${f.baselineRatio.toFixed(2)}×`,
    f.vsBaseline === undefined ? '' : `${f.vsBaseline.toFixed(2)}`,
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]!.length)));
  const line = (cells: string[]) => '| ' + cells.map((c, i) => c.padEnd(widths[i]!)).join(' | ') + ' |';
  return [
    `keyfold bench — node ${r.node}, ${r.cpus} cores (${r.cpu}), load ${r.load[0].toFixed(2)} → ${r.load[1].toFixed(2)}, medians of ${r.runs} runs, ${r.date}`,
    line(head),
    '|' + widths.map((w) => '-'.repeat(w + 2)).join('|') + '|',
    ...rows.map(line),
    'ratio: keyfold / peer; vs base: ratio / the ratio in bench/baseline.json (below 1: better than the baseline)',
  ].join('\n');
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  if (argv.includes('--from')) {
    process.stdout.write(table(JSON.parse(readFileSync(argv[argv.indexOf('--from') + 1]!, 'utf8')) as Report) + '\n');
    return;
  }
  if (argv.includes('--group')) {
    // One group, run by the parent below: its figures as JSON on stdout.
    const figures = await GROUPS[argv[argv.indexOf('--group') + 1]!]!();
    // Exit once written: a handle a group left open must not keep the run waiting.
    process.stdout.write(JSON.stringify(figures), () => process.exit(0));
    return;
  }
  const json = argv.includes('--json');
  const only = argv.includes('--only') ? argv[argv.indexOf('--only') + 1]!.split(',') : Object.keys(GROUPS);
  const unknown = only.filter((g) => !Object.hasOwn(GROUPS, g));
  if (unknown.length > 0) throw new Error(`unknown group(s) ${unknown.join(', ')}; groups: ${Object.keys(GROUPS).join(', ')}`);
  const load0 = loadavg()[0]!;
  const figures: Figure[] = [];
  for (const g of only) {
    log(`bench: ${g} …`);
    const t = performance.now();
    // Each group in a process of its own: no group's threads, caches or heap carry over
    // into the next one's figures (a pool left warm, or busy, once stalled the next group).
    const out = execFileSync(process.execPath, [...process.execArgv, process.argv[1]!, '--group', g], { stdio: ['ignore', 'pipe', 'inherit'], encoding: 'utf8', maxBuffer: 64 << 20 });
    figures.push(...(JSON.parse(out) as Figure[]));
    log(`bench: ${g} done in ${((performance.now() - t) / 1000).toFixed(0)} s`);
  }
  const baseline = existsSync(BASELINE) ? (JSON.parse(readFileSync(BASELINE, 'utf8')) as Report) : undefined;
  const report: Report = {
    date: new Date().toISOString(),
    node: process.version,
    cpus: availableParallelism(),
    cpu: cpus()[0]?.model.trim() ?? 'unknown',
    load: [load0, loadavg()[0]!],
    runs: Number(process.env['BENCH_RUNS'] ?? 5),
    figures: figures.map((f) => {
      const base = baseline?.figures.find((b) => b.id === f.id);
      const baseRatio = base?.ratio ?? (base ? base.value : undefined);
      const ratio = f.ratio ?? f.value;
      return { ...f, holds: holds(f), baselineRatio: base?.ratio, vsBaseline: baseRatio ? ratio / baseRatio : undefined };
    }),
  };
  if (json) {
    const text = JSON.stringify(report, null, 2) + '\n';
    // npm prints its own lines on stdout: the file is the clean copy.
    writeFileSync(join(ROOT, 'bench', 'last-run.json'), text);
    process.stdout.write(text);
    log('bench: wrote bench/last-run.json');
  } else process.stdout.write(table(report) + '\n');
  if (argv.includes('--save-baseline')) {
    const keep = { ...report, figures: report.figures.map(({ baselineRatio: _b, vsBaseline: _v, ...f }) => f) };
    writeFileSync(BASELINE, JSON.stringify(keep, null, 2) + '\n');
    log(`bench: wrote ${BASELINE}`);
  }
}

await main();
