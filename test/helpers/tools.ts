/**
 * External programs that some tests drive live: the age CLI (`age`, `age-keygen`) and
 * Chromium. A fresh clone on a machine with only Node and git has neither, and its
 * `npm test` must still pass; what the live tests check is also covered by fixtures
 * recorded from the real tools (test/fixtures/age-cli, test/fixtures/report).
 *
 * Detection looks on PATH once, when this module loads. `KEYFOLD_TEST_HIDE_TOOLS=age,chromium`
 * (comma-separated program names) makes it report those as missing, to try the
 * fresh-machine path where they are installed.
 *
 * Use: `const ageCli = liveChecks(AGE_CLI);` at the top level of a test file (after the
 * imports, no top-level await before it), then `ageCli.describe(...)` / `ageCli.it(...)`
 * (`ageCli.it.concurrent(...)`) instead of describe/it for the live tests. With the tool
 * present they run as before; without it they are skipped (vitest skipIf) and the file
 * prints one line on stderr while it is collected, e.g.
 *   skipped: 12 live checks against the age CLI (not installed; apt-get install age) — …
 */
import { findOnPath as findExecutable } from '../../src/kernel/path-search.js';
import { describe, it, TestRunner, type TestFunction } from 'vitest';

/** Tools KEYFOLD_TEST_HIDE_TOOLS names, treated as not installed (age, age-keygen, chromium, postgres, …). */
export const hiddenTools = new Set(
  (process.env['KEYFOLD_TEST_HIDE_TOOLS'] ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean),
);

/** The executable `name` on PATH (absolute path), or undefined (also when KEYFOLD_TEST_HIDE_TOOLS names it). */
export function findOnPath(name: string, pathVar = process.env['PATH'] ?? ''): string | undefined {
  return hiddenTools.has(name) ? undefined : findExecutable(name, pathVar);
}

/** Absolute paths of the tools, or undefined where missing. */
export const TOOLS = {
  age: findOnPath('age'),
  ageKeygen: findOnPath('age-keygen'),
  chromium: findOnPath('chromium') ?? findOnPath('chromium-browser'),
} as const;

export interface LiveTool {
  /** Shown as "N live checks <label>". */
  label: string;
  /** All programs found. */
  present: boolean;
  /** Why it is missing (for the skip line). */
  why: string;
  /** How to enable the checks. */
  enable: string;
  /** What covers them meanwhile. */
  coveredBy: string;
}

export const AGE_CLI: LiveTool = {
  label: 'against the age CLI',
  present: Boolean(TOOLS.age && TOOLS.ageKeygen),
  why: !TOOLS.age && !TOOLS.ageKeygen ? 'not installed' : `${TOOLS.age ? 'age-keygen' : 'age'} not on PATH`,
  enable: 'apt-get install age',
  coveredBy: 'recorded fixtures in test/fixtures/age-cli cover them',
};

export const CHROMIUM: LiveTool = {
  label: 'in headless Chromium',
  present: Boolean(TOOLS.chromium),
  why: 'not installed',
  enable: 'apt-get install chromium',
  coveredBy: 'the golden HTML and what Chromium rendered from it, recorded in test/fixtures/report, cover them',
};

type TestArgs = [name: string, fn: TestFunction, timeout?: number];
type SuiteArgs = [name: string, fn: () => void];
interface LiveTest {
  (...args: TestArgs): void;
  concurrent: (...args: TestArgs) => void;
}
export interface LiveChecks {
  present: boolean;
  /** describe.skipIf(tool missing) */
  describe: (...args: SuiteArgs) => void;
  /** it.skipIf(tool missing), and its .concurrent */
  it: LiveTest;
}

interface Counted {
  tool: LiveTool;
  suites: Array<{ tasks: unknown[] }>;
  tests: unknown[];
}

/** What this file registered, per tool; flushed once the file's tests are collected. */
let pending: Counted[] | undefined;

function leaves(task: unknown, into: Set<unknown>): void {
  const t = task as { type?: string; tasks?: unknown[] };
  if (t.type === 'test') into.add(t);
  else for (const c of t.tasks ?? []) leaves(c, into);
}

export function skipLine(tool: LiveTool, n: number): string {
  return `skipped: ${n} live check${n === 1 ? '' : 's'} ${tool.label} (${tool.why}; ${tool.enable}) — ${tool.coveredBy}`;
}

/**
 * Prints the skip lines of this file. Suite factories run after the module has been
 * evaluated, in registration order; a nameless describe registered from a microtask
 * (right after the module body) is collected last, once every live suite's tests are
 * known. It is registered skipped and has no tests, so it adds nothing to the report (and
 * only when a tool is missing).
 */
function scheduleSummary(): Counted[] {
  if (pending) return pending;
  const entries: Counted[] = (pending = []);
  queueMicrotask(() => {
    pending = undefined;
    if (entries.every((e) => e.tool.present)) return;
    describe.skip('', () => {
      const lines = entries
        .filter((e) => !e.tool.present)
        .map((e) => {
          const all = new Set<unknown>(e.tests);
          for (const s of e.suites) leaves(s, all);
          return skipLine(e.tool, all.size);
        });
      if (lines.length) console.warn(lines.join('; '));
    });
  });
  return entries;
}

export function liveChecks(tool: LiveTool): LiveChecks {
  const entry: Counted = { tool, suites: [], tests: [] };
  scheduleSummary().push(entry);
  const skip = !tool.present;
  const current = () => TestRunner.getCurrentSuite() as unknown as { tasks: unknown[]; suite: { tasks: unknown[] } };
  const recordTest = (register: (...args: TestArgs) => void) => (...args: TestArgs) => {
    register(...args);
    const t = current().tasks.at(-1);
    if (t) entry.tests.push(t);
  };
  const it_ = Object.assign(recordTest(it.skipIf(skip)), { concurrent: recordTest(it.skipIf(skip).concurrent) });
  return {
    present: tool.present,
    it: it_,
    describe: (name, fn) =>
      describe.skipIf(skip)(name, () => {
        entry.suites.push(current().suite);
        fn();
      }),
  };
}
