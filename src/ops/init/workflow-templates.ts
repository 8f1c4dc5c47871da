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
import { rotateWorkflowTemplate } from './rotate-workflow.js';
import { BOT, PINNED_ACTIONS, ROTATE_WORKFLOW_FILE, SYNC_WORKFLOW_FILE, VALIDATE_WORKFLOW_FILE, actionUses, envLines, keyfoldStep, resolved, runsLine, secretVars, setupNodeAndInstall, uses, type Resolved, type WorkflowOptions } from './workflow-parts.js';

export { DEFAULT_ACTION_REF, KEYFOLD_ACTION_REPO, PINNED_ACTIONS, PLACEHOLDER_ACTION_SHA, ROTATE_WORKFLOW_FILE, SYNC_WORKFLOW_FILE, VALIDATE_WORKFLOW_FILE, type WorkflowOptions } from './workflow-parts.js';
export { rotateWorkflowTemplate } from './rotate-workflow.js';

/** The variable each rotator reads its management credential from, and its default. */
const ROTATOR_SECRETS: Readonly<Record<string, readonly [setting: string, fallback: string]>> = {
  openrouter: ['management_key_env', 'OPENROUTER_MANAGEMENT_KEY'],
  postgres: ['admin_url_env', 'PG_ADMIN_URL'],
};

/** Environment → the management credentials of the rotations of keyfold.yaml in it. */
function rotationSecrets(config: KeyfoldConfig): Record<string, string[]> {
  const out: Record<string, Set<string>> = {};
  for (const r of Object.values(config.rotation)) {
    const known = ROTATOR_SECRETS[r.rotator];
    if (!known) continue;
    const set = r.with[known[0]];
    const name = typeof set === 'string' && /^[A-Za-z_][A-Za-z0-9_]*$/.test(set) ? set : known[1];
    (out[refEnv(r.ref)] ??= new Set()).add(name);
  }
  return Object.fromEntries(Object.entries(out).map(([env, names]) => [env, [...names].sort()]));
}

