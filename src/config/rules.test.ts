import { describe, expect, it } from 'vitest';
import { checkRules, defaultRules, durationMs, parseRules } from './rules.js';

describe('policies/rules.yaml', () => {
  it('an empty file means the defaults', () => {
    expect(parseRules('')).toEqual(defaultRules());
    expect(defaultRules()).toEqual({ key_pattern: '^[A-Z][A-Z0-9_]*$', required: {}, parity: [], max_age: {}, allow: [] });
  });

  it('parses every field', () => {
    const rules = parseRules(`key_pattern: "^[A-Z_]+$"
required:
  "prod/api/**": [DATABASE_URL]
parity: ["providers/**"]
max_age:
  "prod/**": 90d
allow:
  - { path: "examples/**", pattern: "^AGE-SECRET-KEY-1", reason: demo keys }
`);
    expect(rules.required).toEqual({ 'prod/api/**': ['DATABASE_URL'] });
    expect(rules.max_age).toEqual({ 'prod/**': '90d' });
    expect(rules.allow[0]!.reason).toBe('demo keys');
  });

  it('problems come back with their line, never as a crash', () => {
    const bad = (text: string) => {
      const r = checkRules(text);
      return 'problem' in r ? r.problem : undefined;
    };
    expect(bad('key_pattern: "([a-z"\n')).toEqual({ line: 1, message: 'key_pattern: not a valid regular expression' });
    expect(bad('parity: []\nmax_age:\n  "prod/**": 3 months\n')?.line).toBe(3);
    expect(bad('allow:\n  - { path: "x/**" }\n')?.message).toMatch(/^allow\.0\.reason/);
    expect(bad('unknown: 1\n')?.message).toMatch(/unknown/i);
    expect(bad('a: [\n')?.message).toMatch(/not valid YAML/);
    expect(() => parseRules('max_age: { "**": 5x }\n')).toThrow(/policies\/rules\.yaml:1: max_age/);
  });

  it('durations', () => {
    expect(durationMs('90d')).toBe(90 * 86_400_000);
    expect(durationMs('12h')).toBe(12 * 3_600_000);
    expect(durationMs('2w')).toBe(14 * 86_400_000);
    expect(() => durationMs('0d')).toThrow();
  });
});
