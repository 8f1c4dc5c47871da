/**
 * Errors on stderr, and their exit codes. Errors are one line:
 * `keyfold: <message> — <hint>`; with --json, a JSON object on stderr.
 */
import { ExitCode, KeyfoldError, UsageError, fromSystemError } from '../../kernel/errors.js';
import { encodeJson } from '../../formats/json.js';
import { printableName } from '../../kernel/names.js';
import type { Io } from '../io/io.js';

/** Print an error (never a stack trace unless KEYFOLD_DEBUG=1) and return its exit code. */
export function reportError(error: unknown, io: Io, json: boolean): number {
  // A file-system failure that escaped its boundary (a missing folder, no permission) is
  // still the user's problem to fix, not a bug.
  const e = fromSystemError(error) ?? error;
  if (e instanceof KeyfoldError) {
    if (json) {
      io.stderr.write(encodeJson({ error: { code: e.code, message: e.message, hint: e.hint, exitCode: e.exitCode } }, 0) + '\n');
    } else {
      io.stderr.write(`keyfold: ${oneLine(e.message)}${e.hint ? ` — ${oneLine(e.hint)}` : ''}\n`);
    }
    return e.exitCode;
  }
  // An unexpected error may carry third-party text; print only its kind.
  const kind = e instanceof Error ? e.name : typeof e;
  if (io.env['KEYFOLD_DEBUG'] === '1' && e instanceof Error) io.stderr.write(`${e.stack}\n`);
  const message = `internal error (${kind}); this is a bug in keyfold — rerun with KEYFOLD_DEBUG=1 and report it`;
  io.stderr.write(json ? encodeJson({ error: { code: 'internal', message, exitCode: ExitCode.internal } }, 0) + '\n' : `keyfold: ${message}\n`);
  return ExitCode.internal;
}

/**
 * A command line commander rejected: one line naming the problem (the first line of
 * commander's own message, else `fallback`) and where help is. Returns the usage exit code.
 */
export function reportUsage(io: Io, commanderText: string, fallback: string, command: string | undefined, json: boolean): number {
  const lines = commanderText.split('\n').filter((l) => l.trim());
  // Commander's suggestion for a typo: "(Did you mean set?)".
  const suggestion = lines.find((l) => /^\(Did you mean /.test(l));
  const message = (lines[0] ?? fallback).replace(/^error:\s*/, '') + (suggestion ? ` ${suggestion.replace('(Did', '(did')}` : '');
  // Printed as every other error is (one line, or JSON with --json).
  return reportError(new UsageError(message, { hint: `see \`keyfold ${command ? command + ' ' : ''}--help\`` }), io, json);
}

/** `keyfold` with no command: the help on stderr, usage exit. */
export function reportNoCommand(io: Io, help: string): number {
  io.stderr.write(help);
  return ExitCode.usage;
}

/** One line, control characters escaped (messages name files and keys other tools wrote). */
function oneLine(s: string): string {
  return printableName(s.replace(/\s*\n\s*/g, ' '));
}
