#!/usr/bin/env bash
# keyfold's story, played on a temporary copy of the example tree (demo keys, fake
# values) with local stand-ins only: a bare git repository as the remote, the tests'
# imitation of GitHub's REST API (pull requests; Actions secrets) on 127.0.0.1, and
# dotenv and Kubernetes-manifest targets in a temp folder. Needs Node and git — after
# `npm ci && npm run build` (`npm run demo` does both); no age CLI, no network. Nothing
# in this checkout is modified.
#
#   1. alice (developer) proposes a new prod provider key: a pull request, write-only
#   2. CI validates the pull request; a variant that slips alice's key in fails
#   3. carol (admin) merges
#   4. CI gives the new file a fresh data key
#   5. CI syncs prod: one key fans out to 21 services' targets
#   6. the audit trail: who, when, why
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
kf="$here/dist/keyfold.js"
show="$here/scripts/demo/show.mjs"
ids="$here/examples/identities"
[ -f "$kf" ] || { echo "demo: $kf is missing: run \`npm run build\` first (or \`npm run demo\`)" >&2; exit 1; }

if [ -t 1 ]; then bold=$'\033[1m' head=$'\033[1;36m' dim=$'\033[2m' off=$'\033[0m'; else bold='' head='' dim='' off=''; fi
section() { printf '\n%s== %s%s\n' "$head" "$*" "$off"; }
say() { printf '%s%s%s\n' "$dim" "$*" "$off"; }
step() { printf '%s$ %s%s\n' "$bold" "$*" "$off"; }
# keyfold as a member: their identity is the demo key in examples/identities/.
kf_as() {
  local who="$1"
  shift
  KEYFOLD_AGE_KEY_FILE="$ids/$who.txt" node "$kf" "$@"
}

