/**
 * Reading secrets and answers from standard input. The questions are shown through the
 * caller's `Prompter` (render/output.ts), so this module writes nothing itself.
 */
import { UsageError } from '../../kernel/errors.js';
import type { Io } from './io.js';

/** Shows a question on the terminal, as is (no newline added). */
export interface Prompter {
  prompt(text: string): void;
}

export async function readAllStdin(stdin: Io['stdin']): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stdin) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer));
  return Buffer.concat(chunks).toString('utf8');
}

/** Ask, then read one line from a TTY without echoing it. */
export async function promptHidden(stdin: Io['stdin'], screen: Prompter, question: string): Promise<string> {
  screen.prompt(question);
  stdin.setRawMode?.(true);
  stdin.resume();
  let value = '';
  try {
    for await (const chunk of stdin) {
      for (const ch of String(chunk)) {
        if (ch === '\r' || ch === '\n') return value;
        if (ch === '\u0003') throw new UsageError('interrupted');
        if (ch === '\u007f' || ch === '\b') value = value.slice(0, -1);
        else value += ch;
      }
    }
    return value;
  } finally {
    stdin.setRawMode?.(false);
    stdin.pause();
    screen.prompt('\n');
  }
}

export async function askYesNo(stdin: Io['stdin'], screen: Prompter, question: string): Promise<boolean> {
  screen.prompt(question);
  for await (const chunk of stdin) {
    const answer = String(chunk).trim().toLowerCase();
    return answer === '' || answer === 'y' || answer === 'yes';
  }
  return false;
}
