/**
 * The only writer to stdout and stderr, and the error formatter. Errors are one line:
 * `keyfold: <message> — <hint>`; with --json, a JSON object on stderr.
 */
import type { Readable, Writable } from 'node:stream';
import { ExitCode, KeyfoldError } from '../../kernel/errors.js';
import { encodeJson } from '../../formats/json.js';

export interface Io {
  stdout: Writable;
  stderr: Writable;
  stdin: Readable & { isTTY?: boolean; setRawMode?: (mode: boolean) => unknown };
  env: NodeJS.ProcessEnv;
  cwd: string;
}

export class Output {
  constructor(
    readonly io: Io,
    readonly json: boolean,
  ) {}

  /** Data on stdout: `text` normally, `data` as JSON with --json. */
  result(data: unknown, text: () => string): void {
    if (this.json) this.io.stdout.write(encodeJson(data) + '\n');
    else {
      const t = text();
      if (t) this.io.stdout.write(t.endsWith('\n') ? t : t + '\n');
    }
  }

  /** Raw text on stdout (decrypted documents, values). */
  raw(text: string): void {
    this.io.stdout.write(text);
  }

  /** Progress and notes for humans, on stderr; silent with --json. */
  info(text: string): void {
    if (!this.json) this.io.stderr.write(text + '\n');
  }

  warn(text: string): void {
    this.io.stderr.write(`keyfold: warning: ${text}\n`);
  }
}

/** Print an error (never a stack trace unless KEYFOLD_DEBUG=1) and return its exit code. */
export function reportError(e: unknown, io: Io, json: boolean): number {
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

function oneLine(s: string): string {
  return s.replace(/\s*\n\s*/g, ' ');
}
