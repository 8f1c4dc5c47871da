/**
 * Revisions, refs and reading files at a revision (refs.ts, blobs.ts, run.ts) on a real
 * temp repository with a side branch and a keyfold root in a subdirectory.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UsageError } from '../../kernel/errors.js';
import { readAtRevisions, showFile } from './blobs.js';
import { isAncestor, mergeBase, readRefBlob, recordedParents, requireCommit, resolveCommit, writeRefBlob } from './refs.js';
import { runGit } from './run.js';

const tmp = mkdtempSync(join(tmpdir(), 'keyfold-gitrefs-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const ENV = { ...process.env, GIT_CONFIG_NOSYSTEM: '1', HOME: tmp, GIT_AUTHOR_NAME: 'T', GIT_AUTHOR_EMAIL: 't@example.com', GIT_COMMITTER_NAME: 'T', GIT_COMMITTER_EMAIL: 't@example.com' };
const git = (args: string[]) => execFileSync('git', args, { cwd: dir, encoding: 'utf8', env: ENV }).trim();

let dir: string;
let sub: string;
const sha: Record<string, string> = {};

beforeAll(() => {
  dir = join(tmp, 'repo');
  sub = join(dir, 'app');
  mkdirSync(join(sub, 'secrets'), { recursive: true });
  git(['init', '-q', '-b', 'main']);
  git(['config', 'commit.gpgSign', 'false']);
  writeFileSync(join(sub, 'secrets', 'a.yaml'), 'A: 1\n');
  writeFileSync(join(dir, 'top.txt'), 'top\n');
  git(['add', '-A']);
  git(['commit', '-q', '-m', 'base']);
  sha['base'] = git(['rev-parse', 'HEAD']);
  git(['checkout', '-q', '-b', 'side']);
  writeFileSync(join(sub, 'secrets', 'b.yaml'), 'B: 2\n');
  git(['add', '-A']);
  git(['commit', '-q', '-m', 'side']);
  sha['side'] = git(['rev-parse', 'HEAD']);
  git(['checkout', '-q', 'main']);
  writeFileSync(join(sub, 'secrets', 'a.yaml'), 'A: 3\n');
  git(['commit', '-q', '-am', 'main']);
  sha['main'] = git(['rev-parse', 'HEAD']);
});

describe('revisions', () => {
  it('resolveCommit: the commit id, or undefined for what does not resolve (an option-like revision too)', async () => {
    expect(await resolveCommit(sub, 'HEAD')).toBe(sha['main']);
    expect(await resolveCommit(sub, 'side')).toBe(sha['side']);
    expect(await resolveCommit(sub, 'HEAD~1')).toBe(sha['base']);
    expect(await resolveCommit(sub, 'HEAD~5')).toBeUndefined();
    expect(await resolveCommit(sub, '--output=x')).toBeUndefined();
    expect(await resolveCommit(tmp, 'HEAD')).toBeUndefined();
  });

  it('requireCommit: a UsageError naming a plain revision, not an odd one', async () => {
    expect(await requireCommit(sub, 'side')).toBe(sha['side']);
    await expect(requireCommit(sub, 'nope')).rejects.toThrow(UsageError);
    await expect(requireCommit(sub, 'nope')).rejects.toThrow(/revision nope is not a commit/);
    await expect(requireCommit(sub, 'a b\n')).rejects.toThrow(/revision \(given\) is not a commit/);
  });

  it('isAncestor is false for a commit on another branch; mergeBase finds the fork point', async () => {
    expect(await isAncestor(sub, sha['base']!, 'HEAD')).toBe(true);
    expect(await isAncestor(sub, sha['main']!, 'HEAD')).toBe(true);
    expect(await isAncestor(sub, sha['side']!, 'HEAD')).toBe(false);
    expect(await isAncestor(sub, '0'.repeat(40), 'HEAD')).toBe(false);
    expect(await mergeBase(sub, sha['side']!, sha['main']!)).toBe(sha['base']);
  });

  it('recordedParents lists the parents a commit records', async () => {
    expect(await recordedParents(sub, sha['main']!)).toEqual([sha['base']]);
    expect(await recordedParents(sub, sha['base']!)).toEqual([]);
    await expect(recordedParents(sub, 'HEAD')).rejects.toThrow(TypeError);
  });
});

describe('files at a revision', () => {
  it('showFile reads relative to the keyfold root; missing paths and directories are undefined', async () => {
    expect(await showFile(sub, sha['base']!, 'secrets/a.yaml')).toBe('A: 1\n');
    expect(await showFile(sub, sha['main']!, './secrets/a.yaml')).toBe('A: 3\n');
    expect(await showFile(sub, sha['base']!, 'secrets/b.yaml')).toBeUndefined();
    expect(await showFile(sub, sha['base']!, 'secrets')).toBeUndefined();
    await expect(showFile(sub, 'HEAD', 'secrets/a.yaml')).rejects.toThrow(TypeError);
  });

  it('readAtRevisions reads repository-relative paths, in order, undefined where absent', async () => {
    const got = await readAtRevisions(sub, [
      { rev: sha['side']!, path: 'app/secrets/b.yaml' },
      { rev: sha['main']!, path: 'app/secrets/b.yaml' },
      { rev: sha['main']!, path: 'top.txt' },
      { rev: sha['base']!, path: 'app/secrets/a.yaml' },
    ]);
    expect(got.map((b) => b?.toString('utf8'))).toEqual(['B: 2\n', undefined, 'top\n', 'A: 1\n']);
    await expect(readAtRevisions(sub, [{ rev: sha['main']!, path: 'a\nb' }])).rejects.toThrow(/single-line/);
  });

  it('outside a repository a read fails instead of hanging', async () => {
    await expect(readAtRevisions(tmp, [{ rev: sha['main']!, path: 'top.txt' }])).rejects.toThrow(/git failed/);
  }, 10_000);
});

describe('keyfold refs and running git', () => {
  it('writeRefBlob then readRefBlob round-trips text; a missing ref reads as undefined', async () => {
    expect(await readRefBlob(sub, 'refs/keyfold/test/x')).toBeUndefined();
    await writeRefBlob(sub, 'refs/keyfold/test/x', 'state ü\n');
    expect(await readRefBlob(sub, 'refs/keyfold/test/x')).toBe('state ü\n');
    expect(git(['cat-file', '-t', 'refs/keyfold/test/x'])).toBe('blob');
  });

  it('runGit returns exit codes, or throws outside okCodes with git\'s first line only', async () => {
    expect((await runGit(sub, ['rev-parse', '--verify', '--quiet', 'nope'])).code).toBe(1);
    const err = await runGit(sub, ['log', '--end-of-options', 'nope'], { okCodes: [0] }).catch((e: Error) => e);
    expect(err).toBeInstanceOf(Error);
    expect((err as Error).message).toMatch(/^git log failed \(128\): fatal: /);
    expect((err as Error).message).not.toContain('\n');
    await expect(runGit(sub, ['log', 'nope'], { okCodes: [0], what: 'reading history' })).rejects.toThrow(/^git failed while reading history$/);
    const input = await runGit(sub, ['hash-object', '--stdin'], { input: 'x' });
    expect(input.stdout.toString('utf8').trim()).toMatch(/^[0-9a-f]{40}$/);
  });
});
