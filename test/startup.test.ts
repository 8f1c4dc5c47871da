/**
 * CLI start (src/cli/bin.ts): the bundle is compiled through V8's code cache that the
 * build writes beside it, only when that cache is for exactly these bytes; a cache for
 * other bytes, or none, falls back to a plain require with the same behaviour.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ROOT, tempDir } from './helpers/cli.js';

const tmp = tempDir();
afterAll(() => tmp.cleanup());
const dist = join(ROOT, 'dist');

const help = (bin: string) => spawnSync(process.execPath, [bin, '--help'], { encoding: 'utf8', env: { PATH: process.env['PATH'] ?? '', HOME: tmp.path } });

describe('code cache', () => {
  it('the build writes SHA-256(bundle ‖ cache) ‖ V8 cache for dist/keyfold-cli.js', () => {
    const cache = readFileSync(join(dist, 'keyfold-cli.cache'));
    const digest = createHash('sha256').update(readFileSync(join(dist, 'keyfold-cli.js'))).update(cache.subarray(32)).digest();
    expect(cache.subarray(0, 32).equals(digest)).toBe(true);
    expect(cache.length).toBeGreaterThan(1000);
  });

  it('a cache for other bytes, a damaged cache and no cache all run the CLI the same', () => {
    const want = help(join(dist, 'keyfold.js'));
    expect(want.status).toBe(0);
    const copy = join(tmp.path, 'dist');
    cpSync(dist, copy, { recursive: true });
    const cache = readFileSync(join(copy, 'keyfold-cli.cache'));
    const stale = Buffer.from(cache);
    stale[0] = stale[0]! ^ 1; // the hash of other bytes
    writeFileSync(join(copy, 'keyfold-cli.cache'), stale);
    expect(help(join(copy, 'keyfold.js'))).toMatchObject({ status: 0, stdout: want.stdout });
    const damaged = Buffer.from(cache);
    for (let i = 100; i < damaged.length; i += 97) damaged[i] = damaged[i]! ^ 0x5a; // damage V8 itself would not notice
    writeFileSync(join(copy, 'keyfold-cli.cache'), damaged);
    expect(help(join(copy, 'keyfold.js'))).toMatchObject({ status: 0, stdout: want.stdout });
    rmSync(join(copy, 'keyfold-cli.cache'));
    expect(help(join(copy, 'keyfold.js'))).toMatchObject({ status: 0, stdout: want.stdout });
  });
});
