import { count, printableName as p } from '../../kernel/names.js';
import { readHistory, type LogEntry, type LogFile } from '../../ops/audit/log.js';
import { Workspace } from '../../ops/context/workspace.js';
import type { CommandContext } from './context.js';

interface Options {
  key?: string;
  since?: string;
  until?: string;
  /** A git author pattern (git log --author). */
  gitAuthor?: string;
  decrypt?: boolean;
}

export default async function logCommand(ctx: CommandContext, [target]: string[], opts: Options): Promise<void> {
  const r = await readHistory(new Workspace(ctx.global), {
    target,
    key: opts.key,
    since: opts.since,
    until: opts.until,
    author: opts.gitAuthor,
    decrypt: opts.decrypt === true,
    fullHistory: true,
  });
  ctx.out.result(r, () => r.entries.map(entryText).join('\n\n'));
  if (r.hiddenReencryptions > 0) {
    ctx.out.info(`(${count(r.hiddenReencryptions, 're-encryption commit')} not shown: the key's ciphertext changed with a fresh data key; --decrypt checks whether its value changed)`);
  }
  if (r.entries.length === 0) ctx.out.info('no matching history');
}

function entryText(e: LogEntry): string {
  const head = `commit ${e.sha.slice(0, 12)}${e.pr !== undefined ? ` (#${e.pr})` : ''}  ${p(e.date.slice(0, 10))}  ${p(e.author)} <${p(e.email)}>`;
  const lines = [head, `    ${p(e.subject)}`];
  for (const f of e.files) lines.push(...fileLines(f));
  if (e.policy) lines.push('    policy: policies/access.yaml changed');
  return lines.join('\n');
}

function fileLines(f: LogFile): string[] {
  const names = (xs: readonly string[]) => xs.map((x) => p(x)).join(', ');
  const where = f.from ? `${p(f.ref)} (renamed from ${p(f.from)})` : p(f.ref);
  const parts: string[] = [];
  if (f.status === 'added') parts.push('created');
  if (f.status === 'deleted') parts.push('deleted');
  if (f.reencrypted) {
    parts.push(f.confirmed ? `re-encrypted (fresh data key); values changed: ${names(f.confirmed) || 'none'}` : 're-encrypted (fresh data key)');
  }
  if (f.added.length && f.status !== 'deleted') parts.push(`+ ${names(f.added)}`);
  if (!f.reencrypted && f.changed.length) parts.push(`~ ${names(f.changed)}`);
  if (f.removed.length && f.status !== 'deleted') parts.push(`- ${names(f.removed)}`);
  if (f.status === 'deleted') parts.push(`keys ${names(f.removed)}`);
  if (f.readersAdded.length) parts.push(`readers +${f.readersAdded.map((x) => p(x)).join(' +')}`);
  if (f.readersRemoved.length) parts.push(`readers -${f.readersRemoved.map((x) => p(x)).join(' -')}`);
  return [`    ${where}: ${parts.join('; ') || 'no key changes'}`];
}
