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
    ctx.out.info(`(${r.hiddenReencryptions} re-encryption commit(s) not shown: the key's ciphertext changed with a fresh data key; --decrypt checks whether its value changed)`);
  }
  if (r.entries.length === 0) ctx.out.info('no matching history');
}

function entryText(e: LogEntry): string {
  const head = `commit ${e.sha.slice(0, 12)}${e.pr !== undefined ? ` (#${e.pr})` : ''}  ${e.date.slice(0, 10)}  ${e.author} <${e.email}>`;
  const lines = [head, `    ${e.subject}`];
  for (const f of e.files) lines.push(...fileLines(f));
  if (e.policy) lines.push('    policy: policies/access.yaml changed');
  return lines.join('\n');
}

function fileLines(f: LogFile): string[] {
  const where = f.from ? `${f.ref} (renamed from ${f.from})` : f.ref;
  const parts: string[] = [];
  if (f.status === 'added') parts.push('created');
  if (f.status === 'deleted') parts.push('deleted');
  if (f.reencrypted) {
    parts.push(f.confirmed ? `re-encrypted (fresh data key); values changed: ${f.confirmed.join(', ') || 'none'}` : 're-encrypted (fresh data key)');
  }
  if (f.added.length && f.status !== 'deleted') parts.push(`+ ${f.added.join(', ')}`);
  if (!f.reencrypted && f.changed.length) parts.push(`~ ${f.changed.join(', ')}`);
  if (f.removed.length && f.status !== 'deleted') parts.push(`- ${f.removed.join(', ')}`);
  if (f.status === 'deleted') parts.push(`keys ${f.removed.join(', ')}`);
  if (f.readersAdded.length) parts.push(`readers +${f.readersAdded.join(' +')}`);
  if (f.readersRemoved.length) parts.push(`readers -${f.readersRemoved.join(' -')}`);
  return [`    ${where}: ${parts.join('; ') || 'no key changes'}`];
}