/** The workflow options keyfold.yaml's `ci:` block sets. */
export function workflowOptions(config: KeyfoldConfig): WorkflowOptions {
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

/** Both workflows, as keyfold.yaml generates them. */
export function generateWorkflows(config: KeyfoldConfig): Array<{ file: string; text: string }> {
  const o = workflowOptions(config);
  return [
    { file: VALIDATE_WORKFLOW_FILE, text: validateWorkflowTemplate(o) },
    { file: SYNC_WORKFLOW_FILE, text: syncWorkflowTemplate(config.environments, o) },
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
export function validateWorkflowTemplate(options: WorkflowOptions = {}): string {
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

/**
 * After a push to the branch: one job per environment (see syncJob). One job per
 * environment rather than a matrix over `keyfold sync --plan --json`'s groups: the
 * plan decrypts values, so it needs that environment's identity, and the re-key must
 * be committed once per environment before its targets sync — a job per environment
 * keeps each identity in its own job, serialises runs per environment (concurrency),
 * and syncs that environment's targets one after another.
 */
export function syncWorkflowTemplate(environments: readonly string[], options: WorkflowOptions = {}): string {
  const o = resolved(options);
  const jobs = environments.map((env) => syncJob(env, o)).join('\n');
  return `# keyfold-sync: after a push to ${o.branch}, one job per environment of keyfold.yaml (README, CI).
# Generated by keyfold from keyfold.yaml (do not edit: \`keyfold validate\` reports a hand
# edit; change ci: in keyfold.yaml and run \`keyfold recipients sync\`).
${runsLine(o, '# ', '.')}# Each job runs in the GitHub environment of the same name (Settings → Environments).
# Give each one:
# - the secret KEYFOLD_AGE_KEY: the private key of that environment's CI member
#   (ci-<env> in policies/access.yaml, kind: machine), and its targets' credentials
#   (listed under ci.sync_secrets in keyfold.yaml);
# - deployment branches: ${o.branch} only; prod: required reviewers as well.
# Only the keyfold steps see these secrets. A job re-keys the files merged since the last
# re-key (S6), commits that and pushes it to ${o.branch} (let GitHub Actions bypass branch
# protection for that push, or use an app token), syncs, and pushes keyfold's state refs.
# A file the CI identity cannot open fails the job (exit 4) before anything is synced.
# \`sync --allow-branch\`: a job syncs the commit it checked out and re-keyed, which a newer
# push may have passed; that push's run is queued behind it (one run per environment).
${o.note}name: keyfold-sync
on:
  push:
    branches: [${o.branch}]
  workflow_dispatch:
permissions: {}
jobs:
${jobs}`;
}

function syncJob(env: string, o: Resolved): string {
  const reviewers = /^prod(uction)?$/i.test(env) ? ' # protect it with required reviewers' : '';
  const identity = { KEYFOLD_AGE_KEY: '${{ secrets.KEYFOLD_AGE_KEY }}' };
  const secrets = secretVars(o.syncSecrets[env]);
  const rekey = keyfoldStep(
    o,
    'recipients-sync',
    env,
    { ...identity, ...BOT, ...(o.npm ? { BEFORE: '${{ github.event.before }}' } : {}) },
    '--rekey-merged --commit ${BEFORE:+--since="$BEFORE"}',
    "--rekey-merged --commit ${{ github.event.before && format('--since={0}', github.event.before) || '' }}",
  );
  const sync = keyfoldStep(o, 'sync', env, { ...identity, ...secrets }, '--allow-branch');
  return `  sync-${env}:
    name: sync ${env}
${o.jobIf}    runs-on: ubuntu-latest
    timeout-minutes: 30
    environment: ${env}${reviewers}
    concurrency:
      group: keyfold-sync-${env}
      cancel-in-progress: false
    permissions:
      contents: write # push the re-key commit and keyfold's state refs (refs/keyfold/*)
    steps:
      - name: Check out the pushed commit
        uses: ${uses(PINNED_ACTIONS.checkout)}
        with:
          ref: \${{ github.sha }}
          fetch-depth: 0
${o.npm ? setupNodeAndInstall() : ''}      - name: Fetch keyfold's state refs (checkout fetches only branches and tags)
        id: state
        run: |
          git fetch --no-tags origin '+refs/keyfold/*:refs/keyfold/*'
          git for-each-ref --format='%(objectname) %(refname)' refs/keyfold/ > "$RUNNER_TEMP/keyfold-refs"
      - name: Re-key the files merged since the last re-key (S6) and commit them
        id: rekey
${rekey}      - name: Push the re-key commit (rebased and retried when ${o.branch} moved on)
        if: \${{ !cancelled() && steps.rekey.outcome != 'skipped' }}
        env:
${envLines({ ...BOT, BRANCH: o.branch }, '          ')}        run: |
          if [ "$(git rev-parse HEAD)" = "$GITHUB_SHA" ]; then echo "nothing was re-keyed"; exit 0; fi
          for attempt in 1 2 3 4 5; do
            if git push origin "HEAD:refs/heads/$BRANCH"; then exit 0; fi
            sleep "$attempt"
            git fetch --no-tags origin "$BRANCH"
            if ! git rebase "origin/$BRANCH"; then
              git rebase --abort
              echo "::error::the re-key commit conflicts with $BRANCH; the next push's run re-keys again"
              exit 1
            fi
          done
          exit 1
      - name: keyfold sync
${sync}      - name: Push keyfold's state refs (only those this job changed)
        if: \${{ !cancelled() && steps.state.outcome == 'success' }}
        run: |
          status=0
          while read -r oid ref; do
            old=$(awk -v r="$ref" '$2 == r { print $1 }' "$RUNNER_TEMP/keyfold-refs")
            [ "$oid" = "$old" ] && continue
            git push --no-verify origin --force-with-lease="$ref:$old" "$ref:$ref" || status=1
          done < <(git for-each-ref --format='%(objectname) %(refname)' refs/keyfold/)
          exit "$status"
`;
}
