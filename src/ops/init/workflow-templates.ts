/**
 * The GitHub Actions workflows `keyfold init` writes (DESIGN §6; S3, S4, S11):
 * `keyfold-validate.yml`, the required check on pull requests, `keyfold-sync.yml`,
 * per-environment re-keying and sync after a merge, and `keyfold-rotate.yml`, the daily
 * credential rotation. String templates, bundled by esbuild.
 *
 * Every action is pinned by a full commit SHA, with its release as a comment.
 */

export const PINNED_ACTIONS = {
  checkout: { uses: 'actions/checkout@11bd71901bbe5b1630ceea73d27597364c9af683', version: 'v4.2.2' },
  setupNode: { uses: 'actions/setup-node@49933ea5288caeca8642d1e84afbd3f7d6820020', version: 'v4.4.0' },
  githubScript: { uses: 'actions/github-script@60a0d83039c74a4aee543508d2ffcb1c3799cdea', version: 'v7.0.1' },
} as const;

export const VALIDATE_WORKFLOW_FILE = '.github/workflows/keyfold-validate.yml';
export const SYNC_WORKFLOW_FILE = '.github/workflows/keyfold-sync.yml';

export interface WorkflowOptions {
  /** Commands that install keyfold in a checkout. Default: `npm ci --ignore-scripts …`. */
  install?: readonly string[];
  /** The command that runs keyfold from a checkout. Default: `npx --no-install keyfold`. */
  keyfold?: string;
  /** The branch that sync runs on and pushes to. Default: `main`. */
  branch?: string;
  /**
   * Run the jobs only when this repository variable is `true` (keyfold's own example
   * tree, whose members are demo identities). Default: always run.
   */
  onlyIfVariable?: string;
}

const DEFAULT_INSTALL = ['npm ci --ignore-scripts --no-audit --no-fund'];
const DEFAULT_KEYFOLD = 'npx --no-install keyfold';

const uses = (a: { uses: string; version: string }) => `${a.uses} # ${a.version}`;

function resolved(o: WorkflowOptions) {
  return {
    install: o.install ?? DEFAULT_INSTALL,
    keyfold: o.keyfold ?? DEFAULT_KEYFOLD,
    branch: o.branch ?? 'main',
    jobIf: o.onlyIfVariable ? `    if: vars.${o.onlyIfVariable} == 'true'\n` : '',
    note: o.onlyIfVariable
      ? `# In this repository the jobs run only when the repository variable ${o.onlyIfVariable}\n# is 'true'.\n`
      : '',
  };
}

function runLines(commands: readonly string[], indent: string): string {
  return commands.length === 1 ? ` ${commands[0]}` : ` |\n${commands.map((c) => `${indent}${c}`).join('\n')}`;
}

/**
 * The pull-request check. It runs on `pull_request_target`, so the workflow file and
 * keyfold itself come from the base branch: it checks out the base, installs keyfold
 * from the base's lockfile without install scripts, fetches the PR head as data into a
 * separate worktree in which nothing runs, and judges it with `keyfold validate --base`,
 * naming the PR opener and every commit author (the least privileged decides, S4).
 */
export function validateWorkflowTemplate(options: WorkflowOptions = {}): string {
  const o = resolved(options);
  return `# keyfold-validate: the required check on pull requests (DESIGN §6). Written by
# \`keyfold init\`; make "keyfold-validate / validate" a required status check.
# A pull request must not be able to change or subvert it:
# - pull_request_target: this file and keyfold come from the BASE branch, not the PR;
# - keyfold is installed from the base's lockfile with --ignore-scripts;
# - the PR head is fetched as data into a separate worktree; nothing in it is run;
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
      - name: Set up Node.js
        uses: ${uses(PINNED_ACTIONS.setupNode)}
        with:
          node-version: 20
      - name: Install keyfold from the base's lockfile (no install scripts)
        working-directory: base
        run:${runLines(o.install, '          ')}
      - name: Fetch the pull request's head as data (a separate worktree; nothing in it runs)
        working-directory: base
        env:
          GH_TOKEN: \${{ github.token }}
          PR_NUMBER: \${{ github.event.pull_request.number }}
          HEAD_SHA: \${{ github.event.pull_request.head.sha }}
          GIT_LFS_SKIP_SMUDGE: '1'
        run: |
          auth="AUTHORIZATION: basic $(printf 'x-access-token:%s' "$GH_TOKEN" | base64 -w0)"
          git -c http.extraheader="$auth" fetch --no-tags origin "+refs/pull/$PR_NUMBER/head:refs/keyfold/pr-head"
          if [ "$(git rev-parse refs/keyfold/pr-head)" != "$HEAD_SHA" ]; then
            echo "::warning::the pull request moved on since this run started; validating $(git rev-parse refs/keyfold/pr-head)"
          fi
          git -c core.hooksPath=/dev/null worktree add --detach "$GITHUB_WORKSPACE/head" refs/keyfold/pr-head
      - name: List the authors by GitHub id (the opener, the pusher, every commit's author and committer)
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
      - name: keyfold validate
        id: validate
        working-directory: base
        env:
          BASE_SHA: \${{ github.event.pull_request.base.sha }}
        run: |
          authors=()
          while IFS= read -r login; do authors+=(--author "$login"); done < "$RUNNER_TEMP/authors.txt"
          set +e
          ${o.keyfold} validate --repo "$GITHUB_WORKSPACE/head" --base "$BASE_SHA" --format github --summary "$RUNNER_TEMP/summary.md" "\${authors[@]}"
          echo "exit=$?" >> "$GITHUB_OUTPUT"
      - name: Post the summary on the pull request
        if: always() && steps.validate.outputs.exit != ''
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
        if: steps.validate.outputs.exit != '0'
        env:
          CODE: \${{ steps.validate.outputs.exit }}
        run: |
          echo "keyfold validate exited with $CODE (3: violations; see the annotations and the comment)"
          exit 1
`;
}

