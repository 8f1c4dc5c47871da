/**
 * `import`, `promote` and `diff` end to end: values move between files and
 * environments encrypted for the destination's readers; names are reported, values
 * never; unchanged values keep their ciphertext.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import dotenv from 'dotenv';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeRepo, type TestIdentity, type TestRepo } from './helpers/repo.js';

const CANARY = 'CANARY-move';
let repo: TestRepo;
let alice: TestIdentity;

const file = (rel: string) => readFileSync(join(repo.dir, rel), 'utf8');
const noCanary = (r: { stdout: string; stderr: string }) => expect(r.stdout + r.stderr).not.toContain(CANARY);

beforeAll(async () => {
  repo = await makeRepo({ members: ['alice'] });
  alice = repo.identity('alice');
  expect((await repo.run(['member', 'add', 'alice', '--recipient', alice.recipient, '--role', 'developer'])).code).toBe(0);
});
afterAll(() => repo.cleanup());

describe('import', () => {
  it('imports a .env file as dotenv reads it, reports names, refuses overwriting without --overwrite', async () => {
    const env = join(repo.home, 'app.env');
    writeFileSync(env, `OPENAI_API_KEY=${CANARY}-openai\nMULTI="line one\\nline two"\n# comment\nQUOTED='single # not a comment'\n`);
    const r = await repo.run(['import', env, '--ref', 'dev/app/imported', '--json']);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ ref: 'dev/app/imported', added: ['OPENAI_API_KEY', 'MULTI', 'QUOTED'], overwritten: [] });
    noCanary(r);
    const shown = JSON.parse((await repo.run(['show', 'dev/app/imported', '--json'])).stdout);
    expect(shown).toEqual(dotenv.parse(readFileSync(env)));
    writeFileSync(env, `OPENAI_API_KEY=${CANARY}-other\n`);
    const again = await repo.run(['import', env, '--ref', 'dev/app/imported']);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/already holds OPENAI_API_KEY — pass --overwrite/);
    noCanary(again);
    expect((await repo.run(['get', 'dev/app/imported', 'OPENAI_API_KEY'])).stdout).toBe(`${CANARY}-openai\n`);
    const over = await repo.run(['import', env, '--ref', 'dev/app/imported', '--overwrite']);
    expect(over.code, over.stderr).toBe(0);
    expect(over.stdout).toMatch(/~ OPENAI_API_KEY \(overwritten\)/);
    expect((await repo.run(['get', 'dev/app/imported', 'OPENAI_API_KEY'])).stdout).toBe(`${CANARY}-other\n`);
  });

  it('keeps nested maps from JSON and YAML, and imports any sops file with --from-sops', async () => {
    const json = join(repo.home, 'config.json');
    writeFileSync(json, JSON.stringify({ DB: { HOST: 'db.internal', PORT: 5432 }, API_TOKEN: `${CANARY}-json` }));
    expect((await repo.run(['import', json, '--ref', 'dev/app/config'])).code).toBe(0);
    expect(JSON.parse((await repo.run(['show', 'dev/app/config', '--json'])).stdout)).toEqual({ DB: { HOST: 'db.internal', PORT: 5432 }, API_TOKEN: `${CANARY}-json` });
    const plain = join(repo.home, 'legacy.env');
    writeFileSync(plain, `LEGACY_KEY=${CANARY}-legacy\n`);
    const enc = await repo.run(['encrypt', plain, '-r', repo.admin.recipient]);
    expect(enc.code, enc.stderr).toBe(0);
    const encrypted = join(repo.home, 'legacy.enc.env');
    writeFileSync(encrypted, enc.stdout);
    const r = await repo.run(['import', '--from-sops', encrypted, '--ref', 'dev/app/legacy']);
    expect(r.code, r.stderr).toBe(0);
    expect((await repo.run(['get', 'dev/app/legacy', 'LEGACY_KEY'])).stdout).toBe(`${CANARY}-legacy\n`);
  });

  it('refuses names the rules refuse, and a file with no keys', async () => {
    const bad = join(repo.home, 'bad.env');
    writeFileSync(bad, 'NODE_OPTIONS=--require ./evil.js\n');
    expect((await repo.run(['import', bad, '--ref', 'dev/app/bad'])).code).toBe(2);
    writeFileSync(bad, '# nothing\n');
    expect((await repo.run(['import', bad, '--ref', 'dev/app/bad'])).code).toBe(2);
  });
});

describe('promote and diff', () => {
  beforeAll(async () => {
    for (const [k, v] of [['OPENROUTER_API_KEY', `${CANARY}-or`], ['ANTHROPIC_API_KEY', `${CANARY}-an`]]) {
      expect((await repo.run(['set', 'dev/providers/llm', k!, '--stdin'], { input: v })).code).toBe(0);
    }
    expect((await repo.run(['set', 'staging/providers/llm', 'OPENROUTER_API_KEY', '--stdin'], { input: `${CANARY}-old` })).code).toBe(0);
  });

  it('diff reports names only in one side and values that differ, never the values', async () => {
    const d = await repo.run(['diff', 'dev', 'staging', '--path', 'providers', '--json']);
    expect(d.code, d.stderr).toBe(0);
    noCanary(d);
    const r = JSON.parse(d.stdout);
    expect(r.same).toBe(false);
    expect(r.refs).toEqual([
      { name: 'providers/llm', a: 'dev/providers/llm', b: 'staging/providers/llm', onlyInA: ['ANTHROPIC_API_KEY'], onlyInB: [], equal: [], different: ['OPENROUTER_API_KEY'], unknown: [] },
    ]);
    expect((await repo.run(['diff', 'dev', 'staging', '--path', 'providers', '--exit-code'])).code).toBe(1);
  });

  it('promote --plan changes nothing; promote makes staging equal dev, readable by staging readers only; diff then reports no difference', async () => {
    const before = file('secrets/staging/providers/llm.yaml');
    const plan = await repo.run(['promote', 'dev', 'staging', '--path', 'providers', '--plan', '--json']);
    expect(plan.code, plan.stderr).toBe(0);
    noCanary(plan);
    expect(JSON.parse(plan.stdout).entries).toEqual([
      { from: 'dev/providers/llm', to: 'staging/providers/llm', action: 'update', added: ['ANTHROPIC_API_KEY'], changed: ['OPENROUTER_API_KEY'], unchanged: [], kept: [] },
    ]);
    expect(file('secrets/staging/providers/llm.yaml')).toBe(before);
    const r = await repo.run(['promote', 'dev', 'staging', '--path', 'providers']);
    expect(r.code, r.stderr).toBe(0);
    noCanary(r);
    const same = await repo.run(['diff', 'dev', 'staging', '--path', 'providers', '--json', '--exit-code']);
    expect(same.code, same.stderr).toBe(0);
    expect(JSON.parse(same.stdout).same).toBe(true);
    // Staging's readers are the policy's: alice (developer reads staging) can read it.
    expect((await repo.run(['get', 'staging/providers/llm', 'ANTHROPIC_API_KEY'], { as: alice })).stdout).toBe(`${CANARY}-an\n`);
    // A second promote changes nothing: unchanged values keep their ciphertext.
    const text = file('secrets/staging/providers/llm.yaml');
    expect((await repo.run(['promote', 'dev', 'staging', '--path', 'providers'])).stdout).toMatch(/nothing to change/);
    expect(file('secrets/staging/providers/llm.yaml')).toBe(text);
  });

  it('promote into prod follows prod readers: a developer can promote a provider key write-only but not read it', async () => {
    const r = await repo.run(['promote', 'dev', 'prod', '--path', 'providers', '--keys', 'OPENROUTER_API_KEY'], { as: alice });
    expect(r.code, r.stderr).toBe(0);
    expect((await repo.run(['get', 'prod/providers/llm', 'OPENROUTER_API_KEY'], { as: alice })).code).toBe(4);
    expect((await repo.run(['get', 'prod/providers/llm', 'OPENROUTER_API_KEY'])).stdout).toBe(`${CANARY}-or\n`);
    // Another key into the file alice cannot read: refused (it holds a key she cannot keep).
    const more = await repo.run(['promote', 'dev', 'prod', '--path', 'providers', '--keys', 'ANTHROPIC_API_KEY'], { as: alice });
    expect(more.code).toBe(4);
    expect(more.stderr).toMatch(/holds keys you cannot read \(OPENROUTER_API_KEY\)/);
  });

  it('unknown environments and bad refs are usage errors', async () => {
    expect((await repo.run(['promote', 'dev', 'nope'])).code).toBe(2);
    expect((await repo.run(['diff', 'dev/providers/llm', 'dev/providers/none'])).code).toBe(6);
  });
});
