/**
 * Every write is atomic and locked (docs/threat-model.md): a `set` killed with SIGKILL at any
 * moment leaves the old or the new file, never a mix; the repository lock makes a
 * second writer wait, reports a clear error when it cannot get the lock, takes over a
 * lock whose owner died, and concurrent writers lose no update.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, utimesSync, watch, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI, baseEnv } from './helpers/cli.js';
import { makeRepo, type TestRepo } from './helpers/repo.js';

const REF = 'dev/app/big';
const DIR = 'secrets/dev/app';
const FILE = `${DIR}/big.yaml`;
const TMP_RE = /^\.big\.yaml\.[0-9a-f]{12}\.tmp$/;

let repo: TestRepo;
const children: ChildProcess[] = [];

beforeAll(async () => {
  repo = await makeRepo();
});

afterAll(() => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  repo?.cleanup();
});

/** ~200 KB of base64: distinct per call. */
const bigValue = () => randomBytes(150_000).toString('base64');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Start `keyfold set REF V --stdin` with `value` on stdin. */
function startSet(key: string, value: string): { child: ChildProcess; exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }> } {
  const child = spawn(process.execPath, [CLI, 'set', REF, key, '--stdin', '--identity', repo.admin.file], {
    cwd: repo.dir,
    env: baseEnv(repo.home),
    stdio: ['pipe', 'ignore', 'ignore'],
  });
  children.push(child);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((res) => child.once('exit', (code, signal) => res({ code, signal })));
  child.stdin!.on('error', () => undefined); // EPIPE when killed before reading
  child.stdin!.end(value);
  return { child, exited };
}

async function getValue(key: string): Promise<string> {
  const r = await repo.run(['get', REF, key]);
  expect(r.code, `get after a kill: ${r.stderr}`).toBe(0);
  return r.stdout.replace(/\n$/, '');
}

const tmpLeftovers = () => readdirSync(join(repo.dir, DIR)).filter((f) => f.startsWith('.'));

describe('atomic writes under SIGKILL', () => {
  it('a set killed at any moment leaves the old or the new file; leftovers never confuse keyfold', async () => {
    let current = bigValue();
    const first = await repo.run(['set', REF, 'V', '--stdin'], { input: current });
    expect(first.code, first.stderr).toBe(0);

    // Calibrate: how long one uninterrupted write takes here.
    const calib = bigValue();
    const t0 = Date.now();
    const c = startSet('V', calib);
    expect((await c.exited).code).toBe(0);
    const duration = Date.now() - t0;
    current = calib;
    expect(await getValue('V')).toBe(current);

    const outcomes = { old: 0, new: 0 };
    let leftovers = 0;
    const rounds = 16;
    for (let i = 0; i < rounds; i++) {
      const next = bigValue();
      const before = readFileSync(join(repo.dir, FILE));
      const { child, exited } = startSet('V', next);
      if (i % 4 === 1 || i % 4 === 3) {
        // Aim at the critical moments: as soon as the temp file appears (while it is
        // written), or as soon as it is renamed over the target (lock still held).
        const trigger = i % 4 === 3 ? (n: string) => TMP_RE.test(n) : (n: string) => n === 'big.yaml';
        const watcher = watch(join(repo.dir, DIR), (_ev, name) => {
          if (name && trigger(String(name))) child.kill('SIGKILL');
        });
        const timer = setTimeout(() => child.kill('SIGKILL'), duration * 3);
        await exited;
        clearTimeout(timer);
        watcher.close();
      } else {
        // Delays spread over the whole run, 5 ms up to a little past its usual end.
        const delay = Math.round(5 + ((i + Math.random()) / rounds) * (duration * 1.2));
        await sleep(delay);
        child.kill('SIGKILL');
        await exited;
      }
      const after = readFileSync(join(repo.dir, FILE));
      const got = await getValue('V');
      expect([current, next], `round ${i}: the file holds neither the old nor the new value`).toContain(got);
      if (got === current) {
        outcomes.old++;
        expect(after.equals(before), `round ${i}: old value but different bytes`).toBe(true);
      } else {
        outcomes.new++;
      }
      current = got;
      for (const f of tmpLeftovers()) expect(f).toMatch(TMP_RE);
      leftovers = tmpLeftovers().length;
    }
    expect(outcomes.old + outcomes.new).toBe(rounds);

    // Whatever was left behind: dot-file temps only; ls, decrypt of the directory and
    // the next write are not confused by them.
    const ls = await repo.run(['ls', '--json']);
    expect(JSON.parse(ls.stdout)).toEqual({ refs: [{ ref: REF, file: FILE, keys: ['V'] }], skipped: [] });
    const dec = await repo.run(['decrypt', 'secrets', '--json']);
    expect(dec.code, dec.stderr).toBe(0);
    expect(Object.keys(JSON.parse(dec.stdout) as object)).toEqual([FILE]);
    const final = bigValue();
    const t1 = Date.now();
    const last = await repo.run(['set', REF, 'V', '--stdin'], { input: final });
    expect(last.code, last.stderr).toBe(0);
    expect(Date.now() - t1, 'a stale lock of a killed writer is taken over without waiting for the timeout').toBeLessThan(5000);
    expect(await getValue('V')).toBe(final);
    expect(existsSync(join(repo.dir, '.git', 'keyfold.lock'))).toBe(false);
    // The report's observation: how the kills landed and what they left behind.
    console.log(
      `atomic: ${rounds} SIGKILLs over a ${duration} ms write: ${outcomes.old} left the old file, ${outcomes.new} the new one; ` +
        `${leftovers} dot-file temp(s) left in ${DIR} (${tmpLeftovers().join(', ') || 'none'})`,
    );
  });
});

