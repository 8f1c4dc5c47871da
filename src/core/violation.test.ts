import { describe, expect, it } from 'vitest';
import { formatViolation, githubAnnotation, normalizeViolations } from './violation.js';

describe('violations', () => {
  it('format as file:line: rule: message', () => {
    expect(formatViolation({ file: 'secrets/a/b.yaml', line: 3, rule: 'recipients', message: 'x' })).toBe('secrets/a/b.yaml:3: recipients: x');
  });

  it('GitHub annotations escape data and properties', () => {
    expect(githubAnnotation({ file: 'a,b:c.yaml', line: 2, rule: 'key-name', message: '100% bad\nnext: line' })).toBe(
      '::error file=a%2Cb%3Ac.yaml,line=2,title=key-name::100%25 bad%0Anext: line',
    );
  });

  it('normalize: sorted, deduplicated, one line each, line at least 1', () => {
    const v = normalizeViolations([
      { file: 'b', line: 1, rule: 'policy', message: 'm' },
      { file: 'a', line: 0, rule: 'config', message: 'two\nlines' },
      { file: 'b', line: 1, rule: 'policy', message: 'm' },
    ]);
    expect(v).toEqual([
      { file: 'a', line: 1, rule: 'config', message: 'two lines' },
      { file: 'b', line: 1, rule: 'policy', message: 'm' },
    ]);
  });
});
