/**
 * `validate`: the files generated from the policy — `.sops.yaml` and
 * `.github/CODEOWNERS` — must equal what the judging policy generates (S3): with
 * `--base`, the base commit's policy, so a change cannot loosen its own review. The
 * keyfold workflows likewise equal what the judging keyfold.yaml generates (rule
 * `workflows`): a PR cannot change how its own check or the sync job runs.
 */
import { join } from 'node:path';
import type { AccessPolicy } from '../../config/access-policy.js';
import type { KeyfoldConfig } from '../../config/keyfold-config.js';
import { CODEOWNERS_FILE, generateCodeowners } from '../../core/codeowners.js';
import { NotFoundError, isKeyfoldError } from '../../kernel/errors.js';
import { SOPS_CONFIG_FILE, generateSopsConfig } from '../../core/sops-config.js';
import type { RuleId, Violation } from '../../core/violation.js';
import { SYNC_WORKFLOW_FILE, VALIDATE_WORKFLOW_FILE, generateWorkflows } from '../init/workflow-templates.js';
import { readTextFile } from '../../repo/secrets-tree.js';

export interface GeneratedJudge {
  /** (policy, config) pairs whose output is acceptable; the first is reported against. */
  sources: ReadonlyArray<{ policy: AccessPolicy; config: KeyfoldConfig }>;
  /** Words for messages: "the base commit's policy" or "the policy". */
  describe: string;
}

const workflow = (file: string) => (_policy: AccessPolicy, config: KeyfoldConfig) => generateWorkflows(config).find((w) => w.file === file)!.text;

const GENERATED: ReadonlyArray<{ file: string; rule: RuleId; generate: (policy: AccessPolicy, config: KeyfoldConfig) => string; from?: string }> = [
  { file: SOPS_CONFIG_FILE, rule: 'sops-config', generate: generateSopsConfig },
  { file: CODEOWNERS_FILE, rule: 'codeowners', generate: generateCodeowners },
  { file: VALIDATE_WORKFLOW_FILE, rule: 'workflows', generate: workflow(VALIDATE_WORKFLOW_FILE), from: 'keyfold.yaml' },
  { file: SYNC_WORKFLOW_FILE, rule: 'workflows', generate: workflow(SYNC_WORKFLOW_FILE), from: 'keyfold.yaml' },
];

export function checkGeneratedFiles(root: string, judge: GeneratedJudge): Violation[] {
  const out: Violation[] = [];
  if (judge.sources.length === 0) return out;
  for (const g of GENERATED) {
    let actual: string | undefined;
    try {
      actual = readTextFile(join(root, g.file), g.file);
    } catch (e) {
      if (!(e instanceof NotFoundError)) {
        if (!isKeyfoldError(e)) throw e;
        out.push({ file: g.file, line: 1, rule: g.rule, message: e.message });
        continue;
      }
    }
    const expected = judge.sources.map((s) => g.generate(s.policy, s.config));
    const describe = g.from ? judge.describe.replace(/^the policy$/, g.from).replace(/policy$/, g.from) : judge.describe;
    if (actual === undefined) {
      out.push({ file: g.file, line: 1, rule: g.rule, message: `is missing; it must hold what ${describe} generates (\`keyfold recipients sync\` writes it)` });
      continue;
    }
    if (expected.some((e) => normalize(e) === normalize(actual))) continue;
    out.push({
      file: g.file,
      line: firstDifference(normalize(actual), normalize(expected[0]!)),
      rule: g.rule,
      message: `differs from what ${describe} generates (first difference on this line); regenerate it with \`keyfold recipients sync\` instead of editing it by hand`,
    });
  }
  return out;
}

/** Line endings and trailing blank lines do not count. */
function normalize(text: string): string {
  return text.replace(/\r\n/g, '\n').replace(/\s+$/, '') + '\n';
}

function firstDifference(a: string, b: string): number {
  const x = a.split('\n');
  const y = b.split('\n');
  for (let i = 0; i < Math.max(x.length, y.length); i++) if (x[i] !== y[i]) return i + 1;
  return 1;
}
