/** Shared by the benchmark figures (bench/run.ts): timing, the built CLI, peak RSS. */
import { spawnSync, type SpawnSyncOptions } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

export const ROOT = resolve(import.meta.dirname, '..');
export const CLI = join(ROOT, 'dist', 'keyfold.js');
const PROBE = join(import.meta.dirname, 'rss-probe.cjs');

export const env = (name: string, fallback: number): number => Number(process.env[name] ?? fallback);

/** One row of the table: keyfold's figure, its peer or floor measured in the same run, the goal. */
export interface Figure {
  id: string;
  label: string;
  value: number;
  unit: 'ms' | 'µs/file' | 'MB' | 'calls';
  peer?: string;
  peerValue?: number;
  /** value / peerValue (or as the figure defines it). */
  ratio?: number;
  /** The goal: ratio (or value, when `on: 'value'`) at most `max`. */
  goal?: { max: number; on: 'ratio' | 'value' };
  note?: string;
}

export const holds = (f: Figure): boolean | undefined =>
  f.goal === undefined ? undefined : (f.goal.on === 'ratio' ? f.ratio! : f.value) <= f.goal.max;

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

export const log = (s: string): void => void process.stderr.write(s + '\n');

/** Run `file args` to completion; throws (naming the command) unless it exits with one of `ok`. */
export function run(file: string, args: string[], options: SpawnSyncOptions & { ok?: number[] } = {}): Buffer {
  const r = spawnSync(file, args, { maxBuffer: 1 << 30, ...options });
  if (!(options.ok ?? [0]).includes(r.status ?? -1)) {
    throw new Error(`${[file, ...args].join(' ').slice(0, 200)} exited ${r.status}: ${String(r.stderr).slice(0, 400)}`);
  }
  return r.stdout as Buffer;
}

export const kf = (args: string[], options: SpawnSyncOptions & { ok?: number[] } = {}): Buffer => run(process.execPath, [CLI, ...args], options);

/**
 * Time several commands the same number of times, interleaved (a, b, a, b, …), so load
 * from elsewhere on the machine falls on all of them alike; the median of each. `warm`
 * untimed rounds first.
 */
export function interleave(runs: number, fns: Record<string, () => unknown>, warm = 1): Record<string, number> {
  const samples: Record<string, number[]> = Object.fromEntries(Object.keys(fns).map((k) => [k, []]));
  for (let i = 0; i < runs + warm; i++) {
    for (const [k, fn] of Object.entries(fns)) {
      const t = performance.now();
      fn();
      if (i >= warm) samples[k]!.push(performance.now() - t);
    }
  }
  return Object.fromEntries(Object.entries(samples).map(([k, xs]) => [k, median(xs)]));
}

/** Peak RSS in MB of one run of the CLI (worker threads included: they share the process). */
export function peakRss(args: string[], options: SpawnSyncOptions & { ok?: number[] } = {}): number {
  const dir = mkdtempSync(join(tmpdir(), 'keyfold-rss-'));
  try {
    const out = join(dir, 'rss');
    run(process.execPath, ['--require', PROBE, CLI, ...args], { ...options, env: { ...(options.env ?? process.env), KEYFOLD_BENCH_RSS: out } });
    return Number(readFileSync(out, 'utf8')) / 1024;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
