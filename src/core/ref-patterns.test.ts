import fc from 'fast-check';
import picomatch from 'picomatch';
import { describe, expect, it } from 'vitest';
import {
  codeownersPaths,
  compareSpecificity,
  coversWholeEnv,
  envPatterns,
  expandBraces,
  parseGlob,
  refRegexSource,
  representativeRef,
  type EnvPattern,
} from './ref-patterns.js';

const ENVS = ['dev', 'prod'];
const pm = (glob: string, ref: string) => picomatch(glob, { dot: true })(ref);
const patternsOf = (glob: string, envs = ENVS, fallback = false) => [...envPatterns([glob], envs, { fallback }).byEnv.values()].flat();
const re = (p: EnvPattern) => new RegExp(`^${refRegexSource(p.segments)}$`);

/** Globs from the supported subset, over a small alphabet so that they hit the refs. */
const segGlob = fc.constantFrom('dev', 'prod', 'api', 'db', 'a', '*', '?', 'a*', '*b', '[ab]', '[^a]', 'd?v', '**', '{a,db}', '{dev,api}');
const globArb = fc.array(segGlob, { minLength: 1, maxLength: 4 }).map((s) => s.join('/'));
const refArb = fc
  .tuple(fc.constantFrom(...ENVS), fc.array(fc.constantFrom('dev', 'prod', 'api', 'db', 'a', 'b', 'ab', 'x', '_', 'a.b'), { minLength: 1, maxLength: 4 }))
  .map(([env, rest]) => [env, ...rest].join('/'));

describe('glob parsing', () => {
  it('expands brace lists, nested ones too, and refuses ranges and unbalanced braces', () => {
    expect(expandBraces('{dev,staging}/**')).toEqual(['dev/**', 'staging/**']);
    expect(expandBraces('dev/{a,{b,c}}/x')).toEqual(['dev/a/x', 'dev/b/x', 'dev/c/x']);
    expect(expandBraces('dev/**')).toEqual(['dev/**']);
    expect(expandBraces('{1..3}/x')).toBeUndefined();
    expect(expandBraces('{a,b/x')).toBeUndefined();
    expect(expandBraces('a}/x')).toBeUndefined();
  });

  it('refuses what picomatch, RE2 and CODEOWNERS do not agree on', () => {
    for (const g of ['!dev/**', 'dev/@(a|b)', 'dev/+(a)', 'dev/[!a]', 'dev/[[:alpha:]]', 'dev//a', 'dev/', '/dev', '']) {
      expect(parseGlob(g), g).toBeUndefined();
    }
    expect(parseGlob('dev/**/a*b?[xy]')).toBeDefined();
    expect(envPatterns(['dev/@(a|b)', 'dev/**'], ENVS).unsupported).toEqual(['dev/@(a|b)']);
  });

  it('specialises the first segment to each environment; a leading ** also matches nothing', () => {
    expect(patternsOf('**').map((p) => p.glob).sort()).toEqual(['dev/**', 'prod/**']);
    expect(patternsOf('*/providers/**').map((p) => p.glob).sort()).toEqual(['dev/providers/**', 'prod/providers/**']);
    expect(patternsOf('**/db', ['dev']).map((p) => p.glob)).toEqual(['dev/**/db']);
    expect(patternsOf('**/dev/x', ['dev']).map((p) => p.glob).sort()).toEqual(['dev/**/dev/x', 'dev/x']);
    expect(patternsOf('staging/**')).toEqual([]);
    expect(patternsOf('dev')).toEqual([]); // no ref has one segment
    // With the fallback, every environment has its whole-environment pattern.
    expect([...envPatterns([], ENVS).byEnv.values()].flat().map((p) => p.glob)).toEqual(['dev/**', 'prod/**']);
  });
});

