#!/usr/bin/env bash
# The examples and `zkinfer init` as a user meets them: packs zkinfer, installs the tarball into a
# project scaffolded by `zkinfer init` and into each example under examples/, and runs their tests
# (real proofs on Hardhat's network, the pages in Chromium). Slow (minutes): CI runs it from .ci/run,
# `npm test` does not.
#
#   scripts/test-examples.sh            # all: the init scaffold, then every example
#   scripts/test-examples.sh tic-tac-toe
#
# Needs: Node 22 (npm ci in this repository gives it), /usr/bin/chromium for the pages.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
export PATH="$ROOT/node_modules/.bin:$PATH"

TARBALL_DIR=$(mktemp -d)
trap 'rm -rf "$TARBALL_DIR"' EXIT
npm pack --silent --pack-destination "$TARBALL_DIR" >/dev/null
TARBALL=$(ls "$TARBALL_DIR"/zkinfer-*.tgz)
# The examples depend on file:../../zkinfer-<version>.tgz: the tarball sits at the repository root.
cp "$TARBALL" "$ROOT/"
echo "packed $(basename "$TARBALL")"

run_project() { # <dir>: install (zkinfer from the tarball, as its package.json says) and test
  # npm runs on the Node 22 first on PATH, so Hardhat's EDR platform package is installed.
  (cd "$1" && npm install --no-audit --no-fund >/dev/null && npm test)
}

selected=("$@")
if [ ${#selected[@]} -eq 0 ]; then
  # The scaffold of `zkinfer init`, as generated.
  SCAFFOLD=$(mktemp -d)/my-dapp
  node "$ROOT/bin/zkinfer.js" init "$SCAFFOLD" --zkinfer "file:$ROOT/$(basename "$TARBALL")"
  echo "== zkinfer init scaffold ($SCAFFOLD)"
  run_project "$SCAFFOLD"
  selected=($(ls examples))
fi
for example in "${selected[@]}"; do
  [ -f "examples/$example/package.json" ] || continue
  echo "== examples/$example"
  run_project "examples/$example"
done
echo "examples: all passed"
