import { describe, expect, it } from 'vitest';
import { ownersOf, parseCodeowners } from './codeowners-match.js';

describe('CODEOWNERS matching', () => {
  const rules = parseCodeowners(`# comment
* @admin
/secrets/dev/** @alice @admin
/secrets/prod/providers/** @admin
docs/ @writer
*.md @docs   # trailing comment
/policies/ @admin @sec
`);

  it('the last matching line wins', () => {
    expect(ownersOf(rules, 'src/a.ts')).toEqual(['@admin']);
    expect(ownersOf(rules, 'secrets/dev/api/db.yaml')).toEqual(['@alice', '@admin']);
    expect(ownersOf(rules, 'secrets/prod/providers/x.yaml')).toEqual(['@admin']);
    expect(ownersOf(rules, 'policies/access.yaml')).toEqual(['@admin', '@sec']);
  });

  it('unanchored patterns match at any depth; directories cover their contents', () => {
    expect(ownersOf(rules, 'README.md')).toEqual(['@docs']);
    expect(ownersOf(rules, 'a/b/NOTES.md')).toEqual(['@docs']);
    expect(ownersOf(rules, 'docs/guide/x.txt')).toEqual(['@writer']);
    expect(ownersOf(parseCodeowners(''), 'x')).toEqual([]);
  });
});