/**
 * After a merge: one job per environment, in a GitHub environment of the same name that
 * holds that environment's CI identity (`KEYFOLD_AGE_KEY`, the private key of the
 * `ci-<env>` member) and its targets' credentials, exposed only to the keyfold steps.
 * `recipients sync --rekey-merged` gives fresh data keys to files whose `sops` block a
 * merge changed (S6); that is committed, then `keyfold sync` pushes to the targets.
 */
export function syncWorkflowTemplate(environments: readonly string[], options: WorkflowOptions = {}): string {
  const o = resolved(options);
  const jobs = environments.map((env) => syncJob(env, o)).join('\n');
  return `# keyfold-sync: after a merge to ${o.branch}, per environment (DESIGN §6). Written by \`keyfold init\`.
# Each job runs in the GitHub environment of the same name (Settings → Environments).
# Give each one:
# - the secret KEYFOLD_AGE_KEY: the private key of that environment's CI member
#   (ci-<env> in policies/access.yaml), and its targets' credentials;
# - deployment branches: ${o.branch} only; prod: required reviewers as well.
# Only the keyfold steps see these secrets. The jobs push the re-encryption to ${o.branch}:
# let GitHub Actions bypass branch protection for that push, or use an app token.
${o.note}name: keyfold-sync
on:
  push:
    branches: [${o.branch}]
  workflow_dispatch:
permissions: {}
jobs:
${jobs}`;
}

function syncJob(env: string, o: ReturnType<typeof resolved>): string {
  const reviewers = /^prod(uction)?$/i.test(env) ? ' # protect it with required reviewers' : '';
  return `  sync-${env}:
    name: sync ${env}
${o.jobIf}    runs-on: ubuntu-latest
    timeout-minutes: 30
    environment: ${env}${reviewers}
    concurrency:
      group: keyfold-sync-${env}
      cancel-in-progress: false
    permissions:
      contents: write # commit the re-encryption; push keyfold's sync state (refs/keyfold/state/*)
    steps:
      - name: Check out ${o.branch}
        uses: ${uses(PINNED_ACTIONS.checkout)}
        with:
          ref: ${o.branch}
          fetch-depth: 0
      - name: Set up Node.js
        uses: ${uses(PINNED_ACTIONS.setupNode)}
        with:
          node-version: 20
      - name: Install keyfold from the lockfile (no install scripts)
        run:${runLines(o.install, '          ')}
      - name: keyfold recipients sync (fresh data keys for files changed by the merge)
        env:
          KEYFOLD_AGE_KEY: \${{ secrets.KEYFOLD_AGE_KEY }}
        run: ${o.keyfold} recipients sync --env ${env} --rekey-merged
      - name: Commit the re-encryption, if anything changed
        env:
          GIT_AUTHOR_NAME: github-actions[bot]
          GIT_AUTHOR_EMAIL: 41898282+github-actions[bot]@users.noreply.github.com
          GIT_COMMITTER_NAME: github-actions[bot]
          GIT_COMMITTER_EMAIL: 41898282+github-actions[bot]@users.noreply.github.com
        run: |
          git add -A -- secrets/${env}
          if git diff --cached --quiet; then echo "nothing to commit"; exit 0; fi
          git commit -q -m "keyfold: recipients sync (${env})"
          for attempt in 1 2 3; do
            if git push origin HEAD:${o.branch}; then exit 0; fi
            git pull --rebase origin ${o.branch}
          done
          exit 1
      - name: keyfold sync
        env:
          KEYFOLD_AGE_KEY: \${{ secrets.KEYFOLD_AGE_KEY }}
          # The targets' credentials, as secrets of this environment, e.g.
          # KEYFOLD_GITHUB_TOKEN: \${{ secrets.KEYFOLD_GITHUB_TOKEN }}
        run: ${o.keyfold} sync --env ${env}
`;
}

export const ROTATE_WORKFLOW_FILE = '.github/workflows/keyfold-rotate.yml';

