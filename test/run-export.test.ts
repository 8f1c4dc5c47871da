/**
 * Secrets reach programs (issue "run, export …", must-be-true 1–4), end to end through
 * the built CLI in a real temp git repository with three services in keyfold.yaml:
 * what each service gets, `run`'s redaction, exit statuses and signals, the identity
 * variables the child never sees, memory while a child prints 100 MB, and `export` in
 * every format with hostile values that must round-trip through their real readers.
 *
 * Values are canaries: none may appear in output that is not meant to print it.
 */
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseDotenv } from 'dotenv';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml';
import type { CliResult } from './helpers/cli.js';
import { mkfifoSync } from './helpers/fifo.js';
import { expectNoCanary, expectOneLineError, procStatusKb, spawnCli, waitFor } from './helpers/e2e.js';
import { makeIdentity, makeRepo, type TestRepo } from './helpers/repo.js';

const C = 'CANARY-run';
/** The dev files: ref → key → value. Every value is a canary (and 6+ characters, so redacted). */
const FILES: Record<string, Record<string, string>> = {
  'dev/providers/openai': { OPENAI_API_KEY: `sk-${C}-openai-01` },
  'dev/providers/stripe': { STRIPE_SECRET_KEY: `sk_${C}_stripe_02`, STRIPE_WEBHOOK_SECRET: `whsec_${C}_03` },
  'dev/providers/sentry': { SENTRY_DSN: `https://${C}-sentry@o1.ingest.example/42` },
  'dev/api/db': { URL: `postgres://app:${C}-pw-04@db:5432/app`, POOL_SIZE: '10' },
  'dev/worker/queue': { QUEUE_USER: `mq-${C}-user-05`, QUEUE_PASSWORD: `mq-${C}-pass-06` },
  'dev/web/session': { SESSION_SECRET: `sess-${C}-07` },
  'dev/other/unrelated': { UNRELATED_KEY: `${C}-unrelated-08` },
  'staging/providers/openai': { OPENAI_API_KEY: `sk-${C}-staging-09` },
};
const ALL_VALUES = Object.values(FILES).flatMap((f) => Object.values(f));
const CANARIES = ALL_VALUES.filter((v) => v.includes(C));

const SERVICES = `services:
  api:
    imports: ["providers/**", "api/**"]
    env: { DATABASE_URL: "\${api/db.URL}" }
  worker:
    imports: ["providers/**", "worker/**"]
    env: { AMQP_URL: "amqp://\${worker/queue.QUEUE_USER}:\${worker/queue.QUEUE_PASSWORD}@mq:5672/" }
  web:
    imports: ["providers/**", "web/**"]
    env: { PUBLIC_API_URL: "https://api.example.test", SESSION_KEY: "\${web/session.SESSION_SECRET}" }
`;

const providers = () => ({ ...FILES['dev/providers/openai'], ...FILES['dev/providers/stripe'], ...FILES['dev/providers/sentry'] });
const expected = (): { api: Record<string, string>; worker: Record<string, string>; web: Record<string, string> } => ({
  api: { ...providers(), ...FILES['dev/api/db'], DATABASE_URL: FILES['dev/api/db']!.URL! },
  worker: { ...providers(), ...FILES['dev/worker/queue'], AMQP_URL: `amqp://${FILES['dev/worker/queue']!.QUEUE_USER}:${FILES['dev/worker/queue']!.QUEUE_PASSWORD}@mq:5672/` },
  web: { ...providers(), ...FILES['dev/web/session'], PUBLIC_API_URL: 'https://api.example.test', SESSION_KEY: FILES['dev/web/session']!.SESSION_SECRET! },
});

let repo: TestRepo;
const read = (rel: string) => readFileSync(join(repo.dir, rel), 'utf8');
const write = (rel: string, text: string) => {
  mkdirSync(join(repo.dir, rel, '..'), { recursive: true });
  writeFileSync(join(repo.dir, rel), text);
};
/** Create a secrets file with these values in one call: plaintext YAML, then encrypt --in-place (policy recipients). */
async function plant(ref: string, values: Record<string, string>): Promise<void> {
  write(`secrets/${ref}.yaml`, stringifyYaml(values, { lineWidth: 0 }));
  const r = await repo.run(['encrypt', '--in-place', `secrets/${ref}.yaml`]);
  expect(r.code, `${ref}: ${r.stderr}`).toBe(0);
}
/** `keyfold run …` as the admin: --identity goes before `--` (repo.run appends it last, where the child would get it). */
const run = (args: string[], opts: Parameters<TestRepo['run']>[1] = {}) => {
  const at = args.indexOf('--');
  const withId = at < 0 ? [...args, '--identity', repo.admin.file] : [...args.slice(0, at), '--identity', repo.admin.file, ...args.slice(at)];
  return repo.run(withId, { ...opts, as: null });
};
const exportJson = async (args: string[]) => {
  const r = await repo.run(['export', '--env', 'dev', ...args, '--format', 'json']);
  expect(r.code, r.stderr).toBe(0);
  expect(r.stderr).toBe('');
  return JSON.parse(r.stdout) as Record<string, string>;
};

