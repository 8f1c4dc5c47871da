/**
 * Agent sessions end to end: a session scoped to dev/providers/** reads there and
 * nowhere else, stops after its TTL and after revoke, never writes, and `run` under it
 * injects only in-scope values, redacted, with --no-redact refused.
 */
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeIdentity, makeRepo, type TestRepo } from './helpers/repo.js';

const CANARY = 'CANARY-agent';
let repo: TestRepo;
let sessions: string;

const grant = async (...args: string[]) => {
  const r = await repo.run(['agent', 'grant', ...args]);
  return { ...r, variable: r.stdout.trim() };
};
const asAgent = (variable: string, args: string[]) => repo.run(args, { as: null, env: { KEYFOLD_SESSION: variable.slice('KEYFOLD_SESSION='.length) } });

beforeAll(async () => {
  repo = await makeRepo();
  sessions = join(repo.home, '.local', 'state', 'keyfold', 'sessions');
  for (const [ref, key, value] of [
    ['dev/providers/openrouter', 'OPENROUTER_API_KEY', `${CANARY}-or`],
    ['dev/providers/anthropic', 'ANTHROPIC_API_KEY', `${CANARY}-an`],
    ['dev/api/db', 'DATABASE_URL', `${CANARY}-db`],
    ['prod/providers/openrouter', 'OPENROUTER_API_KEY', `${CANARY}-prod`],
  ]) {
    expect((await repo.run(['set', ref!, key!, '--stdin'], { input: value })).code).toBe(0);
  }
});
afterAll(() => repo.cleanup());

describe('agent sessions', () => {
  it('a session scoped to dev/providers/** reads there, exits 4 elsewhere and never writes; its bundle is private', async () => {
    const g = await grant('--scope', 'dev/providers/**', '--ttl', '1h', '--name', 'cursor');
    expect(g.code, g.stderr).toBe(0);
    expect(g.variable).toMatch(/^KEYFOLD_SESSION=[0-9a-f]{16}:AGE-SECRET-KEY-1[0-9A-Z]{58}$/);
    expect(g.stderr).toMatch(/rotate:\n {2}dev\/providers\/anthropic: ANTHROPIC_API_KEY\n {2}dev\/providers\/openrouter: OPENROUTER_API_KEY/);
    expect(g.stderr).not.toContain(CANARY);
    expect((await asAgent(g.variable, ['get', 'dev/providers/openrouter', 'OPENROUTER_API_KEY'])).stdout).toBe(`${CANARY}-or\n`);
    for (const ref of ['dev/api/db', 'prod/providers/openrouter']) {
      const r = await asAgent(g.variable, ['get', ref, ref.endsWith('db') ? 'DATABASE_URL' : 'OPENROUTER_API_KEY']);
      expect(r.code, ref).toBe(4);
      expect(r.stderr).toMatch(/outside agent session [0-9a-f]{16}'s scope/);
    }
    const w = await asAgent(g.variable, ['set', 'dev/providers/openrouter', 'X_KEY', '--value', 'y']);
    expect(w.code).toBe(4);
    expect(statSync(sessions).mode & 0o777).toBe(0o700);
    for (const f of readdirSync(sessions)) expect(statSync(join(sessions, f)).mode & 0o777, f).toBe(0o600);
    // The bundle holds only the in-scope refs, none readable by the repository's identities' files.
    const bundle = JSON.parse(readFileSync(join(sessions, readdirSync(sessions).find((f) => f.endsWith('.json'))!), 'utf8'));
    expect(Object.keys(bundle.refs).sort()).toEqual(['dev/providers/anthropic', 'dev/providers/openrouter']);
    expect(JSON.stringify(bundle)).not.toContain(CANARY);
  });

  it('run under a session injects only in-scope values, redacted; --no-redact is refused; every use is logged', async () => {
    const g = await grant('--scope', 'dev/providers/**', '--ttl', '1h');
    const id = g.variable.split('=')[1]!.split(':')[0]!;
    const r = await asAgent(g.variable, ['run', '--env', 'dev', '--ref', 'providers/openrouter', '--', 'sh', '-c', 'echo "$OPENROUTER_API_KEY"; env | grep -c KEYFOLD_SESSION || true']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe('[keyfold:OPENROUTER_API_KEY]\n0\n');
    const outside = await asAgent(g.variable, ['run', '--env', 'dev', '--ref', 'api/db', '--', 'true']);
    expect(outside.code).toBe(4);
    const raw = await asAgent(g.variable, ['run', '--env', 'dev', '--ref', 'providers/openrouter', '--no-redact', '--', 'true']);
    expect(raw.code).toBe(4);
    expect(raw.stderr).toMatch(/--no-redact is refused under agent session/);
    const log = readFileSync(join(sessions, `${id}.log`), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(log).toEqual([expect.objectContaining({ command: 'run', refs: ['dev/providers/openrouter'], keys: ['OPENROUTER_API_KEY'] })]);
    expect(readFileSync(join(sessions, `${id}.log`), 'utf8')).not.toContain(CANARY);
  });

  it('stops after its TTL and after revoke, and agent list / revoke name what it could read', async () => {
    const short = await grant('--scope', 'dev/providers/**', '--ttl', '1s');
    await new Promise((r) => setTimeout(r, 1500));
    const late = await asAgent(short.variable, ['get', 'dev/providers/openrouter', 'OPENROUTER_API_KEY']);
    expect(late.code).toBe(4);
    expect(late.stderr).toMatch(/expired/);
    const g = await grant('--scope', 'dev/providers/**', '--ttl', '1h', '--name', 'devin');
    const id = g.variable.split('=')[1]!.split(':')[0]!;
    expect((await asAgent(g.variable, ['get', 'dev/providers/anthropic', 'ANTHROPIC_API_KEY'])).code).toBe(0);
    const list = JSON.parse((await repo.run(['agent', 'list', '--json'])).stdout);
    expect(list.find((s: { id: string }) => s.id === id)).toMatchObject({ name: 'devin', status: 'active', uses: 1, scope: ['dev/providers/**'] });
    const rv = await repo.run(['agent', 'revoke', id]);
    expect(rv.code, rv.stderr).toBe(0);
    expect(rv.stdout).toMatch(/dev\/providers\/anthropic: ANTHROPIC_API_KEY/);
    expect(existsSync(join(sessions, `${id}.json`))).toBe(false);
    const after = await asAgent(g.variable, ['get', 'dev/providers/anthropic', 'ANTHROPIC_API_KEY']);
    expect(after.code).toBe(4);
    expect(after.stderr).toMatch(/revoked/);
  });

  it('a prod scope is refused when allowed_envs is [dev], and the granter must be able to read the scope', async () => {
    const prod = await grant('--scope', 'prod/providers/**', '--ttl', '1h');
    expect(prod.code).toBe(4);
    expect(prod.stderr).toMatch(/outside agents\.allowed_envs \(dev\)/);
    expect((await grant('--scope', '*/providers/**', '--ttl', '1h')).code).toBe(4);
    expect((await grant('--scope', 'dev/providers/**', '--ttl', '99d')).code).toBe(2);
    const stranger = makeIdentity(repo.home, 'stranger');
    const outsider = await repo.run(['agent', 'grant', '--scope', 'dev/providers/**', '--ttl', '1h'], { as: stranger });
    expect(outsider.code).toBe(4);
    expect(outsider.stdout).toBe('');
  });
});
