/**
 * Reading blobs from history: `BlobReader` (one `git cat-file --batch`) returning exact
 * bytes for many concurrent reads.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BlobReader } from './blobs.js';

const tmp = mkdtempSync(join(tmpdir(), 'keyfold-gitblobs-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const ENV = { ...process.env, GIT_CONFIG_NOSYSTEM: '1', HOME: tmp, LANG: 'C.UTF-8' };

function git(dir: string, args: string[], extraEnv: Record<string, string> = {}, input?: string): string {
  return execFileSync('git', args, { cwd: dir, encoding: 'utf8', env: { ...ENV, ...extraEnv }, input });
}

function initRepo(name: string): string {
  const dir = join(tmp, name);
  mkdirSync(dir, { recursive: true });
  git(dir, ['init', '-q', '-b', 'main']);
  git(dir, ['config', 'commit.gpgSign', 'false']);
  git(dir, ['config', 'gc.auto', '0']);
  git(dir, ['config', 'user.name', 'Repo Default']);
  git(dir, ['config', 'user.email', 'default@example.com']);
  return dir;
}

describe('BlobReader', () => {
  let dir: string;
  const blobs: Array<{ oid: string; content: Buffer }> = [];

  beforeAll(() => {
    dir = initRepo('blobs');
    const add = (content: Buffer) => {
      const oid = git(dir, ['hash-object', '-w', '--stdin'], {}, content as unknown as string).trim();
      blobs.push({ oid, content });
    };
    add(Buffer.alloc(0)); // the empty blob
    // 1 MiB of text with multi-byte characters (which may straddle pipe chunks) and newlines.
    const big = Buffer.from(('line ü € 𝄞 ' + 'x'.repeat(40) + '\n').repeat(Math.ceil((1 << 20) / 60)).slice(0, 1 << 20), 'utf8');
    add(big);
    add(Buffer.from('A: one\n'));
    add(Buffer.from('no trailing newline'));
    add(Buffer.from('\n\n\n'));
    add(Buffer.from('looks like a header\nabc blob 99\n'));
    for (let i = 0; i < 200; i++) add(Buffer.from(`key${i}: ${randomBytes(8 + (i % 50)).toString('base64')}\n`.repeat(1 + (i % 7))));
  });

  it('returns exact contents for many concurrent reads, in any order, including a 1 MB and an empty blob', async () => {
    const reader = new BlobReader(dir);
    try {
      const order = [...blobs, ...[...blobs].reverse(), blobs[1]!, blobs[0]!];
      const texts = await Promise.all(order.map((b) => reader.read(b.oid)));
      texts.forEach((t, i) => expect(Buffer.from(t, 'utf8').equals(order[i]!.content), `blob ${order[i]!.oid}`).toBe(true));
      expect(texts[1]!.length).toBeGreaterThan(900_000);
      expect(texts[0]).toBe('');
      // Reads after the first batch still work (the process is reused).
      expect(await reader.read(blobs[2]!.oid)).toBe('A: one\n');
    } finally {
      reader.close();
    }
  });

  it('reads again after close (a new process)', async () => {
    const reader = new BlobReader(dir);
    expect(await reader.read(blobs[3]!.oid)).toBe('no trailing newline');
    reader.close();
    expect(await reader.read(blobs[4]!.oid)).toBe('\n\n\n');
    reader.close();
  });

  it('refuses anything but an object id, before talking to git', async () => {
    const reader = new BlobReader(dir);
    await expect(reader.read('HEAD')).rejects.toThrow(TypeError);
    await expect(reader.read('--batch-all-objects')).rejects.toThrow(TypeError);
    await expect(reader.read(`${blobs[0]!.oid}\n${blobs[1]!.oid}`)).rejects.toThrow(TypeError);
    reader.close();
  });

  it('a missing object does not hang and does not shift later answers', async () => {
    const reader = new BlobReader(dir);
    try {
      const [missing, after] = await Promise.all([reader.read('0123456789abcdef0123456789abcdef01234567'), reader.read(blobs[2]!.oid)]);
      expect(missing).toBe('');
      expect(after).toBe('A: one\n');
    } finally {
      reader.close();
    }
  });

  it('outside a git repository, a read fails instead of hanging', async () => {
    const notRepo = mkdtempSync(join(tmp, 'not-a-repo-'));
    const reader = new BlobReader(notRepo);
    try {
      await expect(reader.read(blobs[2]!.oid)).rejects.toThrow();
    } finally {
      reader.close();
    }
  }, 10_000);
});
