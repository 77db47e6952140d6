#!/usr/bin/env bash
# The main job: a local XiXuan on this machine, end to end on the embedded defaults
# (local-disk chunk store). Today it runs the transfer path: a gateway process, a sample
# animation project pushed, edited and re-pushed (only the changes travel), then pulled
# back into a fresh folder and compared byte for byte.
#   deploy/run-local-farm.sh [--scale S]   (S=0.02 by default: ~30 MB project)
set -euo pipefail
cd "$(dirname "$0")/.."
scale=0.02
while [[ $# -gt 0 ]]; do
    case "$1" in
        --scale) scale="$2"; shift 2 ;;
        *) echo "usage: $0 [--scale S]" >&2; exit 2 ;;
    esac
done

./deploy/bootstrap.sh
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build --target farm farm-gateway farm-bench-genproject

work=$(mktemp -d /tmp/xixuan-farm.XXXXXX)
gateway_pid=""
cleanup() {
    if [[ -n $gateway_pid ]]; then kill "$gateway_pid" 2>/dev/null || true; wait "$gateway_pid" 2>/dev/null || true; fi
    rm -rf "$work"
}
trap cleanup EXIT INT TERM

bin=build
echo "== starting farm-gateway (data in $work/gateway)"
"$bin/gateway/farm-gateway" --listen 127.0.0.1:0 --data "$work/gateway" --port-file "$work/port" \
    >"$work/gateway.log" 2>&1 &
gateway_pid=$!
for _ in $(seq 100); do [[ -s $work/port ]] && break; sleep 0.1; done
[[ -s $work/port ]] || { echo "gateway did not start:"; cat "$work/gateway.log"; exit 1; }
url="http://127.0.0.1:$(cat "$work/port")"
export FARM_GATEWAY=$url
echo "   listening on $url"

echo "== generating a sample animation project (scale $scale)"
"$bin/tests/bench/farm-bench-genproject" v1 "$work/shot" --scale "$scale" >/dev/null
"$bin/tests/bench/farm-bench-genproject" v2 "$work/shot" "$work/shot-v2" >/dev/null
du -sh "$work/shot" "$work/shot-v2"

echo "== farm push (first push: everything is new)"
"$bin/cli/farm" push "$work/shot" --project shot --cache "$work/cache"
echo "== farm push of the edited project (only new chunks travel)"
"$bin/cli/farm" push "$work/shot-v2" --project shot --cache "$work/cache"
echo "== farm ls"
"$bin/cli/farm" ls
"$bin/cli/farm" ls shot
echo "== farm pull shot into a fresh folder"
"$bin/cli/farm" pull shot "$work/pulled" --cache "$work/pull-cache"
if diff -r --no-dereference "$work/shot-v2" "$work/pulled" >/dev/null; then
    echo "== OK: the pulled tree is identical to the pushed one"
else
    echo "== FAILED: the pulled tree differs"; exit 1
fi
