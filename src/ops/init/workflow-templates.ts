/**
 * The GitHub Actions workflows keyfold generates (README, CI; S3, S4, S6, S11):
 * `keyfold-validate.yml`, the required check on pull requests, `keyfold-sync.yml`,
 * one job per environment that re-keys merged files and syncs after a push, and
 * `keyfold-rotate.yml` (rotate-workflow.ts), the daily credential rotation. All three
 * come from keyfold.yaml (its environments and `ci:`), are written by `keyfold init`,
 * rewritten with the other generated files (`recipients sync`, `member add/remove`) and
 * checked by `validate` (rule `workflows`). keyfold runs in them as the keyfold GitHub
 * Action (action.yml at keyfold's root: the CLI as one committed file) pinned by commit —
 * the default, so a secrets repository needs no package.json — or (`ci.install: npm`)
 * from the repository's own lockfile (workflow-parts.ts).
 */
import type { KeyfoldConfig } from '../../config/keyfold-config.js';
import { refEnv } from '../../kernel/ref.js';
import { ConfigError } from '../../kernel/errors.js';
import { rotatorType } from '../../rotators/registry.js';
import { syncGroups } from '../sync/groups.js';
import { syncTargets } from '../sync/targets.js';
import { rotateWorkflowTemplate } from './rotate-workflow.js';
import { syncWorkflowTemplate, type SyncJobGroups } from './sync-workflow.js';
import { PINNED_ACTIONS, ROTATE_WORKFLOW_FILE, SYNC_WORKFLOW_FILE, VALIDATE_WORKFLOW_FILE, actionUses, resolved, runsLine, setupNodeAndInstall, uses, type WorkflowOptions } from './workflow-parts.js';

export { DEFAULT_ACTION_REF, PINNED_ACTIONS, ROTATE_WORKFLOW_FILE, SYNC_WORKFLOW_FILE, VALIDATE_WORKFLOW_FILE, type WorkflowOptions } from './workflow-parts.js';
export { rotateWorkflowTemplate } from './rotate-workflow.js';

/** Environment → the management credentials of the rotations of keyfold.yaml in it. */
function rotationSecrets(config: KeyfoldConfig): Record<string, string[]> {
  const out: Record<string, Set<string>> = {};
  for (const r of Object.values(config.rotation)) {
    for (const name of rotatorType(r.rotator)?.credentialEnv?.(r.with) ?? []) (out[refEnv(r.ref)] ??= new Set()).add(name);
  }
  return Object.fromEntries(Object.entries(out).map(([env, names]) => [env, [...names].sort()]));
}

/** The workflow options keyfold.yaml's `ci:` block sets. */
function workflowOptions(config: KeyfoldConfig): WorkflowOptions {
  const ci = config.ci ?? {};
  return {
    ...(ci.install ? { install: ci.install } : {}),
    ...(ci.action ? { actionRef: ci.action } : {}),
    ...(ci.branch ? { branch: ci.branch } : {}),
    ...(ci.only_if_variable ? { onlyIfVariable: ci.only_if_variable } : {}),
    ...(ci.sync_secrets ? { syncSecrets: ci.sync_secrets } : {}),
    rotationSecrets: rotationSecrets(config),
  };
}

/**
 * Each environment's sync targets in groups of jobs, as `sync --plan --json` groups them
 * (by name, nothing decrypted). A keyfold.yaml whose targets do not resolve (validate
 * reports it as `config`) gets one job per environment.
 */
function jobGroups(config: KeyfoldConfig): SyncJobGroups {
  let targets;
  try {
    targets = syncTargets(config);
  } catch (e) {
    // Only keyfold.yaml's own problems (reported by validate); anything else is a bug to surface.
    if (!(e instanceof ConfigError)) throw e;
    return {};
  }
  const out: Record<string, string[][]> = {};
  for (const g of syncGroups(targets)) (out[g.env] ??= []).push(g.targets);
  return out;
}

