import { count, printableName as p } from '../../kernel/names.js';
import { diffRefs, type RefDiff } from '../../ops/secrets/diff.js';
import { Workspace } from '../../ops/context/workspace.js';
import type { CommandContext } from './context.js';

interface Options {
  path?: string;
  exitCode?: true;
}

const describe = (d: RefDiff, a: string, b: string) => {
  const name = p(d.name);
  if (!d.a) return `${name}: only in ${p(b)}`;
  if (!d.b) return `${name}: only in ${p(a)}`;
  const lines = [
    ...d.onlyInA.map((k) => `  - ${p(k)} (only in ${p(a)})`),
    ...d.onlyInB.map((k) => `  + ${p(k)} (only in ${p(b)})`),
    ...d.different.map((k) => `  ~ ${p(k)} (values differ)`),
    ...d.unknown.map((k) => `  ? ${p(k)} (cannot compare: a side you cannot read)`),
  ];
  return lines.length ? `${name}:\n${lines.join('\n')}` : `${name}: same (${count(d.equal.length, 'key')})`;
};

/** With --exit-code: 1 when the two sides differ (as `git diff --exit-code`). */
export default async function diffCommand(ctx: CommandContext, [a, b]: string[], opts: Options): Promise<number> {
  const r = await diffRefs(new Workspace(ctx.global), a!, b!, { path: opts.path });
  ctx.out.result(r, () => (r.refs.map((d) => describe(d, a!, b!)).join('\n') || 'no refs on either side') + (r.same ? '\nno differences' : ''));
  return opts.exitCode && !r.same ? 1 : 0;
}