beforeAll(async () => {
  repo = await makeRepo();
  write('keyfold.yaml', read('keyfold.yaml').replace('services: {}\n', SERVICES));
  for (const [ref, values] of Object.entries(FILES)) await plant(ref, values);
  repo.git('add', '-A');
  repo.git('commit', '-q', '-m', 'services');
  const v = await repo.run(['validate'], { as: null });
  // The services resolve in dev (prod and staging lack the folders: validate says so, not our concern here).
  expect(v.stdout).not.toMatch(/service .* in dev:/);
});
afterAll(() => repo.cleanup());

describe('1. what each service gets', () => {
  it('export --format json per service: exactly its imports, in order, then its env: block; nothing else', async () => {
    const services = Object.entries(expected());
    const exports = await Promise.all(services.map(([service]) => exportJson(['--service', service])));
    for (const [i, [service, want]] of services.entries()) {
      const got = exports[i]!;
      expect(got, service).toEqual(want);
      // env: block names come last, in the order keyfold.yaml lists them.
      const envNames = { api: ['DATABASE_URL'], worker: ['AMQP_URL'], web: ['PUBLIC_API_URL', 'SESSION_KEY'] }[service]!;
      expect(Object.keys(got).slice(-envNames.length)).toEqual(envNames);
      expect(Object.keys(got).slice(0, 4).sort()).toEqual(Object.keys(providers()).sort());
      expect(JSON.stringify(got)).not.toContain(FILES['dev/other/unrelated']!.UNRELATED_KEY);
      expect(JSON.stringify(got)).not.toContain(FILES['staging/providers/openai']!.OPENAI_API_KEY);
    }
  });

  it('a changed provider key changes all three exports; the env: reference follows its source', async () => {
    const rotated = `sk-${C}-openai-rotated-10`;
    const before = FILES['dev/providers/openai']!.OPENAI_API_KEY!;
    try {
      const s = await repo.run(['set', 'dev/providers/openai', 'OPENAI_API_KEY', '--stdin'], { input: rotated });
      expect(s.code, s.stderr).toBe(0);
      FILES['dev/providers/openai']!.OPENAI_API_KEY = rotated;
      const all = await Promise.all(['api', 'worker', 'web'].map((service) => exportJson(['--service', service])));
      for (const e of all) expect(e.OPENAI_API_KEY).toBe(rotated);
      const pw = `postgres://app:${C}-pw-rotated-11@db:5432/app`;
      expect((await repo.run(['set', 'dev/api/db', 'URL', '--stdin'], { input: pw })).code).toBe(0);
      FILES['dev/api/db']!.URL = pw;
      expect(await exportJson(['--service', 'api'])).toEqual(expected().api);
    } finally {
      FILES['dev/providers/openai']!.OPENAI_API_KEY = before;
      expect((await repo.run(['set', 'dev/providers/openai', 'OPENAI_API_KEY', '--stdin'], { input: before })).code).toBe(0);
    }
  });

  it('a dangling reference fails export and run with exit 3 naming it; nothing runs, no value printed', async () => {
    const good = read('keyfold.yaml');
    try {
      const broken = good.replace(SERVICES, SERVICES.replace('${api/db.URL}', '${api/db.NOPE}'));
      expect(broken).toContain('DATABASE_URL: "${api/db.NOPE}" }\n  worker:');
      write('keyfold.yaml', broken);
      const marker = join(repo.home, 'ran-anyway');
      for (const args of [
        ['export', '--env', 'dev', '--service', 'api'],
        ['export', '--env', 'dev', '--service', 'api', '--format', 'json'],
        ['run', '--env', 'dev', '--service', 'api', '--', 'touch', marker],
      ]) {
        const r = args[0] === 'run' ? await run(args) : await repo.run(args);
        const line = expectOneLineError(r, 3);
        expect(line).toContain('${api/db.NOPE}');
        expect(line).toContain('DATABASE_URL');
        expect(r.stdout).toBe('');
        expectNoCanary(r, CANARIES);
      }
      expect(existsSync(marker)).toBe(false);
      // The other services are unaffected.
      expect(await exportJson(['--service', 'web'])).toEqual(expected().web);
    } finally {
      write('keyfold.yaml', good);
    }
  });
});

/** The base64 characters that depend only on `value`, when it starts `offset` bytes into a 3-byte group. */
function base64Cores(value: string): string[] {
  const bytes = Buffer.from(value);
  return [0, 1, 2].map((offset) => {
    const b64 = Buffer.concat([Buffer.alloc(offset), bytes, Buffer.alloc(3)]).toString('base64');
    return b64.slice(Math.ceil((offset * 8) / 6), Math.floor(((offset + bytes.length) * 8) / 6));
  });
}