/** The three workflows, as keyfold.yaml generates them. */
export function generateWorkflows(config: KeyfoldConfig): Array<{ file: string; text: string }> {
  const o = workflowOptions(config);
  return [
    { file: VALIDATE_WORKFLOW_FILE, text: validateWorkflowTemplate(o) },
    { file: SYNC_WORKFLOW_FILE, text: syncWorkflowTemplate(config.environments, o, jobGroups(config)) },
    { file: ROTATE_WORKFLOW_FILE, text: rotateWorkflowTemplate(config.environments, o) },
  ];
}

/**
 * The pull-request check. It runs on `pull_request_target`, so the workflow file and
 * keyfold itself come from the base branch (or the pinned action): it checks out the
 * base, fetches the PR head as data into a separate worktree in which nothing runs,
 * and judges it with `keyfold validate --base`, naming the PR opener and every commit
 * author (the least privileged decides, S4).
 */
function validateWorkflowTemplate(options: WorkflowOptions = {}): string {
  const o = resolved(options);
  const validateStep = o.npm
    ? `      - name: keyfold validate
        id: validate
        continue-on-error: true
        working-directory: base
        env:
          BASE_SHA: \${{ github.event.pull_request.base.sha }}
        run: |
          authors=()
          while IFS= read -r login; do authors+=(--author "$login"); done < "$RUNNER_TEMP/authors.txt"
          set +e
          npx --no-install keyfold validate --repo "$GITHUB_WORKSPACE/head" --base "$BASE_SHA" --format github --summary "$RUNNER_TEMP/summary.md" "\${authors[@]}"
          code=$?
          echo "exit-code=$code" >> "$GITHUB_OUTPUT"
          exit "$code"
`
    : `      - name: keyfold validate
        id: validate
        continue-on-error: true
        uses: ${actionUses(o, 'base')}
        with:
          command: validate
          working-directory: base
          args: |
            --repo=\${{ github.workspace }}/head
            --base=\${{ github.event.pull_request.base.sha }}
            --format=github
            --summary=\${{ runner.temp }}/summary.md
            \${{ steps.authors.outputs.args }}
`;
  return `# keyfold-validate: the required check on pull requests (README, CI). Generated by keyfold
# from keyfold.yaml (do not edit: \`keyfold validate\` reports a hand edit; change ci: in
# keyfold.yaml and run \`keyfold recipients sync\`). Make "keyfold-validate / validate" a
# required status check. A pull request must not be able to change or subvert it:
# - pull_request_target: this file and keyfold come from the BASE branch, not the PR;
${runsLine(o, '# - ', ';')}# - the PR head is fetched as data into a separate worktree; nothing in it is run;
# - no secrets; the token reads contents and writes the summary comment, nothing else.
${o.note}name: keyfold-validate
on:
  pull_request_target:
    types: [opened, synchronize, reopened, ready_for_review, edited]
permissions: {}
concurrency:
  group: keyfold-validate-\${{ github.event.pull_request.number }}
  cancel-in-progress: true
jobs:
  validate:
${o.jobIf}    runs-on: ubuntu-latest
    timeout-minutes: 15
    permissions:
      contents: read
      pull-requests: write # only to post the summary comment
    steps:
      - name: Check out the base branch (never the pull request's code)
        uses: ${uses(PINNED_ACTIONS.checkout)}
        with:
          ref: \${{ github.event.pull_request.base.sha }}
          path: base
          fetch-depth: 0
          persist-credentials: false
${o.npm ? setupNodeAndInstall('base') : ''}      - name: Fetch the pull request's head as data (a separate worktree; nothing in it runs)
        working-directory: base
        env:
          GH_TOKEN: \${{ github.token }}
          PR_NUMBER: \${{ github.event.pull_request.number }}
          HEAD_SHA: \${{ github.event.pull_request.head.sha }}
          GIT_LFS_SKIP_SMUDGE: '1'
        run: |
          auth="AUTHORIZATION: basic $(printf 'x-access-token:%s' "$GH_TOKEN" | base64 -w0)"
          # The head, and the re-key states (files CI could not open are listed in the summary).
          git -c http.extraheader="$auth" fetch --no-tags origin "+refs/pull/$PR_NUMBER/head:refs/keyfold/pr-head" '+refs/keyfold/rekeyed/*:refs/keyfold/rekeyed/*'
          if [ "$(git rev-parse refs/keyfold/pr-head)" != "$HEAD_SHA" ]; then
            echo "::warning::the pull request moved on since this run started; validating $(git rev-parse refs/keyfold/pr-head)"
          fi
          git -c core.hooksPath=/dev/null worktree add --detach "$GITHUB_WORKSPACE/head" refs/keyfold/pr-head
      - name: List the authors by GitHub id (the opener, the pusher, every commit's author and committer)
        id: authors
        env:
          GH_TOKEN: \${{ github.token }}
          REPO: \${{ github.repository }}
          PR_NUMBER: \${{ github.event.pull_request.number }}
          OPENER_ID: \${{ github.event.pull_request.user.id }}
          OPENER: \${{ github.event.pull_request.user.login }}
          SENDER_ID: \${{ github.event.sender.id }}
          SENDER: \${{ github.event.sender.login }}
          COMMITS: \${{ github.event.pull_request.commits }}
        run: |
          # GitHub lists at most 250 commits of a pull request; judging fewer than all is not an option.
          if [ "$COMMITS" -gt 250 ]; then echo "::error::more than 250 commits; split the pull request"; exit 1; fi
          # Ids, never logins (a login can look like an id). A commit whose e-mail is linked to no
          # account is an unknown author. GitHub's own committer (web-flow, id 19864447: web
          # edits, "Update branch") is not an author; the commit's author still is.
          { printf 'id:%s,login:%s\\n' "$OPENER_ID" "$OPENER" "$SENDER_ID" "$SENDER"
            gh api --paginate "repos/$REPO/pulls/$PR_NUMBER/commits" --jq '.[] |
              (if .author.id then "id:\\(.author.id),login:\\(.author.login)" else "unlinked-commit-author:\\(.sha[0:12])" end),
              (if .committer.id == 19864447 then empty elif .committer.id then "id:\\(.committer.id),login:\\(.committer.login)" else "unlinked-commit-committer:\\(.sha[0:12])" end)'
          } | sort -u > "$RUNNER_TEMP/authors.txt"
          cat "$RUNNER_TEMP/authors.txt"
          # For keyfold's arguments: one --author=… per author (logins and ids hold no spaces).
          { echo 'args<<KEYFOLD_AUTHORS'; sed 's/^/--author=/' "$RUNNER_TEMP/authors.txt"; echo 'KEYFOLD_AUTHORS'; } >> "$GITHUB_OUTPUT"
${validateStep}      - name: Post the summary on the pull request
        if: always() && (steps.validate.outcome == 'success' || steps.validate.outcome == 'failure')
        uses: ${uses(PINNED_ACTIONS.githubScript)}
        env:
          SUMMARY: \${{ runner.temp }}/summary.md
        with:
          script: |
            const fs = require('node:fs');
            if (!fs.existsSync(process.env.SUMMARY)) return;
            const marker = '<!-- keyfold-validate -->';
            const body = \`\${marker}\\n\${fs.readFileSync(process.env.SUMMARY, 'utf8')}\`.slice(0, 65000);
            const { owner, repo } = context.repo;
            const issue_number = context.payload.pull_request.number;
            const comments = await github.paginate(github.rest.issues.listComments, { owner, repo, issue_number, per_page: 100 });
            const previous = comments.find((c) => c.user?.type === 'Bot' && c.body?.startsWith(marker));
            if (previous) await github.rest.issues.updateComment({ owner, repo, comment_id: previous.id, body });
            else await github.rest.issues.createComment({ owner, repo, issue_number, body });
      - name: Fail on violations
        if: steps.validate.outcome == 'failure'
        env:
          CODE: \${{ steps.validate.outputs.exit-code }}
        run: |
          echo "keyfold validate failed (exit \${CODE:-unknown}; 3: violations, see the annotations and the comment)"
          exit 1
`;
}