describe('the repository lock', () => {
  const lock = () => join(repo.dir, '.git', 'keyfold.lock');

  /** A live process that is not keyfold, to own a lock. */
  function liveProcess(): ChildProcess {
    const p = spawn('sleep', ['30'], { stdio: 'ignore' });
    children.push(p);
    return p;
  }

  async function deadPid(): Promise<number> {
    const p = spawn('true', [], { stdio: 'ignore' });
    await new Promise((r) => p.once('exit', r));
    return p.pid!;
  }

  it('held by a live process: set waits, then fails with one clear line (exit 1), changing nothing', async () => {
    await repo.run(['set', REF, 'L', '--value', 'before']);
    const owner = liveProcess();
    writeFileSync(lock(), String(owner.pid));
    const before = readFileSync(join(repo.dir, FILE));
    const t0 = Date.now();
    const r = await repo.run(['set', REF, 'L', '--stdin'], { input: 'after' });
    const waited = Date.now() - t0;
    owner.kill('SIGKILL');
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/^keyfold: .*lock/);
    expect(r.stderr).toContain('keyfold.lock');
    expect(waited, 'it waited for the lock before giving up').toBeGreaterThanOrEqual(9000);
    expect(readFileSync(join(repo.dir, FILE)).equals(before)).toBe(true);
    expect(readFileSync(lock(), 'utf8'), 'the other process keeps its lock').toBe(String(owner.pid));
  }, 30_000);

  it('released while waiting: set proceeds once it is free', async () => {
    const owner = liveProcess();
    writeFileSync(lock(), String(owner.pid));
    const t0 = Date.now();
    const pending = repo.run(['set', REF, 'L', '--value', 'waited']);
    await sleep(1200);
    owner.kill('SIGKILL'); // its lock is now stale
    const r = await pending;
    expect(r.code, r.stderr).toBe(0);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(1200);
    expect(await getValue('L')).toBe('waited');
    expect(existsSync(lock())).toBe(false);
  });

  it('a lock whose pid is dead is taken over at once', async () => {
    writeFileSync(lock(), String(await deadPid()));
    const t0 = Date.now();
    const r = await repo.run(['set', REF, 'L', '--value', 'took-over']);
    expect(r.code, r.stderr).toBe(0);
    expect(Date.now() - t0).toBeLessThan(5000);
    expect(await getValue('L')).toBe('took-over');
    expect(existsSync(lock())).toBe(false);
  });

  it('an old empty lock file (owner killed between creating it and writing its pid) is taken over', async () => {
    writeFileSync(lock(), '');
    const old = new Date(Date.now() - 60_000);
    utimesSync(lock(), old, old);
    const t0 = Date.now();
    const r = await repo.run(['set', REF, 'L', '--value', 'after-empty-lock']);
    expect(r.code, r.stderr).toBe(0);
    expect(Date.now() - t0).toBeLessThan(5000);
    expect(await getValue('L')).toBe('after-empty-lock');
    expect(existsSync(lock())).toBe(false);
  });

  it('concurrent sets of different keys on the same ref all land', async () => {
    const keys = ['C1', 'C2', 'C3', 'C4', 'C5', 'C6'];
    const values = keys.map(() => randomBytes(12).toString('hex'));
    const results = await Promise.all(keys.map((k, i) => repo.run(['set', REF, k, '--value', values[i]!])));
    for (const r of results) expect(r.code, r.stderr).toBe(0);
    const show = await repo.run(['show', REF, '--json']);
    const doc = JSON.parse(show.stdout) as Record<string, string>;
    keys.forEach((k, i) => expect(doc[k], `${k} was lost`).toBe(values[i]));
    expect(doc['L']).toBe('after-empty-lock');
    expect(typeof doc['V']).toBe('string');
  });
});