describe('2. run: redaction, exit statuses, signals', () => {
  const KEY = 'OPENAI_API_KEY';
  const value = () => FILES['dev/providers/openai']![KEY]!;

  it('the value and its base64 at all three alignments print as [keyfold:KEY], on stdout and stderr', async () => {
    const script = [
      `echo "$${KEY}"`,
      `printf %s "$${KEY}" | base64`,
      `printf %s "x$${KEY}" | base64`,
      `printf %s "xy$${KEY}" | base64`,
      `printf %s "$${KEY}" | base64 | tr '+/' '-_'`,
      `echo "to stderr: $${KEY}" >&2`,
      `echo "$DATABASE_URL"`,
    ].join('; ');
    const r = await run(['run', '--env', 'dev', '--service', 'api', '--', 'sh', '-c', script]);
    expect(r.code, r.stderr).toBe(0);
    const lines = r.stdout.split('\n');
    expect(lines).toHaveLength(7);
    for (const l of lines.slice(0, 5)) expect(l).toContain(`[keyfold:${KEY}]`);
    expect(lines[0]).toBe(`[keyfold:${KEY}]`);
    expect(lines[5]).toMatch(/^\[keyfold:(URL|DATABASE_URL)\]$/);
    expect(r.stderr).toBe(`keyfold: 7 variables from 4 refs of dev\nto stderr: [keyfold:${KEY}]\n`);
    for (const form of [value(), ...base64Cores(value())]) {
      expect(r.stdout + r.stderr, form).not.toContain(form);
    }
    expectNoCanary(r, CANARIES);
    // Sanity: unredacted, base64 does print those cores.
    const plain = await run(['run', '--env', 'dev', '--service', 'api', '--no-redact', '--', 'sh', '-c', script]);
    expect(plain.code).toBe(0);
    expect(plain.stdout.split('\n')[0]).toBe(value());
    for (const core of base64Cores(value())) expect(plain.stdout).toContain(core);
    expect(plain.stderr).toMatch(/^keyfold: 7 variables from 4 refs of dev \(output not redacted\)\n/);
  });

  it('a value split across two writes, its URL-encoded form, and a unicode value are redacted too', async () => {
    const uni = `pässwörd-🔑-${C}/+?&= x`;
    const s = await repo.run(['set', 'dev/web/session', 'UNICODE_SECRET', '--stdin'], { input: uni });
    expect(s.code, s.stderr).toBe(0);
    try {
      const js = `const v=process.env.UNICODE_SECRET, k=process.env.${KEY};
        console.log(encodeURIComponent(v)); console.log(encodeURIComponent(v).replace(/%20/g,'+')); console.log(Buffer.from(v).toString('base64url'));
        const b=Buffer.from(v); process.stdout.write(b.subarray(0,5));
        setTimeout(()=>{ process.stdout.write(Buffer.concat([b.subarray(5),Buffer.from('\\n')])); process.stdout.write(k.slice(0,4)); setTimeout(()=>process.stdout.write(k.slice(4)+'\\n'),30); },30);`;
      const r = await run(['run', '--env', 'dev', '--service', 'web', '--', process.execPath, '-e', js]);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout.split('\n')).toEqual(['[keyfold:UNICODE_SECRET]', '[keyfold:UNICODE_SECRET]', '[keyfold:UNICODE_SECRET]', '[keyfold:UNICODE_SECRET]', `[keyfold:${KEY}]`, '']);
      expectNoCanary(r, [...CANARIES, uni, encodeURIComponent(uni)]);
    } finally {
      expect((await repo.run(['unset', 'dev/web/session', 'UNICODE_SECRET'])).code).toBe(0);
    }
  });

  it('the child exit status passes through; killed by SIGKILL → 137; exit 0 → 0', async () => {
    const sh = (cmd: string) => run(['run', '--env', 'dev', '--service', 'api', '--', 'sh', '-c', cmd]);
    const [seven, killed, zero, big, cat] = await Promise.all([
      sh('exit 7'),
      sh('kill -KILL $$'),
      sh('true'),
      sh('exit 255'),
      run(['run', '--env', 'dev', '--service', 'api', '--', 'sh', '-c', 'cat; echo " (stdin passed through)"'], { input: 'from the caller' }),
    ]);
    expect(cat).toMatchObject({ code: 0, stdout: 'from the caller (stdin passed through)\n' });
    expect(seven.code).toBe(7);
    expect(killed.code).toBe(137);
    expect(zero.code).toBe(0);
    expect(big.code).toBe(255);
    for (const r of [seven, killed, zero, big]) {
      expect(r.stdout).toBe('');
      expect(r.stderr).toBe('keyfold: 7 variables from 4 refs of dev\n');
    }
  });

  it('SIGTERM (and SIGINT, SIGHUP) sent to keyfold while the child runs ends the child; keyfold exits 143 (130, 129)', async () => {
    // "ready" is followed by enough output that the redactor's hold-back passes it on at once (see the next test).
    const js = `console.log('ready ' + process.pid + ' ' + '.'.repeat(400)); setTimeout(() => console.log('not killed'), 20000);`;
    const outcomes = await Promise.all(
      (['SIGTERM', 'SIGINT', 'SIGHUP'] as const).map(async (signal) => {
        const p = spawnCli(['run', '--env', 'dev', '--service', 'api', '--identity', repo.admin.file, '--', process.execPath, '-e', js], { cwd: repo.dir, env: { HOME: repo.home } });
        let out = '';
        p.child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
        await waitFor(p.child.stdout, () => out, 'ready', 15_000);
        const childPid = Number(/ready (\d+)/.exec(out)![1]);
        expect(process.kill(childPid, 0)).toBe(true);
        p.child.kill(signal);
        const { code } = await p.done;
        let alive = true;
        try {
          process.kill(childPid, 0);
        } catch {
          alive = false;
        }
        return { signal, code, out, alive, stderr: p.stderr() };
      }),
    );
    expect(outcomes.map((o) => [o.signal, o.code, o.alive])).toEqual([
      ['SIGTERM', 143, false],
      ['SIGINT', 130, false],
      ['SIGHUP', 129, false],
    ]);
    for (const o of outcomes) {
      expect(o.out).not.toContain('not killed');
      expect(o.stderr).toBe('keyfold: 7 variables from 4 refs of dev\n');
    }
  });

  // Regression (was a bug): with redaction on, the redactor holds back the last (longest pattern − 1) bytes
  // of every chunk until more output arrives or the child exits — not only a tail that
  // could be the start of a value. A child that prints a short line and waits (a server's
  // "listening on :3000", a prompt such as "Password: ") shows nothing through
  // `keyfold run` until it prints more or exits. Only a suffix that is a prefix of some
  // pattern needs holding back (or the tail should be flushed after a short idle time).
  it('a short line the child prints reaches the reader while the child keeps running', async () => {
    const js = `console.log('ready'); setTimeout(() => {}, 4000);`;
    const p = spawnCli(['run', '--env', 'dev', '--service', 'api', '--identity', repo.admin.file, '--', process.execPath, '-e', js], { cwd: repo.dir, env: { HOME: repo.home } });
    let out = '';
    p.child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
    try {
      await waitFor(p.child.stdout, () => out, 'ready', 1500);
    } finally {
      p.child.kill('SIGTERM');
      await p.done;
    }
  });
});

