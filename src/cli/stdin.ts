/** Reading secrets and answers from standard input. */
import { UsageError } from '../kernel/errors.js';
import type { Io } from './render/output.js';

export async function readAllStdin(stdin: Io['stdin']): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stdin) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer));
  return Buffer.concat(chunks).toString('utf8');
}

/** Prompt on stderr and read one line from a TTY without echoing it. */
export async function promptHidden(io: Io, question: string): Promise<string> {
  io.stderr.write(question);
  const stdin = io.stdin;
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
    io.stderr.write('\n');
  }
}

export async function askYesNo(io: Io, question: string): Promise<boolean> {
  io.stderr.write(question);
  for await (const chunk of io.stdin) {
    const answer = String(chunk).trim().toLowerCase();
    return answer === '' || answer === 'y' || answer === 'yes';
  }
  return false;
}
