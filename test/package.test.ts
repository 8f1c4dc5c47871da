/**
 * What `npm install keyfold` installs matches what the CLI loads: the bundle in dist/
 * is self-contained, so its runtime `require`s are Node built-ins or declared
 * dependencies, and every declared dependency is one the bundle requires.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from './helpers/cli.js';
import { requiresOf as requiresIn } from './helpers/bundle.js';

const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { dependencies?: Record<string, string>; files?: string[]; bin?: Record<string, string> };

const requiresOf = (file: string) => requiresIn(join(ROOT, 'dist', file));

describe('package', () => {
  it('dist/ requires only Node built-ins and declared runtime dependencies, and nothing undeclared is shipped', () => {
    const builtins = new Set([...builtinModules, ...builtinModules.map((m) => `node:${m}`)]);
    const declared = new Set(Object.keys(pkg.dependencies ?? {}));
    const files = readdirSync(join(ROOT, 'dist')).filter((f) => f.endsWith('.js'));
    expect(files).toEqual(expect.arrayContaining(['keyfold.js', 'keyfold-cli.js', 'keyfold-github.js', 'keyfold-aws.js', 'keyfold-pg.js']));
    const external = files.flatMap((f) => [...requiresOf(f)]).filter((m) => !builtins.has(m) && !m.startsWith('./'));
    expect(external.filter((m) => !declared.has(m))).toEqual([]);
    // The bundles' files loading one another (a target's vendor bundle) are all shipped.
    for (const m of files.flatMap((f) => [...requiresOf(f)]).filter((x) => x.startsWith('./'))) expect(existsSync(join(ROOT, 'dist', m)), m).toBe(true);
    expect([...declared].filter((d) => !external.includes(d))).toEqual([]);
  });

  it('keeps the AWS SDK out of the CLI bundle (its own file, loaded when an aws-secrets-manager target runs)', () => {
    const cli = readFileSync(join(ROOT, 'dist', 'keyfold-cli.js'), 'utf8');
    // Required inside a module evaluated only when the target runs (no import(): see scripts/build.mjs).
    expect(cli).toContain('require("./keyfold-aws.js")');
    expect(cli).not.toMatch(/\bimport\(/);
    expect(cli).not.toContain('aws4_request');
    expect(readFileSync(join(ROOT, 'dist', 'keyfold-aws.js'), 'utf8')).toContain('aws4_request');
  });

  it('publishes the bundle and the bin', () => {
    expect(pkg.files).toContain('dist');
    // The JSON Schemas editors load (init's yaml-language-server comments point at them).
    expect(pkg.files).toContain('schemas');
    expect(pkg.bin?.['keyfold']).toBe('dist/keyfold.js');
  });
});