describe('3. the child never sees keyfold identity variables', () => {
  const IDENTITY_VARS = ['KEYFOLD_AGE_KEY', 'KEYFOLD_AGE_KEY_FILE', 'SOPS_AGE_KEY', 'SOPS_AGE_KEY_FILE', 'KEYFOLD_SESSION'];
  const names = (r: CliResult) => r.stdout.split('\n').map((l) => l.split('=')[0]);

  it('identities passed through the environment (all four variables) open the files, and none of them reaches `env`', async () => {
    const extra = makeIdentity(repo.home, 'extra');
    const extraText = readFileSync(extra.file, 'utf8');
    const r = await repo.run(['run', '--env', 'dev', '--service', 'api', '--', 'env'], {
      as: null,
      env: { KEYFOLD_AGE_KEY_FILE: repo.admin.file, SOPS_AGE_KEY_FILE: extra.file, SOPS_AGE_KEY: extraText, KEYFOLD_AGE_KEY: extraText, KEEP_ME: 'kept-value' },
    });
    expect(r.code, r.stderr).toBe(0);
    const seen = names(r);
    for (const v of IDENTITY_VARS) expect(seen, v).not.toContain(v);
    expect(r.stdout).not.toMatch(/AGE-SECRET-KEY/);
    expect(r.stdout).not.toContain(repo.admin.file);
    expect(r.stdout).toContain('KEEP_ME=kept-value\n');
    for (const k of Object.keys(expected().api)) expect(seen, k).toContain(k);
    expect(r.stdout).toContain(`OPENAI_API_KEY=[keyfold:OPENAI_API_KEY]\n`);
    expectNoCanary(r, CANARIES);
  });

  it('an agent session (KEYFOLD_SESSION, the only identity source): the child does not see it; --no-redact is refused (exit 4)', async () => {
    const grant = await repo.run(['agent', 'grant', '--scope', 'dev/**', '--ttl', '1h', '--name', 'e2e']);
    expect(grant.code, grant.stderr).toBe(0);
    const line = /^KEYFOLD_SESSION=([0-9a-f]{16}:AGE-SECRET-KEY-1[0-9A-Z]+)$/m.exec(grant.stdout);
    expect(line, 'grant prints one KEYFOLD_SESSION=… line').not.toBeNull();
    const session = line![1]!;
    expectNoCanary(grant, CANARIES);
    const r = await repo.run(['run', '--env', 'dev', '--service', 'web', '--', 'env'], { as: null, env: { KEYFOLD_SESSION: session } });
    expect(r.code, r.stderr).toBe(0);
    for (const v of IDENTITY_VARS) expect(names(r), v).not.toContain(v);
    expect(r.stdout).not.toContain(session.split(':')[1]!);
    expect(r.stdout).not.toMatch(/AGE-SECRET-KEY/);
    // (SESSION_KEY holds SESSION_SECRET's value: either name may label it.)
    expect(r.stdout).toMatch(/^SESSION_KEY=\[keyfold:SESSION_(KEY|SECRET)\]$/m);
    expect(r.stdout).toMatch(/^OPENAI_API_KEY=\[keyfold:OPENAI_API_KEY\]$/m);
    expectNoCanary(r, CANARIES);
    const noRedact = await repo.run(['run', '--env', 'dev', '--service', 'web', '--no-redact', '--', 'env'], { as: null, env: { KEYFOLD_SESSION: session } });
    expect(expectOneLineError(noRedact, 4)).toMatch(/--no-redact/);
    expect(noRedact.stdout).toBe('');
  });
});

