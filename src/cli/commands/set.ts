import { randomInt } from 'node:crypto';
import { UsageError } from '../../kernel/errors.js';
import { Secret } from '../../kernel/secret.js';
import { setValue } from '../../ops/secrets/set-value.js';
import { Workspace } from '../../ops/context/workspace.js';
import type { CommandContext } from './context.js';
import { promptHidden, readAllStdin } from '../io/stdin.js';

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

export function generateValue(length: number): string {
  let s = '';
  for (let i = 0; i < length; i++) s += ALPHABET[randomInt(ALPHABET.length)];
  return s;
}

export interface ValueOptions {
  allowEmpty?: true;
  stdin?: boolean;
  value?: string;
  /** A length, or true for the default one. */
  generate?: string | true;
}

/** The value `--stdin`, `--value` or `--generate` gives (else standard input, or a prompt on a terminal). */
export async function readValue(ctx: CommandContext, key: string, opts: ValueOptions): Promise<Secret<string>> {
  const sources = [opts.stdin, opts.value, opts.generate].filter((v) => v !== undefined && v !== false);
  if (sources.length > 1) throw new UsageError('use only one of --stdin, --value and --generate');
  let value: Secret<string>;
  if (opts.value !== undefined) {
    ctx.out.warn('--value leaves the secret in shell history and the process list; prefer --stdin');
    value = new Secret(opts.value);
  } else if (opts.generate !== undefined) {
    const n = opts.generate === true ? 32 : Number(opts.generate);
    if (!Number.isInteger(n) || n < 8 || n > 4096) throw new UsageError('--generate takes a length from 8 to 4096');
    value = new Secret(generateValue(n));
  } else if (opts.stdin || !ctx.io.stdin.isTTY) {
    value = new Secret((await readAllStdin(ctx.io.stdin)).replace(/\r?\n$/, ''));
  } else {
    value = new Secret(await promptHidden(ctx.io.stdin, ctx.out, `Value for ${key}: `));
  }
  return value;
}

export default async function setCommand(ctx: CommandContext, [ref, key]: string[], opts: ValueOptions): Promise<void> {
  const value = await readValue(ctx, key!, opts);
  const ws = new Workspace(ctx.global);
  const r = await setValue(ws, ref!, key!, value, { allowEmpty: opts.allowEmpty === true });
  ctx.out.result(r, () => `${r.action}: ${r.ref} ${r.key}${r.writeOnly ? ' (write-only: encrypted to the policy\'s readers; you cannot read it back)' : ''}`);
  // Write-only because no key was found at all, not because the policy says so: say which.
  if (r.writeOnly && ws.identities.length === 0) {
    ctx.out.warn('no age identity was found, so it was written write-only; if you are one of its readers, pass --identity FILE or set KEYFOLD_AGE_KEY_FILE');
  }
}
