#!/usr/bin/env bash
# A scripted tour of keyfold on a temporary copy of the example tree (demo keys,
# fake values). Nothing in this checkout is modified.
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
keyfold() { node "$here/dist/keyfold.js" "$@"; }
step() { printf '\n\033[1m$ %s\033[0m\n' "$*"; }

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
tmp="$work/repo"
mkdir -p "$tmp" "$work/home"
cp -R "$here/keyfold.yaml" "$here/policies" "$here/secrets" "$here/examples" "$here/.sops.yaml" "$here/.gitattributes" "$here/.github" "$tmp/"
cd "$tmp"
git init -q && git config user.email demo@example.com && git config user.name demo && git config commit.gpgSign false
git add -A && git commit -qm "example tree"
export HOME="$work/home" XDG_CONFIG_HOME="$work/home/.config"
export KEYFOLD_AGE_KEY_FILE="$tmp/examples/identities/carol.txt"   # carol is the demo admin

echo "keyfold demo in $tmp (as carol, the demo admin)"
step keyfold ls
keyfold ls

step keyfold get dev/providers/openrouter OPENROUTER_API_KEY
keyfold get dev/providers/openrouter OPENROUTER_API_KEY

step 'printf %s sk-demo-new | keyfold set dev/providers/mistral MISTRAL_API_KEY --stdin'
printf %s sk-demo-new | keyfold set dev/providers/mistral MISTRAL_API_KEY --stdin

step 'keyfold set dev/api/db REDIS_URL --value redis://cache:6379/1   # one key changes…'
keyfold set dev/api/db REDIS_URL --value redis://cache:6379/1 2>/dev/null
step 'git diff --stat   # …and the diff is that key, lastmodified and mac (stable ciphertext)'
git --no-pager diff --stat
git --no-pager diff -U0 secrets/dev/api/db.yaml | grep '^[-+][^-+]' | cut -c1-90

step keyfold show dev/api/db --format dotenv
keyfold show dev/api/db --format dotenv

step 'keyfold decrypt secrets/ --json | head'
keyfold decrypt secrets/ --json | head -12

step 'keyfold access prod/api/db   # who can read and write it, by the policy'
keyfold access prod/api/db

step 'keyfold get dev/api/db DATABASE_URL --identity examples/identities/alice.txt   # alice is a developer'
keyfold get dev/api/db DATABASE_URL --identity examples/identities/alice.txt
step 'keyfold get prod/api/db DATABASE_URL --identity examples/identities/alice.txt   # …who cannot read prod'
keyfold get prod/api/db DATABASE_URL --identity examples/identities/alice.txt || echo "exit $? (no identity can decrypt)"

step 'printf %s sk-demo-prod | keyfold set prod/providers/newco NEWCO_API_KEY --stdin --identity …alice.txt   # write-only contribution'
printf %s sk-demo-prod | keyfold set prod/providers/newco NEWCO_API_KEY --stdin --identity examples/identities/alice.txt

step 'keyfold get prod/api/db DATABASE_URL --identity …dave.txt --identity …erin.txt   # break-glass: 2 of 3 custodians'
keyfold get prod/api/db DATABASE_URL --identity examples/identities/dave.txt --identity examples/identities/erin.txt
keyfold get prod/api/db DATABASE_URL --identity examples/identities/dave.txt || echo "exit $? (one custodian alone cannot)"

step 'keyfold recipients sync --check   # every file matches the policy (no identity needed)'
keyfold recipients sync --check

step 'keyfold keygen -o ~/outsider.txt && keyfold get prod/api/db DATABASE_URL --identity ~/outsider.txt'
mkdir -p "$HOME"
keyfold keygen -o "$HOME/outsider.txt"
keyfold get prod/api/db DATABASE_URL --identity "$HOME/outsider.txt" || echo "exit $? (no identity can decrypt)"

step 'git commit … && keyfold log dev/api/db --key REDIS_URL   # audit from history, no decryption'
git add -A && git commit -qm "Point REDIS_URL at the cache (#42)"
keyfold log dev/api/db --key REDIS_URL

step 'keyfold validate   # what CI checks on every pull request (no identity needed)'
keyfold validate || echo "exit $?"

step 'tamper with one ciphertext byte, then read it back'
sed -i 's/DATABASE_URL: ENC\[AES256_GCM,data:./DATABASE_URL: ENC[AES256_GCM,data:A/' secrets/prod/api/db.yaml
keyfold get prod/api/db DATABASE_URL || echo "exit $? (integrity)"

echo
echo "Done. Run 'node dist/keyfold.js --help' for every command."