describe('4. memory: 100 MB through run with redaction on', () => {
  /** keyfold's peak RSS (kB) while a child prints `total` bytes then the secret, counting what arrives. */
  async function peak(total: number): Promise<{ hwmKb: number; bytes: number; tail: string }> {
    const js = `const total=${total}; const block=Buffer.from('lorem ipsum dolor sit amet 0123456789 the quick brown fox.\\n'.repeat(1024));
      let n=0; function w(){ while(n<total){ const b=block.subarray(0,Math.min(block.length,total-n)); n+=b.length; if(!process.stdout.write(b)) return process.stdout.once('drain',w); }
      process.stdout.write('END '+process.env.OPENAI_API_KEY+'\\n'+'.'.repeat(511)+'\\n'); process.stdin.resume(); process.stdin.on('end',()=>process.exit(0)); } w();`;
    const p = spawnCli(['run', '--env', 'dev', '--service', 'api', '--identity', repo.admin.file, '--', process.execPath, '-e', js], { cwd: repo.dir, env: { HOME: repo.home } });
    const endLine = 'END [keyfold:OPENAI_API_KEY]\n';
    let bytes = 0;
    let tail = '';
    let resolveSeen!: () => void;
    const seen = new Promise<void>((r) => (resolveSeen = r));
    p.child.stdout.on('data', (d: Buffer) => {
      bytes += d.length;
      tail = (tail + d.toString('latin1')).slice(-2000);
      // The END line is followed by padding, so it is passed on while the child still runs.
      if (tail.includes(endLine)) resolveSeen();
    });
    await seen;
    // The child waits for its stdin (keyfold's, inherited) to close: keyfold is alive to be measured.
    const hwmKb = procStatusKb(p.child.pid!, 'VmHWM');
    p.child.stdin.end();
    const { code } = await p.done;
    expect(code, p.stderr()).toBe(0);
    return { hwmKb, bytes, tail: tail.slice(-(endLine.length + 512)) };
  }

  it('every byte passes through (the secret at the end redacted) while keyfold peak RSS stays within 30 MB of a run that prints little', async () => {
    const base = await peak(1024);
    const big = await peak(100 * 1000 * 1000);
    const endLine = 'END [keyfold:OPENAI_API_KEY]\n';
    const end = endLine + '.'.repeat(511) + '\n';
    expect(base.bytes).toBe(1024 + end.length);
    expect(big.bytes).toBe(100 * 1000 * 1000 + end.length);
    expect(big.tail).toBe(end);
    expect(big.hwmKb - base.hwmKb, `peak RSS ${base.hwmKb} kB → ${big.hwmKb} kB`).toBeLessThan(30 * 1024);
  });
});

/** Values no quoting should break. */
const HOSTILE: Record<string, string> = {
  PEM_KEY: `-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC${C}\nabc/def+ghi==\n-----END PRIVATE KEY-----`,
  DOUBLE_QUOTED: `say "hello ${C}" twice`,
  BACKTICKS: '`touch CANARYFILE-backtick` and `id`',
  SUBSTITUTION: '$(touch CANARYFILE-subst) ${HOME} $HOME $((1+1))',
  HASH_VALUE: `value # not a comment ${C}`,
  EMOJI: `🔑 ключ 鍵 é ${C}`,
  BACKSLASHES: 'C:\\path\\to\\n\\t mid',
  SPACES: `   padded ${C}   `,
  EQUALS: 'a=b==c',
  SEMICOLON: `x; touch CANARYFILE-semi; echo ${C} | cat && true`,
  APOSTROPHE: `it's fine # ${C}`,
  GLOB: '* ? [a-z] ~ !x',
};
/** Values only the shell (and json) can carry: `'` with `$` / `"` / backtick / `\`. */
const SHELL_ONLY: Record<string, string> = {
  QUOTE_MIX: `it's "$(touch CANARYFILE-mix)" \`id\` \\ ${C}`,
  QUOTE_DOLLAR: `don't expand $HOME ${C}`,
};

