#!/usr/bin/env bash
# Debian packages the test suite needs beyond Node.js and npm:
#   python3-zarr, python3-numpy  zarr-python reads what parazarr writes (and writes what it reads)
#   python3-xarray               xarray opens the archives parazarr builds (consolidated v2 metadata)
#   openssh-server               real sshd instances on loopback for the ssh({ hosts }) backend
#   openssl                      a throw-away certificate for the https:// store tests
#   netcdf-bin                   ncgen/ncdump, netCDF-C's own tools, check the NetCDF files the demo writes and the Zarr v2 metadata convert writes
#   python3-netcdf4              writes the NetCDF test collections (NETCDF4 and classic formats) through netCDF-C, as real archives are made
#   python3-cftime               CF time on every calendar (noleap, 360_day, ...) for the collections and the reference decoding
#   python3-dask                 xarray's open_mfdataset, the reference the conversion is compared with and the benchmark's baseline
#   python3-boto3                botocore's published AWS Batch model (service-2.json), which every answer of the local Batch endpoint is checked against
#   slurmctld, slurmd, slurm-client, munge  a real one-node Slurm cluster on loopback (test/fixtures/slurm.mjs) for the slurm({ … }) backend
# Idempotent: installs only what is missing. Needs root (or sudo).
set -euo pipefail
packages=(python3-zarr python3-numpy python3-xarray openssh-server openssl netcdf-bin python3-netcdf4 python3-cftime python3-dask python3-boto3 slurmctld slurmd slurm-client munge)
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
