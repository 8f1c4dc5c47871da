/**
 * Small helpers for the end-to-end suites that drive the built CLI as a live process:
 * spawning it with the same isolated environment as runCli (to send it signals, close
 * its stdout early, or read /proc/<pid>/status), one-line error checks, canary checks.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { expect } from 'vitest';
import { baseEnv, CLI, type CliResult } from './cli.js';

export interface SpawnedCli {
  child: ChildProcessWithoutNullStreams;
  /** Everything written on stderr so far. */
  stderr(): string;
  /** Resolves with the exit code (or 128 + n for a signal, as a shell reports it) once the process has exited and its pipes closed. */
  done: Promise<{ code: number; signal: NodeJS.Signals | null }>;
}

const SIGNALS: Partial<Record<NodeJS.Signals, number>> = { SIGHUP: 1, SIGINT: 2, SIGKILL: 9, SIGPIPE: 13, SIGTERM: 15 };

/** The built CLI as a live child process (stdin, stdout and stderr piped), environment as runCli builds it. */
export function spawnCli(args: string[], options: { cwd: string; env?: Record<string, string | undefined> }): SpawnedCli {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries({ ...baseEnv(options.env?.['HOME'] ?? options.cwd), ...options.env })) if (v !== undefined) env[k] = v;
  const child = spawn(process.execPath, [CLI, ...args], { cwd: options.cwd, env, stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  const done = new Promise<{ code: number; signal: NodeJS.Signals | null }>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code: code ?? 128 + (SIGNALS[signal!] ?? 0), signal }));
  });
  return { child, stderr: () => stderr, done };
}

/** Resolves once `text` has appeared in what `stream` produced (its data so far), or rejects after `ms`. */
export function waitFor(stream: NodeJS.ReadableStream, seen: () => string, text: string, ms: number): Promise<void> {
  return new Promise((resolve, reject) => {
    if (seen().includes(text)) return resolve();
    const timer = setTimeout(() => {
      stream.off('data', check);
      reject(new Error(`timed out after ${ms} ms waiting for ${JSON.stringify(text)}; got ${JSON.stringify(seen().slice(-200))}`));
    }, ms);
    function check() {
      if (!seen().includes(text)) return;
      clearTimeout(timer);
      stream.off('data', check);
      resolve();
    }
    stream.on('data', check);
  });
}

/** A kernel memory figure of a live process, in kB (`VmHWM` = peak RSS, `VmRSS` = current). */
export function procStatusKb(pid: number, field: 'VmHWM' | 'VmRSS'): number {
  const m = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  if (!m) throw new Error(`no ${field} in /proc/${pid}/status`);
  return Number(m[1]);
}

/** The error line of a failed command: exactly one line on stderr, `keyfold: …`, never a stack trace. */
export function expectOneLineError(r: CliResult, code?: number): string {
  if (code !== undefined) expect(r.code, r.stderr).toBe(code);
  else expect(r.code, r.stderr).not.toBe(0);
  expect(r.code, 'never an internal error').not.toBe(70);
  const lines = r.stderr.trimEnd().split('\n').filter((l) => !/^keyfold: warning: /.test(l));
  expect(lines, r.stderr).toHaveLength(1);
  expect(lines[0]).toMatch(/^keyfold: /);
  expect(r.stderr).not.toMatch(/\n\s+at |Error:|EPIPE|node:internal/);
  return lines[0]!;
}

/** No canary value appears anywhere in the command's output. */
export function expectNoCanary(r: { stdout: string; stderr: string }, canaries: readonly string[]): void {
  for (const c of canaries) {
    expect(r.stdout, `canary ${c} on stdout`).not.toContain(c);
    expect(r.stderr, `canary ${c} on stderr`).not.toContain(c);
  }
}
