#!/usr/bin/env bash
# Debian packages the test suite needs beyond Node.js and npm:
#   python3-zarr, python3-numpy  zarr-python reads what parazarr writes (and writes what it reads)
#   python3-xarray               xarray opens the archives parazarr builds (consolidated v2 metadata)
#   openssh-server               real sshd instances on loopback for the ssh({ hosts }) backend
#   openssl                      a throw-away certificate for the https:// store tests
# Idempotent: installs only what is missing. Needs root (or sudo).
set -euo pipefail
packages=(python3-zarr python3-numpy python3-xarray openssh-server openssl)
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