/** A seeded generator of nasty strings (deterministic across runs). */
function nastyStrings(count: number, seed: number): string[] {
  const alphabet = [..."abcXYZ019 \t\n'\"`$\\#=;&|<>(){}[]*?~!%^@+,-./:_", 'é', '🔑', '鍵', '$(', '${', "'\\''", '\\n', '%s'];
  let s = seed >>> 0;
  const rnd = () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
  return Array.from({ length: count }, () => {
    let out = '';
    const len = 1 + Math.floor(rnd() * 24);
    for (let i = 0; i < len; i++) out += alphabet[Math.floor(rnd() * alphabet.length)];
    return out.trim() === '' ? `${out}x` : out;
  });
}
const FUZZ = Object.fromEntries(nastyStrings(40, 20261130).map((v, i) => [`FUZZ_${i}`, v]));
const dotenvCarries = (v: string) => !v.includes('\r') && !v.endsWith('\\') && !(v.includes("'") && /["\\$`]/.test(v));

describe('5. export formats', () => {
  let work: string;
  beforeAll(async () => {
    work = join(repo.home, 'export-work');
    mkdirSync(work, { recursive: true });
    await plant('dev/hostile/common', HOSTILE);
    await plant('dev/hostile/shellonly', SHELL_ONLY);
    await plant('dev/fuzz/all', FUZZ);
    await plant('dev/fuzz/dotenv', Object.fromEntries(Object.entries(FUZZ).filter(([, v]) => dotenvCarries(v))));
  });

  /** What `set -a; . FILE` leaves in the given variables, read by a shell (bash or sh), NUL-separated. */
  function sourced(shell: string, file: string, names: string[]): Record<string, string> {
    const r = spawnSync(shell, ['-c', `set -a; . "$0" || exit 9; printf '%s\\0' ${names.map((n) => `"$${n}"`).join(' ')}`, file], { cwd: work, env: { PATH: process.env['PATH'], HOME: '/nonexistent-home' } });
    expect(r.status, r.stderr.toString()).toBe(0);
    expect(r.stderr.toString()).toBe('');
    const parts = r.stdout.toString('utf8').split('\0').slice(0, -1);
    return Object.fromEntries(names.map((n, i) => [n, parts[i]!]));
  }
  const noSideEffects = () => {
    for (const f of ['CANARYFILE-backtick', 'CANARYFILE-subst', 'CANARYFILE-semi', 'CANARYFILE-mix']) {
      expect(existsSync(join(work, f)), f).toBe(false);
      expect(existsSync(join(repo.dir, f)), f).toBe(false);
    }
  };
  const exportTo = async (refs: string[], format: string, file: string) => {
    const r = await repo.run(['export', '--env', 'dev', ...refs.flatMap((x) => ['--ref', x]), '--format', format]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toBe('');
    writeFileSync(join(work, file), r.stdout);
    return { path: join(work, file), text: r.stdout };
  };

  it('shell: hostile values round-trip through bash and sh (`set -a; . file`) unchanged, with no side effect', async () => {
    const all = { ...HOSTILE, ...SHELL_ONLY };
    const { path } = await exportTo(['hostile/common', 'hostile/shellonly'], 'shell', 'values.sh');
    for (const shell of ['bash', 'sh']) expect(sourced(shell, path, Object.keys(all)), shell).toEqual(all);
    noSideEffects();
    const fuzz = await exportTo(['fuzz/all'], 'shell', 'fuzz.sh');
    for (const shell of ['bash', 'sh']) expect(sourced(shell, fuzz.path, Object.keys(FUZZ)), shell).toEqual(FUZZ);
    noSideEffects();
  });

  it('dotenv: hostile values round-trip through bash, sh and the dotenv package', async () => {
    for (const [refs, want, file] of [
      [['hostile/common'], HOSTILE, 'values.env'],
      [['fuzz/dotenv'], Object.fromEntries(Object.entries(FUZZ).filter(([, v]) => dotenvCarries(v))), 'fuzz.env'],
    ] as const) {
      expect(Object.keys(want).length).toBeGreaterThan(5);
      const { path, text } = await exportTo([...refs], 'dotenv', file);
      expect(parseDotenv(text), `${file} through dotenv`).toEqual(want);
      for (const shell of ['bash', 'sh']) expect(sourced(shell, path, Object.keys(want)), `${file} through ${shell}`).toEqual(want);
      noSideEffects();
    }
  });

  it("dotenv refuses a value holding ' together with $ (exit 2, naming the key, pointing to shell or json); nothing on stdout", async () => {
    const r = await repo.run(['export', '--env', 'dev', '--ref', 'hostile/shellonly', '--format', 'dotenv']);
    const line = expectOneLineError(r, 2);
    expect(line).toMatch(/QUOTE_MIX|QUOTE_DOLLAR/);
    expect(line).toMatch(/--format shell/);
    expect(line).toMatch(/json/);
    expect(r.stdout).toBe('');
    expectNoCanary(r, [...CANARIES, ...Object.values(SHELL_ONLY), C]);
    // Each alone is refused by name; --out writes nothing either.
    const only = await repo.run(['export', '--env', 'dev', '--ref', 'hostile/shellonly', '--format', 'dotenv', '--out', join(work, 'refused.env')]);
    expectOneLineError(only, 2);
    expect(existsSync(join(work, 'refused.env'))).toBe(false);
    const fuzzAll = await repo.run(['export', '--env', 'dev', '--ref', 'fuzz/all', '--format', 'dotenv']);
    const firstBad = Object.entries(FUZZ).find(([, v]) => !dotenvCarries(v));
    expect(firstBad, 'the fuzz set holds a value dotenv cannot carry').toBeTruthy();
    expect(expectOneLineError(fuzzAll, 2)).toContain(`cannot write ${firstBad![0]} as dotenv`);
  });

  it('json and yaml carry every value exactly', async () => {
    const all = { ...HOSTILE, ...SHELL_ONLY, ...FUZZ };
    const j = await exportTo(['hostile/common', 'hostile/shellonly', 'fuzz/all'], 'json', 'all.json');
    expect(JSON.parse(j.text)).toEqual(all);
    const y = await exportTo(['hostile/common', 'hostile/shellonly', 'fuzz/all'], 'yaml', 'all.yaml');
    expect(parseYaml(y.text)).toEqual(all);
  });

  // BUG (YAML 1.1 consumers): --format yaml writes strings such as `yes`, `on`, `1_000`
  // and `2001-12-14` as plain scalars. They are strings in YAML 1.2, but YAML 1.1 readers
  // (PyYAML, Ruby's Psych, go-yaml v2, many CI tools) read a boolean, an integer and a
  // date. sops' own encoder (go-yaml v3) quotes such strings; an export meant for other
  // programs should too (the yaml package does with { version: '1.1' } when stringifying).
  it('yaml: strings that YAML 1.1 reads as booleans, numbers or dates are quoted', async () => {
    const ambiguous = { FLAG_YES: 'yes', FLAG_ON: 'on', FLAG_NO: 'No', THOUSAND: '1_000', DATE: '2001-12-14', OCTAL: '0777' };
    await plant('dev/yaml/ambiguous', ambiguous);
    const y = await exportTo(['yaml/ambiguous'], 'yaml', 'ambiguous.yaml');
    expect(parseYaml(y.text)).toEqual(ambiguous);
    expect(parseYaml(y.text, { version: '1.1' })).toEqual(ambiguous);
  });

  it('k8s: a valid v1 Secret whose base64 data decodes to the values; --name and --namespace; a bad name is refused', async () => {
    const r = await repo.run(['export', '--env', 'dev', '--service', 'api', '--format', 'k8s', '--name', 'api-secrets', '--namespace', 'payments']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toBe('');
    const doc = parseYaml(r.stdout) as { apiVersion: string; kind: string; metadata: { name: string; namespace: string; labels: Record<string, string> }; type: string; data: Record<string, string>; stringData?: unknown };
    expect(doc.apiVersion).toBe('v1');
    expect(doc.kind).toBe('Secret');
    expect(doc.type).toBe('Opaque');
    expect(doc.metadata).toMatchObject({ name: 'api-secrets', namespace: 'payments' });
    expect(doc.stringData).toBeUndefined();
    const want = expected().api;
    expect(Object.keys(doc.data).sort()).toEqual(Object.keys(want).sort());
    for (const [k, b64] of Object.entries(doc.data)) {
      expect(b64).toMatch(/^[A-Za-z0-9+/]*={0,2}$/);
      expect(Buffer.from(b64, 'base64').toString('utf8'), k).toBe(want[k]);
    }
    // The values themselves never appear in plain text.
    expectNoCanary(r, CANARIES);
    const hostile = await repo.run(['export', '--env', 'dev', '--ref', 'hostile/common', '--ref', 'hostile/shellonly', '--format', 'k8s']);
    expect(hostile.code, hostile.stderr).toBe(0);
    const hd = parseYaml(hostile.stdout) as { metadata: { name: string; namespace?: string }; data: Record<string, string> };
    expect(hd.metadata.name).toBe('keyfold-secrets');
    expect(hd.metadata.namespace).toBeUndefined();
    expect(Object.fromEntries(Object.entries(hd.data).map(([k, v]) => [k, Buffer.from(v, 'base64').toString('utf8')]))).toEqual({ ...HOSTILE, ...SHELL_ONLY });
    for (const bad of [['--name', 'Not_A_Name'], ['--namespace', 'has.dots']]) {
      const b = await repo.run(['export', '--env', 'dev', '--service', 'api', '--format', 'k8s', ...bad]);
      expectOneLineError(b, 2);
      expect(b.stdout).toBe('');
    }
  });

  it('--out FILE: mode 0600 (also over an existing 0644 file), nothing secret printed', async () => {
    const out = join(work, 'api.env');
    writeFileSync(out, 'OLD=1\n', { mode: 0o644 });
    chmodSync(out, 0o644);
    for (const format of ['dotenv', 'json', 'k8s']) {
      const r = await repo.run(['export', '--env', 'dev', '--service', 'api', '--format', format, '--out', out]);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toBe('');
      expect(r.stderr).toMatch(/wrote 7 variables to .*api\.env \(mode 0600\)/);
      expectNoCanary(r, CANARIES);
      expect(statSync(out).mode & 0o777).toBe(0o600);
    }
    const back = await repo.run(['export', '--env', 'dev', '--service', 'api', '--format', 'dotenv', '--out', out]);
    expect(back.code).toBe(0);
    expect(parseDotenv(readFileSync(out))).toEqual(expected().api);
    const fresh = join(work, 'fresh.json');
    expect((await repo.run(['export', '--env', 'dev', '--service', 'worker', '--format', 'json', '--out', fresh])).code).toBe(0);
    expect(statSync(fresh).mode & 0o777).toBe(0o600);
    expect(JSON.parse(readFileSync(fresh, 'utf8'))).toEqual(expected().worker);
  });

  // Regression (was a bug): --out replaces whatever is at the path by renaming a temp file over it: a FIFO
  // (or, run as root, a device such as /dev/full, or the /dev/stdout symlink — seen while
  // writing this test) becomes a regular file holding the secrets, and a process reading
  // the FIFO never gets them. A non-regular target should be refused (or written through),
  // never replaced. (report --html shares the same atomic write.)
  it('--out to a FIFO never replaces the FIFO with a regular file', async () => {
    const fifo = join(work, 'out.fifo');
    mkfifoSync(fifo);
    const reader = spawn('cat', [fifo], { stdio: ['ignore', 'pipe', 'ignore'] });
    try {
      const r = await repo.run(['export', '--env', 'dev', '--service', 'api', '--out', fifo]);
      expect(r.code).not.toBe(70);
      expectNoCanary(r, CANARIES);
      expect(statSync(fifo).isFIFO(), 'the FIFO is still a FIFO').toBe(true);
    } finally {
      reader.kill('SIGKILL');
    }
  });

  it('--names-only prints the names without values (dotenv, shell, json, yaml); not for k8s', async () => {
    const names = Object.keys(await exportJson(['--service', 'web']));
    expect([...names].sort()).toEqual(Object.keys(expected().web).sort());
    const names_ = (format: string) => repo.run(['export', '--env', 'dev', '--service', 'web', '--names-only', '--format', format]);
    const [dotenv, shell, json, yaml, k8s] = (await Promise.all(['dotenv', 'shell', 'json', 'yaml', 'k8s'].map(names_))) as [CliResult, CliResult, CliResult, CliResult, CliResult];
    for (const r of [dotenv, shell, json, yaml]) {
      expect(r.code, r.stderr).toBe(0);
      expectNoCanary(r, CANARIES);
      expect(r.stdout).not.toContain('https://api.example.test');
    }
    expect(dotenv.stdout).toBe(names.map((x) => `${x}=\n`).join(''));
    expect(shell.stdout).toBe(names.map((x) => `export ${x}=''\n`).join(''));
    expect(JSON.parse(json.stdout)).toEqual(names);
    expect(parseYaml(yaml.stdout)).toEqual(names);
    expectOneLineError(k8s, 2);
  });
});

describe('6. --ref, and usage errors', () => {
  it('export and run with --ref (relative or full) instead of --service; a later ref overrides an earlier one', async () => {
    const got = await exportJson(['--ref', 'providers/openai', '--ref', 'dev/api/db']);
    expect(got).toEqual({ ...FILES['dev/providers/openai'], ...FILES['dev/api/db'] });
    // staging's file of the same name overrides nothing here: a ref is in --env's environment.
    const later = await repo.run(['export', '--env', 'staging', '--ref', 'providers/openai', '--format', 'json']);
    expect(JSON.parse(later.stdout)).toEqual(FILES['staging/providers/openai']);
    const r = await run(['run', '--env', 'dev', '--ref', 'worker/queue', '--ref', 'web/session', '--', 'sh', '-c', 'echo "$QUEUE_USER|$SESSION_SECRET|${OPENAI_API_KEY-unset}"']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe('[keyfold:QUEUE_USER]|[keyfold:SESSION_SECRET]|unset\n');
    expect(r.stderr).toBe('keyfold: 3 variables from 2 refs of dev\n');
  });

  it('usage errors exit 2 with one line: unknown --env, neither or both of --service/--ref, a ref of another env, run without a command', async () => {
    const cases: string[][] = [
      ['export', '--env', 'nope', '--service', 'api'],
      ['run', '--env', 'nope', '--service', 'api', '--', 'true'],
      ['export', '--env', 'dev'],
      ['run', '--env', 'dev', '--', 'true'],
      ['export', '--env', 'dev', '--service', 'api', '--ref', 'api/db'],
      ['export', '--env', 'dev', '--ref', 'prod/api/db'],
      ['run', '--env', 'dev', '--service', 'api'],
      ['run', '--env', 'dev', '--service', 'api', '--'],
      ['export', '--service', 'api'],
      ['export', '--env', 'dev', '--service', 'api', '--format', 'xml'],
    ];
    const results = await Promise.all(cases.map((args) => (args[0] === 'run' ? run(args) : repo.run(args))));
    results.forEach((r, i) => {
      const line = expectOneLineError(r, 2);
      expect(r.stdout, cases[i]!.join(' ')).toBe('');
      expectNoCanary(r, CANARIES);
      if (cases[i]!.includes('nope')) expect(line).toContain('nope');
    });
  });

  it('an unknown service → exit 6; a command that does not exist → 127; one that cannot be executed → 126', async () => {
    const unknown = await repo.run(['export', '--env', 'dev', '--service', 'billing']);
    expect(expectOneLineError(unknown, 6)).toContain('billing');
    // (run first says how many variables it injects, then the error.)
    const afterInfo = (r: CliResult) => ({ ...r, stderr: r.stderr.replace(/^keyfold: 7 variables from 4 refs of dev\n/, '') });
    const missing = afterInfo(await run(['run', '--env', 'dev', '--service', 'api', '--', 'no-such-command-keyfold-test', 'arg']));
    expect(expectOneLineError(missing, 127)).toContain('no-such-command-keyfold-test');
    expect(missing.stdout).toBe('');
    const notExec = join(repo.home, 'not-executable.sh');
    writeFileSync(notExec, '#!/bin/sh\necho hi\n', { mode: 0o644 });
    chmodSync(notExec, 0o644);
    const noexec = afterInfo(await run(['run', '--env', 'dev', '--service', 'api', '--', notExec]));
    expect(expectOneLineError(noexec, 126)).toContain('not-executable.sh');
    for (const r of [unknown, missing, noexec]) expectNoCanary(r, CANARIES);
  });
});
