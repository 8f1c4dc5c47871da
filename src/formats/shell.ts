/**
 * Shell output: `export NAME='value'` lines for `. file` or `eval` in sh and bash. Single
 * quotes make every character literal; a `'` is written as `'\''`. Only NUL cannot be
 * carried (shell variables cannot hold it).
 */
import { UsageError } from '../kernel/errors.js';

export function quoteShell(name: string, value: string): string {
  if (value.includes('\0')) {
    throw new UsageError(`cannot write ${name} for a shell: it contains a NUL character`, { hint: 'use --format json for this value' });
  }
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

export function encodeShell(entries: ReadonlyArray<readonly [string, string]>): string {
  return entries.map(([k, v]) => `export ${k}=${quoteShell(k, v)}\n`).join('');
}