describe('regexes equal picomatch', () => {
  it('each specialised pattern matches exactly the refs its glob matches (property)', () => {
    fc.assert(
      fc.property(globArb, fc.array(refArb, { minLength: 1, maxLength: 20 }), (glob, refs) => {
        const patterns = patternsOf(glob);
        for (const ref of refs) {
          const viaPatterns = patterns.some((p) => p.env === ref.split('/')[0] && re(p).test(ref));
          expect(viaPatterns, `${glob} vs ${ref} (${patterns.map((p) => refRegexSource(p.segments)).join(' | ')})`).toBe(pm(glob, ref));
          for (const p of patterns) expect(re(p).test(ref), `${p.glob} vs ${ref}`).toBe(pm(p.glob, ref));
        }
      }),
      { numRuns: 400 },
    );
  });

  it('uses only syntax RE2 accepts: no lookaround, no backreferences', () => {
    fc.assert(
      fc.property(globArb, (glob) => {
        for (const p of patternsOf(glob)) expect(refRegexSource(p.segments)).not.toMatch(/\(\?[=!<]|\\[1-9]/);
      }),
    );
  });
});

describe('specificity and representatives', () => {
  it('sorts a pattern before the patterns that contain it', () => {
    const pairs = [
      ['dev/api/db', 'dev/api/*'],
      ['dev/api/*', 'dev/api/**'],
      ['dev/api/**', 'dev/**'],
      ['dev/*/db', 'dev/**/db'],
      ['dev/**/db', 'dev/**'],
      ['dev/x/**', 'dev/**/x/**'],
      ['dev/*', 'dev/**'],
      ['dev/?', 'dev/*'],
      ['dev/a?', 'dev/a*'],
      ['dev/ab', 'dev/a*'],
      ['dev/a*b*', 'dev/*'],
      ['dev/[ab]', 'dev/?'],
      ['dev/[ab]*', 'dev/*'],
      ['dev/a?*', 'dev/a*'],
      ['dev/providers/**', 'dev/**'],
    ] as const;
    for (const [specific, general] of pairs) {
      const [a] = patternsOf(specific, ['dev']);
      const [b] = patternsOf(general, ['dev']);
      expect(compareSpecificity(a!, b!), `${specific} before ${general}`).toBeLessThan(0);
      expect(compareSpecificity(b!, a!)).toBeGreaterThan(0);
      // The pair really nests: every representative of the specific one is in the general one.
      expect(pm(general, representativeRef(a!, [])!)).toBe(true);
    }
  });

  it('a representative matches its pattern and avoids the patterns ordered before it', () => {
    const all = [...envPatterns(['dev/**', 'dev/*', 'dev/api/**'], ['dev']).byEnv.get('dev')!].sort(compareSpecificity);
    expect(all.map((p) => p.glob)).toEqual(['dev/api/**', 'dev/*', 'dev/**']);
    const reps = all.map((p, i) => representativeRef(p, all.slice(0, i), all));
    expect(reps).toEqual(['dev/api/_', 'dev/_', 'dev/_/_']);
    reps.forEach((r, i) => expect(pm(all[i]!.glob, r!)).toBe(true));
    // A pattern no valid ref matches has no representative.
    expect(representativeRef({ env: 'dev', glob: 'dev/[^a-zA-Z0-9_]', segments: parseGlob('dev/[^a-zA-Z0-9_]')! }, [])).toBeUndefined();
  });

  it('recognises whole-environment patterns', () => {
    const whole = (g: string) => patternsOf(g, ['dev']).some(coversWholeEnv);
    expect(whole('**')).toBe(true);
    expect(whole('dev/**')).toBe(true);
    expect(whole('*/**')).toBe(true); // `*` takes the environment
    expect(whole('dev/*/**')).toBe(false); // picomatch: needs two segments after dev
    expect(whole('**/*')).toBe(true);
    expect(whole('dev/*')).toBe(false);
    expect(whole('dev/providers/**')).toBe(false);
    expect(whole('*/providers/**')).toBe(false);
  });

  it('CODEOWNERS paths: ** stays a directory pattern, file globs get .yaml and .yml, classes are refused', () => {
    const one = (g: string) => codeownersPaths(patternsOf(g, ['dev'])[0]!);
    expect(one('dev/**')).toEqual(['/secrets/dev/**']);
    expect(one('*/providers/**')).toEqual(['/secrets/dev/providers/**']);
    expect(one('dev/api/db')).toEqual(['/secrets/dev/api/db.yaml', '/secrets/dev/api/db.yml']);
    expect(one('dev/**/db?')).toEqual(['/secrets/dev/**/db?.yaml', '/secrets/dev/**/db?.yml']);
    expect(one('dev/[ab]/**')).toBeUndefined();
  });
});
