/**
 * What `npm install keyfold` installs matches what the CLI loads: the bundle in dist/
 * is self-contained, so its runtime `require`s are Node built-ins or declared
 * dependencies, and every declared dependency is one the bundle requires.
 */
import { readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from './helpers/cli.js';

const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { dependencies?: Record<string, string>; files?: string[]; bin?: Record<string, string> };

function requiresOf(file: string): Set<string> {
  const text = readFileSync(join(ROOT, 'dist', file), 'utf8');
  return new Set([...text.matchAll(/\brequire\("([^"]+)"\)/g)].map((m) => m[1]!));
}

describe('package', () => {
  it('dist/ requires only Node built-ins and declared runtime dependencies, and nothing undeclared is shipped', () => {
    const builtins = new Set([...builtinModules, ...builtinModules.map((m) => `node:${m}`)]);
    const declared = new Set(Object.keys(pkg.dependencies ?? {}));
    const external = [...requiresOf('keyfold-cli.js'), ...requiresOf('keyfold.js'), ...requiresOf('keyfold-github.js'), ...requiresOf('keyfold-pg.js')].filter((m) => !builtins.has(m) && !m.startsWith('./'));
    expect(external.filter((m) => !declared.has(m))).toEqual([]);
    expect([...declared].filter((d) => !external.includes(d))).toEqual([]);
  });

  it('publishes the bundle and the bin', () => {
    expect(pkg.files).toContain('dist');
    // The JSON Schemas editors load (init's yaml-language-server comments point at them).
    expect(pkg.files).toContain('schemas');
    expect(pkg.bin?.['keyfold']).toBe('dist/keyfold.js');
  });
});
