/**
 * What the generated workflows share: the pinned actions, the options keyfold.yaml's
 * `ci:` sets, and the steps that run keyfold — the keyfold action, or npx from the
 * repository's lockfile (`ci.install: npm`). Every action is pinned by a full commit SHA,
 * with its release as a comment.
 */

export const PINNED_ACTIONS = {
  checkout: { uses: 'actions/checkout@11bd71901bbe5b1630ceea73d27597364c9af683', version: 'v4.2.2' },
  setupNode: { uses: 'actions/setup-node@49933ea5288caeca8642d1e84afbd3f7d6820020', version: 'v4.4.0' },
  githubScript: { uses: 'actions/github-script@60a0d83039c74a4aee543508d2ffcb1c3799cdea', version: 'v7.0.1' },
} as const;

/** keyfold's repository, whose root is the keyfold action. */
export const KEYFOLD_ACTION_REPO = 'keyfold/keyfold';
/**
 * Not a real commit: the action's default pin until the repository names the keyfold
 * release it trusts (`keyfold init --action-ref OWNER/REPO@SHA`, or `ci.action` in
 * keyfold.yaml). Workflows pinned to it fail to start, on purpose.
 */
export const PLACEHOLDER_ACTION_SHA = '0'.repeat(40);
export const DEFAULT_ACTION_REF = `${KEYFOLD_ACTION_REPO}@${PLACEHOLDER_ACTION_SHA}`;

export const VALIDATE_WORKFLOW_FILE = '.github/workflows/keyfold-validate.yml';
export const SYNC_WORKFLOW_FILE = '.github/workflows/keyfold-sync.yml';
export const ROTATE_WORKFLOW_FILE = '.github/workflows/keyfold-rotate.yml';

export interface WorkflowOptions {
  /** `action` (default): the keyfold action at `actionRef`; `npm`: `npm ci --ignore-scripts` and `npx keyfold`. */
  install?: 'action' | 'npm';
  /** `OWNER/REPO@SHA` of the keyfold action, or `./` for the action at the repository's root. Default: DEFAULT_ACTION_REF. */
  actionRef?: string;
  /** The branch that sync runs on and pushes to. Default: `main`. */
  branch?: string;
  /** Run the jobs only when this repository variable is `true`. Default: always run. */
  onlyIfVariable?: string;
  /** Environment → names of its GitHub environment's secrets passed to `keyfold sync`. */
  syncSecrets?: Readonly<Record<string, readonly string[]>>;
  /** Environment → the rotators' management credentials `rotation run` reads there. */
  rotationSecrets?: Readonly<Record<string, readonly string[]>>;
}

export const uses = (a: { uses: string; version: string }) => `${a.uses} # ${a.version}`;

export const BOT = {
  GIT_AUTHOR_NAME: 'github-actions[bot]',
  GIT_AUTHOR_EMAIL: '41898282+github-actions[bot]@users.noreply.github.com',
  GIT_COMMITTER_NAME: 'github-actions[bot]',
  GIT_COMMITTER_EMAIL: '41898282+github-actions[bot]@users.noreply.github.com',
};

/** The branch the workflows run on unless keyfold.yaml's `ci.branch` says otherwise. */
export const DEFAULT_BRANCH = 'main';

export function resolved(o: WorkflowOptions) {
  const npm = o.install === 'npm';
  const actionRef = o.actionRef ?? DEFAULT_ACTION_REF;
  return {
    npm,
    actionRef,
    placeholder: !npm && actionRef.endsWith(`@${PLACEHOLDER_ACTION_SHA}`),
    branch: o.branch ?? DEFAULT_BRANCH,
    syncSecrets: o.syncSecrets ?? {},
    rotationSecrets: o.rotationSecrets ?? {},
    jobIf: o.onlyIfVariable ? `    if: vars.${o.onlyIfVariable} == 'true'\n` : '',
    note: o.onlyIfVariable ? `# The jobs run only when the repository variable ${o.onlyIfVariable} is 'true'.\n` : '',
  };
}
export type Resolved = ReturnType<typeof resolved>;

/** How the header says keyfold runs. */
export function runsLine(o: Resolved, prefix: string, end: string): string {
  if (o.npm) return `${prefix}keyfold runs from this repository's package-lock.json (npm ci --ignore-scripts; ci.install: npm)${end}\n`;
  if (o.actionRef === './') return `${prefix}keyfold runs as the keyfold action at this repository's root (ci.action: ./)${end}\n`;
  const pin = o.placeholder ? ' — a placeholder: set ci.action in keyfold.yaml to the release you trust' : ', pinned by commit';
  return `${prefix}keyfold runs as the keyfold GitHub Action ${o.actionRef}${pin}${end}\n`;
}

/** The `uses:` of the keyfold action, whose checkout of this repository is at `checkoutPath`. */
export function actionUses(o: Resolved, checkoutPath: string): string {
  if (o.actionRef === './') return checkoutPath === '.' ? './' : `./${checkoutPath}`;
  return o.placeholder ? `${o.actionRef} # placeholder: the keyfold release you trust` : o.actionRef;
}

