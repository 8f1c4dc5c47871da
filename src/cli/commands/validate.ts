import { count } from '../../kernel/names.js';
import { ViolationsError } from '../../kernel/errors.js';
import { formatViolation, githubAnnotation } from '../../core/violation.js';
import { encodeJson } from '../../formats/json.js';
import { validate } from '../../ops/validate/validate.js';
import { writeSummary } from '../../ops/validate/summary.js';
import { Workspace } from '../../ops/context/workspace.js';
import type { CommandContext } from './context.js';

interface Options {
  base?: string;
  /** GitHub logins or numeric ids (PR authorship), unlike `log --git-author`. */
  author?: string[];
  format: 'text' | 'json' | 'github';
  summary?: string;
  json?: boolean;
}

export default async function validateCommand(ctx: CommandContext, _args: string[], opts: Options): Promise<void> {
  const format = opts.json ? 'json' : opts.format;
  const base = opts.base;
  const given = opts.author;
  const actor = ctx.io.env['GITHUB_ACTOR'];
  const authors = given ?? (base !== undefined && actor ? [actor] : []);
  const summaryFile = opts.summary;
  const r = await validate(new Workspace(ctx.global), { base, authors, summary: summaryFile !== undefined });
  if (summaryFile !== undefined) writeSummary(ctx.io.cwd, summaryFile, r.summary!);

  const n = r.violations.length;
  const last = n === 0 ? `ok: no violations (${count(r.files, 'file')} under secrets/)` : count(n, 'violation');
  if (format === 'json') ctx.out.raw(encodeJson({ ok: r.ok, violations: r.violations, changed: r.changed }) + '\n');
  else if (format === 'github') ctx.out.raw([...r.violations.map(githubAnnotation), last].join('\n') + '\n');
  else ctx.out.raw([...r.violations.map(formatViolation), last].join('\n') + '\n');
  if (n > 0) throw new ViolationsError(`validation found ${count}`, { hint: 'each line names the file, line and rule; see docs/validation.md' });
}
