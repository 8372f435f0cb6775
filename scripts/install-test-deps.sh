#!/usr/bin/env bash
# Debian packages the test suite needs beyond Node.js and npm:
#   python3-zarr, python3-numpy  zarr-python reads what parazarr writes (and writes what it reads)
#   openssh-server               real sshd instances on loopback for the ssh({ hosts }) backend
# Idempotent: installs only what is missing. Needs root (or sudo).
set -euo pipefail
packages=(python3-zarr python3-numpy openssh-server)
missing=()
for p in "${packages[@]}"; do
  dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