/** `NAME: ${{ secrets.NAME }}` for each name (the identity is passed on its own). */
export function secretVars(names: readonly string[] = []): Record<string, string> {
  return Object.fromEntries(names.filter((s) => s !== 'KEYFOLD_AGE_KEY').map((s) => [s, `\${{ secrets.${s} }}`]));
}

export function envLines(env: Record<string, string>, indent: string): string {
  return Object.entries(env)
    .map(([k, v]) => `${indent}${k}: ${v}\n`)
    .join('');
}

export const setupNodeAndInstall = (workingDirectory?: string) => `      - name: Set up Node.js
        uses: ${uses(PINNED_ACTIONS.setupNode)}
        with:
          node-version: 20
      - name: Install keyfold from the lockfile (no install scripts)
${workingDirectory ? `        working-directory: ${workingDirectory}\n` : ''}        run: npm ci --ignore-scripts --no-audit --no-fund
`;

/** The action's commands and the CLI words each runs (action/run.cjs has the same table). */
const ACTION_COMMANDS = { sync: 'sync', 'recipients-sync': 'recipients sync', 'rotation-run': 'rotation run' } as const;

/**
 * The body of a step that runs keyfold `command` for `env` — the keyfold action, or
 * npx from the lockfile — with `vars` in its environment. `npxArgs` is shell text for
 * the npx form, `actionArgs` an expression for the action's `args` input.
 */
export function keyfoldStep(o: Resolved, command: keyof typeof ACTION_COMMANDS, env: string, vars: Record<string, string>, npxArgs: string, actionArgs = npxArgs): string {
  if (o.npm) {
    return `        env:
${envLines(vars, '          ')}        run: npx --no-install keyfold ${ACTION_COMMANDS[command]} --env ${env}${npxArgs ? ` ${npxArgs}` : ''}
`;
  }
  return `        uses: ${actionUses(o, '.')}
        env:
${envLines(vars, '          ')}        with:
          command: ${command}
          env: ${env}
${actionArgs ? `          args: ${actionArgs}\n` : ''}`;
}

/**
 * Fetch keyfold's refs (`refs/keyfold/*`: sync and re-key state; checkout fetches only
 * branches and tags) and record what they were, for PUSH_STATE_STEP's leases.
 */
export const FETCH_STATE_STEP = `      - name: Fetch keyfold's state refs (checkout fetches only branches and tags)
        id: state
        run: |
          git fetch --no-tags origin '+refs/keyfold/*:refs/keyfold/*'
          git for-each-ref --format='%(objectname) %(refname)' refs/keyfold/ > "$RUNNER_TEMP/keyfold-refs"
`;

/** Push the state refs this job changed, each with a lease on the value it fetched: no job overwrites another's. */
export const PUSH_STATE_STEP = `      - name: Push keyfold's state refs (only those this job changed)
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

/** The age identity of the job's environment, from its environment secret. */
export const IDENTITY = { KEYFOLD_AGE_KEY: '${{ secrets.KEYFOLD_AGE_KEY }}' };

/** A job's settings up to its steps; `extra` goes before `environment:` (needs, strategy, outputs). */
export function jobHead(id: string, name: string, env: string, o: Resolved, group: string, purpose: string, extra = ''): string {
  const reviewers = /^prod(uction)?$/i.test(env) ? ' # protect it with required reviewers' : '';
  return `  ${id}:
    name: ${name}
${o.jobIf}    runs-on: ubuntu-latest
    timeout-minutes: 30
${extra}    environment: ${env}${reviewers}
    concurrency:
      group: ${group}
      cancel-in-progress: false
    permissions:
      contents: write # ${purpose}
`;
}

/** Check out `ref` (an expression) with its history, install keyfold (npm), fetch and record the state refs. */
export const checkout = (what: string, ref: string, o: Resolved) => `      - name: Check out the ${what}
        uses: ${uses(PINNED_ACTIONS.checkout)}
        with:
          ref: ${ref}
          fetch-depth: 0
${o.npm ? setupNodeAndInstall() : ''}${FETCH_STATE_STEP}`;

/**
 * Push the job's commits to the branch, rebased and retried when it moved on, as the bot
 * (a rebase commits); a conflict aborts the rebase and fails the step with `conflict`.
 * `nothing`: the shell test that there is nothing to push.
 */
export function pushCommitsStep(o: Resolved, p: { name: string; if?: string; nothing: string; conflict: string }): string {
  return `      - name: Push the ${p.name} (rebased and retried when ${o.branch} moved on)
${p.if ? `        if: \${{ ${p.if} }}\n` : ''}        env:
${envLines({ ...BOT, BRANCH: o.branch }, '          ')}        run: |
          if [ ${p.nothing} ]; then echo "nothing to push"; exit 0; fi
          for attempt in 1 2 3 4 5; do
            if git push origin "HEAD:refs/heads/$BRANCH"; then exit 0; fi
            sleep "$attempt"
            git fetch --no-tags origin "$BRANCH"
            if ! git rebase "origin/$BRANCH"; then
              git rebase --abort
              echo "::error::${p.conflict}"
              exit 1
            fi
          done
          exit 1
`;
}
