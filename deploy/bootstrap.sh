#!/usr/bin/env bash
# Installs everything XiXuan needs to build, test and run, from Debian 12's apt registry.
# Idempotent: packages already present are skipped by apt; safe to run on every build.
#   deploy/bootstrap.sh          build + test + run dependencies
#   deploy/bootstrap.sh --bench  also the peer tools the benchmarks compare against
set -euo pipefail

want_bench=0
for arg in "$@"; do
    case "$arg" in
        --bench) want_bench=1 ;;
        *) echo "bootstrap: unknown option $arg" >&2; exit 2 ;;
    esac
done

packages=(
    build-essential cmake ninja-build pkg-config git ca-certificates curl
    libboost1.81-dev libboost-json1.81-dev
    libssl-dev libzstd-dev zstd libsqlite3-dev sqlite3
    libtbb-dev libcli11-dev catch2 nlohmann-json3-dev libtomlplusplus-dev
    libopenimageio-dev openimageio-tools libembree-dev libtinygltf-dev libstb-dev
    libglpk-dev ffmpeg
)
bench_packages=(rsync borgbackup restic casync blender hyperfine jq python3-numpy)

if [[ $want_bench == 1 ]]; then packages+=("${bench_packages[@]}"); fi

missing=()
for p in "${packages[@]}"; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
        missing+=("$p")
    fi
done

if [[ ${#missing[@]} -eq 0 ]]; then
    echo "bootstrap: all ${#packages[@]} packages present"
    exit 0
fi

SUDO=""
if [[ $(id -u) -ne 0 ]]; then SUDO="sudo"; fi
echo "bootstrap: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
echo "bootstrap: done"