work="$(mktemp -d)"
standin=""
cleanup() {
  if [ -n "$standin" ]; then kill "$standin" 2>/dev/null || true; wait "$standin" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

# An isolated environment: no identity, token or git configuration of yours leaks in.
unset KEYFOLD_AGE_KEY KEYFOLD_AGE_KEY_FILE SOPS_AGE_KEY SOPS_AGE_KEY_FILE KEYFOLD_SESSION GITHUB_TOKEN GH_TOKEN GITHUB_ACTOR
unset GIT_DIR GIT_WORK_TREE GIT_INDEX_FILE GIT_AUTHOR_NAME GIT_AUTHOR_EMAIL GIT_COMMITTER_NAME GIT_COMMITTER_EMAIL GIT_AUTHOR_DATE GIT_COMMITTER_DATE
export HOME="$work/home" XDG_CONFIG_HOME="$work/home/.config" GIT_CONFIG_NOSYSTEM=1 GIT_TERMINAL_PROMPT=0
mkdir -p "$HOME"
git config --global init.defaultBranch main
git config --global commit.gpgSign false
git config --global advice.detachedHead false
git config --global core.hooksPath /dev/null
clone() { # clone DIR NAME EMAIL
  git clone -q "$work/remote.git" "$1"
  git -C "$1" config user.name "$2"
  git -C "$1" config user.email "$3"
}

section "0. The scene"
say "A secrets repository (this checkout's example tree, demo keys) on a stand-in GitHub: a bare git"
say "remote and GitHub's REST API imitated locally. 21 services import providers/** and sync, in prod,"
say "to 14 Kubernetes Secret manifests, 6 .env files and one GitHub environment — all under $work/run."
git init -q --bare "$work/remote.git"
(cd "$here" && exec node --import tsx scripts/demo/github-standin.ts "$work/github.json" "$work/remote.git") &
standin=$!
for _ in $(seq 300); do [ -f "$work/github.json" ] && break; sleep 0.1; done
[ -f "$work/github.json" ] || { echo "demo: the GitHub stand-in did not start" >&2; exit 1; }
api_url="$(node -p 'JSON.parse(require("fs").readFileSync(process.argv[1], "utf8")).url' "$work/github.json")"
GITHUB_TOKEN="$(node -p 'JSON.parse(require("fs").readFileSync(process.argv[1], "utf8")).token' "$work/github.json")"
export GITHUB_TOKEN

seed="$work/seed"
mkdir -p "$seed"
cp -R "$here/keyfold.yaml" "$here/policies" "$here/secrets" "$here/.sops.yaml" "$here/.gitattributes" "$here/.github" "$seed/"
# GitHub here is the stand-in.
sed -e "s|^github: { repo: acme/secrets }|github: { repo: acme/secrets, api_url: \"$api_url\" }|" \
  -e "s|environment: production }|environment: production, api_url: \"$api_url\" }|" "$here/keyfold.yaml" > "$seed/keyfold.yaml"
git -C "$seed" init -q
git -C "$seed" add -A
git -C "$seed" -c user.name=carol -c user.email=carol@example.com commit -qm "The secrets repository"
git -C "$seed" push -q "$work/remote.git" main
clone "$work/alice" alice alice@example.com
clone "$work/carol" carol carol@example.com
clone "$work/ci" "github-actions[bot]" 41898282+github-actions[bot]@users.noreply.github.com
# The fleet is in sync before the story starts (what CI did on the last merge).
(cd "$work/ci" && kf_as ci-prod recipients sync --env prod --rekey-merged --commit > "$work/setup.log" 2>&1 && git push -q origin HEAD:main && kf_as ci-prod sync --env prod --json > "$work/sync-0.json" 2>> "$work/setup.log") ||
  { cat "$work/setup.log" >&2; exit 1; }
node "$show" sync "$work/sync-0.json" --brief

section "1. alice, a developer, proposes a new provider key for prod"
say "alice may write */providers/** in every environment but read only dev and staging: in prod her"
say "write is write-only — encrypted to prod's readers by the policy, never to herself."
cd "$work/alice"
step 'printf %s "$OPENAI_API_KEY" | keyfold propose set prod/providers/openai OPENAI_API_KEY --stdin'
printf %s "sk-demo-openai-$RANDOM$RANDOM-not-a-real-key" | kf_as alice propose set prod/providers/openai OPENAI_API_KEY --stdin | tee "$work/propose.txt"
branch="$(sed -n 's/^  branch *\(keyfold\/[^ ]*\).*/\1/p' "$work/propose.txt")"
[ -n "$branch" ] || { echo "demo: propose printed no branch" >&2; exit 1; }
say "alice's own working tree: still on $(git branch --show-current), $(git status --porcelain | wc -l | tr -d ' ') uncommitted changes. The pull request, as reviewers see it:"
node "$show" pr "$work/github.json" 1

section "2. CI validates the pull request (no identity needed)"
cd "$work/ci"
git fetch -q origin "$branch" && git checkout -q FETCH_HEAD
step "keyfold validate --base origin/main --author alice --summary comment.md"
node "$kf" validate --base origin/main --author alice --summary "$work/comment.md"
say "The PR comment it writes names the sync plan:"
grep -m1 '^A merge makes' "$work/comment.md" | sed -e 's/^/  /' -e 's/:$//'
say "A variant: alice slips her own recipient into the prod file — she widens her read grant in her"
say "working copy of the policy, writes with it, and commits only the secrets file:"
cd "$work/alice"
git switch -q -c sneaky origin/main
step "keyfold set prod/providers/openai OPENAI_API_KEY --stdin --worktree-policy   # policy: +read prod/providers/**, uncommitted"
sed 's|read: \["dev/\*\*", "staging/\*\*"\]|read: ["dev/**", "staging/**", "prod/providers/**"]|' policies/access.yaml > "$work/access.yaml"
cp "$work/access.yaml" policies/access.yaml
printf %s "sk-demo-openai-sneaky-not-a-real-key" | kf_as alice set prod/providers/openai OPENAI_API_KEY --stdin --worktree-policy > /dev/null
git checkout -q -- policies/access.yaml
git add secrets/prod/providers/openai.yaml && git commit -qm "Add OPENAI_API_KEY" && git push -q origin sneaky
git switch -q main
cd "$work/ci"
git fetch -q origin sneaky && git checkout -q FETCH_HEAD
step "keyfold validate --base origin/main --author alice"
if node "$kf" validate --base origin/main --author alice > "$work/sneaky.txt" 2> /dev/null; then
  echo "demo: the sneaky pull request passed validation" >&2
  exit 1
fi
grep '^secrets/prod/providers/openai.yaml' "$work/sneaky.txt" | head -2
echo "exit 3: CI fails the pull request"

section "3. carol, an admin, reviews and merges"
cd "$work/carol"
git fetch -q origin
step "git merge --no-ff origin/$branch && git push origin main"
git merge -q --no-ff -m "Merge pull request #1 from acme/$branch" "origin/$branch"
git push -q origin main
git --no-pager log --oneline -3 | sed 's/^/  /'

section "4. After the merge, CI gives the new file a fresh data key"
say "alice knew the data key she encrypted the file with; a fresh one (S6) means she knows nothing"
say "that protects later values. CI runs as ci-prod, prod's machine identity."
cd "$work/ci"
git fetch -q origin main && git checkout -q -B main origin/main
step "keyfold recipients sync --env prod --rekey-merged --commit"
kf_as ci-prod recipients sync --env prod --rekey-merged --commit
git push -q origin HEAD:main

section "5. CI syncs prod: one new key fans out to the targets of 21 services"
step "keyfold sync --env prod --plan"
kf_as ci-prod sync --env prod --plan > "$work/plan.txt"
head -4 "$work/plan.txt"
echo "  … ($(grep -c '^  [a-z]' "$work/plan.txt") targets, each: + OPENAI_API_KEY)"
step "keyfold sync --env prod"
kf_as ci-prod sync --env prod --json > "$work/sync.json"
node "$show" sync "$work/sync.json"
say "What landed (names only):"
echo "  $(grep -l '^  OPENAI_API_KEY:' "$work/run/k8s/prod/"*.yaml | wc -l | tr -d ' ') Secret manifests in run/k8s/prod and $(grep -l '^OPENAI_API_KEY=' "$work/run/prod/"*.env | wc -l | tr -d ' ') .env files in run/prod hold OPENAI_API_KEY"
node "$show" manifest "$work/run/k8s/prod/web-secrets.yaml"

section "6. The audit trail: who, when, why"
step "keyfold log prod/providers/openai"
node "$kf" log prod/providers/openai

kill "$standin" && wait "$standin" || true
standin=""
echo
node "$show" standin "$work/github.json"
echo "Demo done: every command above ran against local stand-ins; see README.md for the commands."