/**
 * The scheduled rotation: daily, one job per environment in the GitHub environment of
 * the same name (its CI identity reads the secrets it rotates; the rotators' management
 * credentials and the targets' credentials are secrets of that environment too).
 * `rotation run --due --env ENV` commits each rotation, the job pushes the commits, then
 * syncs the environment itself — a push made with the workflow's token starts no other
 * workflow — and pushes keyfold's sync state, which the next run reads to revoke old
 * credentials once the new value is at every target and the grace has passed.
 */
export function rotateWorkflowTemplate(environments: readonly string[], options: WorkflowOptions = {}): string {
  const o = resolved(options);
  return `# keyfold-rotate: daily credential rotation (\`rotation:\` in keyfold.yaml). Written by \`keyfold init\`.
# Each job runs in the GitHub environment of the same name (as keyfold-sync), which holds:
# - KEYFOLD_AGE_KEY: the private key of that environment's CI member (ci-<env>);
# - the rotators' management credentials (OPENROUTER_MANAGEMENT_KEY, PG_ADMIN_URL, or
#   the names set with management_key_env / admin_url_env) and the targets' credentials.
# A rotation is committed (names only, never a value) and pushed to ${o.branch}. A push made
# with the workflow's token starts no other workflow, so the job syncs the environment
# itself and pushes keyfold's sync state (refs/keyfold/state/*): old credentials are
# revoked by a later run, once the new value is at every target and the grace has passed.
${o.note}name: keyfold-rotate
on:
  schedule:
    - cron: '23 4 * * *'
  workflow_dispatch:
permissions: {}
jobs:
${environments.map((env) => rotateJob(env, o)).join('\n')}`;
}

/** Setting up Node.js and installing keyfold: the steps a different install (an action) replaces. */
function rotateInstallSteps(o: ReturnType<typeof resolved>): string {
  return `      - name: Set up Node.js
        uses: ${uses(PINNED_ACTIONS.setupNode)}
        with:
          node-version: 20
      - name: Install keyfold from the lockfile (no install scripts)
        run:${runLines(o.install, '          ')}
`;
}

function rotateJob(env: string, o: ReturnType<typeof resolved>): string {
  const bot = `          GIT_AUTHOR_NAME: github-actions[bot]
          GIT_AUTHOR_EMAIL: 41898282+github-actions[bot]@users.noreply.github.com
          GIT_COMMITTER_NAME: github-actions[bot]
          GIT_COMMITTER_EMAIL: 41898282+github-actions[bot]@users.noreply.github.com`;
  return `  rotate-${env}:
    name: rotate ${env}
${o.jobIf}    runs-on: ubuntu-latest
    timeout-minutes: 30
    environment: ${env}
    concurrency:
      group: keyfold-sync-${env} # never beside a sync of the same environment
      cancel-in-progress: false
    permissions:
      contents: write # push the rotation commits and keyfold's sync state
    steps:
      - name: Check out ${o.branch} with its full history (the values' ages come from it)
        uses: ${uses(PINNED_ACTIONS.checkout)}
        with:
          ref: ${o.branch}
          fetch-depth: 0
${rotateInstallSteps(o)}      - name: Fetch keyfold's sync state (what each target holds)
        run: git fetch --no-tags origin '+refs/keyfold/state/*:refs/keyfold/state/*' || echo "no sync state yet"
      - name: keyfold rotation run --due
        id: rotate
        env:
          KEYFOLD_AGE_KEY: \${{ secrets.KEYFOLD_AGE_KEY }}
          OPENROUTER_MANAGEMENT_KEY: \${{ secrets.OPENROUTER_MANAGEMENT_KEY }}
          PG_ADMIN_URL: \${{ secrets.PG_ADMIN_URL }}
${bot}
        run: |
          set +e
          ${o.keyfold} rotation run --due --env ${env}
          echo "exit=$?" >> "$GITHUB_OUTPUT"
      - name: Push the rotation commits
        run: |
          if [ "$(git rev-list --count "origin/${o.branch}..HEAD")" = 0 ]; then echo "nothing to push"; exit 0; fi
          for attempt in 1 2 3; do
            if git push origin "HEAD:${o.branch}"; then exit 0; fi
            git pull --rebase origin ${o.branch}
          done
          exit 1
      - name: keyfold sync, then push its state
        env:
          KEYFOLD_AGE_KEY: \${{ secrets.KEYFOLD_AGE_KEY }}
          # The targets' credentials, as secrets of this environment, e.g.
          # KEYFOLD_GITHUB_TOKEN: \${{ secrets.KEYFOLD_GITHUB_TOKEN }}
        run: |
          ${o.keyfold} sync --env ${env}
          git push --force origin 'refs/keyfold/state/*:refs/keyfold/state/*'
      - name: Fail when a rotation failed
        if: steps.rotate.outputs.exit != '0'
        env:
          CODE: \${{ steps.rotate.outputs.exit }}
        run: |
          echo "keyfold rotation run exited with $CODE; see its output above"
          exit 1
`;
}
