/**
 * The only writer to stdout and stderr while a command runs (errors: errors.ts). Data
 * goes to stdout, as text or, with --json, as JSON; notes for humans go to stderr.
 * Human-readable text never carries a control character raw (names come from files
 * other tools may have written): handlers escape each name with `printableName`, and
 * every text line passes `printableText` here as well. Only `raw` and `value` (values,
 * documents, help) are written as they are.
 */
import { encodeJson } from '../../formats/json.js';
import { printableText } from '../../kernel/names.js';
import type { Io } from '../io/io.js';
import type { Prompter } from '../io/stdin.js';

export class Output implements Prompter {
  constructor(
    readonly io: Io,
    readonly json: boolean,
  ) {}

  /** Data on stdout: `text` normally, `data` as JSON with --json. */
  result(data: unknown, text: () => string): void {
    if (this.json) this.io.stdout.write(encodeJson(data) + '\n');
    else {
      const t = printableText(text());
      if (t) this.io.stdout.write(t.endsWith('\n') ? t : t + '\n');
    }
  }

  /** A value on stdout: as JSON with --json, else its text as it is (a secret value is data, never escaped). */
  value(data: unknown, text: () => string): void {
    if (this.json) this.io.stdout.write(encodeJson(data) + '\n');
    else {
      const t = text();
      if (t) this.io.stdout.write(t.endsWith('\n') ? t : t + '\n');
    }
  }

  /** Raw text or bytes on stdout (decrypted documents, values, help). */
  raw(text: string | Uint8Array): void {
    this.io.stdout.write(text);
  }

  /** Progress and notes for humans, on stderr; silent with --json. */
  info(text: string): void {
    if (!this.json) this.io.stderr.write(printableText(text) + '\n');
  }

  /** A line on stderr that is shown even with --json (it is not part of the data). */
  note(text: string): void {
    this.io.stderr.write(printableText(text) + '\n');
  }

  warn(text: string): void {
    this.io.stderr.write(`keyfold: warning: ${printableText(text)}\n`);
  }

  /** A problem the command recovers from (the user is asked what to do next). */
  error(text: string): void {
    this.io.stderr.write(`keyfold: ${printableText(text)}\n`);
  }

  /** A question on the terminal (stderr), as is. */
  prompt(text: string): void {
    this.io.stderr.write(text);
  }

  /** Progress on stderr for long runs, on a terminal only (undefined otherwise). */
  progress(): ((done: number, total: number) => void) | undefined {
    const stderr = this.io.stderr as NodeJS.WriteStream;
    if (this.json || !stderr.isTTY) return undefined;
    return (done, total) => {
      if (total >= 20) stderr.write(`\r  ${done}/${total}${done === total ? '\n' : ''}`);
    };
  }
}
