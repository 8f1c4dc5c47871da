/** What `propose set|unset|promote` print: the pull request, its branch and commit, the key names. */
import { changeLines, impactLine, type ProposeResult } from '../../ops/propose/propose.js';
import type { CommandContext } from './context.js';

export function printProposal(ctx: CommandContext, r: ProposeResult): void {
  const data = { branch: r.branch, commit: r.commit, base: r.base, title: r.title, pr: r.pr, changes: r.changes, targets: r.impact.targets, reviewers: r.reviewers };
  ctx.out.result(data, () => {
    const sync = impactLine(r.impact);
    return [
      `opened pull request #${r.pr.number}: ${r.pr.url}`,
      `  branch   ${r.branch} (pushed to origin, from ${r.base})`,
      `  commit   ${r.commit.slice(0, 12)}  ${r.title}`,
      ...changeLines(r.changes).map((l) => `  change   ${l}`),
      `  on merge ${sync ? `sync updates ${sync}` : 'nothing to sync'}`,
      `  review   ${r.reviewers.join(' ') || '(no code owners)'}`,
    ].join('\n');
  });
}
