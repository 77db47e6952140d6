#!/usr/bin/env bash
# The main job: a local XiXuan farm on this machine, end to end on the embedded defaults
# (SQLite and local disk). A gateway and four workers at two simulated western sites with
# different prices; the demo project is pushed, a tiled job submitted and watched live,
# the stitched frames and preview movie downloaded, and a summary printed.
#   deploy/run-local-farm.sh [--frames A-B] [--res WxH] [--spp N] [--tiles NxM]
#                            [--deadline +6m] [--keep]
set -euo pipefail
cd "$(dirname "$0")/.."
frames=1-24 res=480x270 spp=16 tiles=2x2 deadline=+6m keep=0
while [[ $# -gt 0 ]]; do
    case "$1" in
        --frames) frames="$2"; shift 2 ;;
        --res) res="$2"; shift 2 ;;
        --spp) spp="$2"; shift 2 ;;
        --tiles) tiles="$2"; shift 2 ;;
        --deadline) deadline="$2"; shift 2 ;;
        --keep) keep=1; shift ;;
        *) echo "usage: $0 [--frames A-B] [--res WxH] [--spp N] [--tiles NxM] [--deadline +6m] [--keep]" >&2; exit 2 ;;
    esac
done

./deploy/bootstrap.sh
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DFARM_BUILD_RENDERER=ON >/dev/null
cmake --build build --target farm farm-gateway farm-worker farm-render

bin=build
work=$(mktemp -d /tmp/xixuan-farm.XXXXXX)
pids=()
cleanup() {
    for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
    for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
    if [[ $keep == 0 ]]; then rm -rf "$work"; else echo "kept $work"; fi
}
trap cleanup EXIT INT TERM

# Two western sites with China's time-of-use tariffs: Gansu (cheap; these machines render
# on their CPUs, billed per core-hour) and Ningxia (dearer, but the default studio holds
# a compute voucher there). GPU prices are listed as a real site would list them.
cat >"$work/sites.toml" <<'TOML'
[gpu_classes.A100]
match = ["A100"]
mrays_per_s = 400
[gpu_classes.RTX4090]
match = ["4090"]
mrays_per_s = 270

[tariffs.northwest]
utc_offset = "+08:00"
periods = { peak = 1.5, flat = 1.0, valley = 0.45 }
windows = [
  { from = "08:00", to = "11:00", period = "peak" },
  { from = "18:00", to = "23:00", period = "peak" },
  { from = "23:00", to = "07:00", period = "valley" },
]

[sites.gansu-qingyang]
region = "Gansu"
tariff = "northwest"
yuan_per_cpu_core_hour = 0.04
yuan_per_gpu_hour = { A100 = 9.5, RTX4090 = 3.6 }
link = { bandwidth_mbps = 10000, rtt_ms = 35, yuan_per_gb = 0.3 }
carbon_g_per_kwh = 480

[sites.ningxia-zhongwei]
region = "Ningxia"
tariff = "northwest"
yuan_per_cpu_core_hour = 0.06
yuan_per_gpu_hour = { A100 = 10.2 }
link = { bandwidth_mbps = 10000, rtt_ms = 30, yuan_per_gb = 0.3 }
carbon_g_per_kwh = 550

[[vouchers]]
id = "zhongwei-2026"
tenant = "default"
site = "ningxia-zhongwei"
discount_pct = 30
cap_yuan = 1000
valid_from = "2026-01-01T00:00:00+08:00"
valid_until = "2028-01-01T00:00:00+08:00"
TOML

echo "== farm-gateway"
"$bin/gateway/farm-gateway" --listen 127.0.0.1:0 --data "$work/gateway" --port-file "$work/port" \
    --sites "$work/sites.toml" >"$work/gateway.log" 2>&1 &
pids+=($!)
for _ in $(seq 100); do [[ -s $work/port ]] && break; sleep 0.1; done
[[ -s $work/port ]] || { echo "gateway did not start:"; cat "$work/gateway.log"; exit 1; }
export FARM_GATEWAY="http://127.0.0.1:$(cat "$work/port")"
echo "   $FARM_GATEWAY"

echo "== four workers at two sites"
worker_bin=$(dirname "$(find "$bin" -name farm-render -type f -perm -u+x | head -1)")/farm-worker
for spec in gansu-qingyang:gs-1 gansu-qingyang:gs-2 ningxia-zhongwei:nx-1 ningxia-zhongwei:nx-2; do
    site=${spec%%:*} name=${spec##*:}
    "$worker_bin" --gateway "$FARM_GATEWAY" --site "$site" --name "$name" --cache "$work/site-cache-$site" \
        --work "$work/work-$name" --device auto >"$work/$name.log" 2>&1 &
    pids+=($!)
    echo "   $name at $site"
done

start=$(date +%s.%N)
echo "== farm push scenes/samples/demo"
cp -r scenes/samples/demo "$work/demo"
push_json=$("$bin/cli/farm" push "$work/demo" --project demo --cache "$work/cache" --json)
echo "   $push_json"

echo "== farm quote demo --frames $frames --res $res --spp $spp --tiles $tiles --deadline $deadline"
quote_json=$("$bin/cli/farm" quote demo --frames "$frames" --res "$res" --spp "$spp" --tiles "$tiles" \
    --deadline "$deadline" --json)
# Priced again (the probes are done now, so at once) for people to read.
"$bin/cli/farm" quote demo --frames "$frames" --res "$res" --spp "$spp" --tiles "$tiles" \
    --deadline "$deadline" | sed 's/^/   /'
quoted=$(echo "$quote_json" | sed -E 's/.*"cheapest":\{"feasible":[a-z]+,"cost_yuan":([0-9.eE+-]+).*/\1/')

echo "== farm submit demo (same spec)"
job=$("$bin/cli/farm" submit demo --frames "$frames" --res "$res" --spp "$spp" --tiles "$tiles" \
        --deadline "$deadline" --name "local farm demo" --json | sed -E 's/.*"id":"([^"]+)".*/\1/')
echo "   job $job"

echo "== farm watch $job --download $work/frames"
"$bin/cli/farm" watch "$job" --download "$work/frames"
end=$(date +%s.%N)

echo "== summary"
"$bin/cli/farm" report "$job"
billed=$("$bin/cli/farm" status "$job" --json | \
    sed -E 's/.*"cost_yuan":([0-9.eE+-]+),"voucher_yuan":[0-9.eE+-]+,"transfer_yuan":[0-9.eE+-]+,"cost_by_site".*/\1/')
awk -v q="$quoted" -v b="$billed" 'BEGIN { if (q > 0) printf "   quoted ¥%.4f (cheapest plan), billed ¥%.4f: %.2fx the quote\n", q, b, b / q }'
echo "   why the cost-first scheduler sent tasks where it did (tasks per reason):"
"$bin/cli/farm" status "$job" --tasks | grep "why:" | sed -E 's/ *why: //; s/; deadline slack.*//; s/ at [0-9.]+ yuan/ at .. yuan/' \
    | sort | uniq -c | sort -rn | head -5 | sed 's/^/   /' 
"$bin/cli/farm" sites | sed 's/^/   /' 
frames_on_disk=$(find "$work/frames" -name '*.exr' | wc -l)
echo "   frames downloaded  $frames_on_disk EXR + $(find "$work/frames" -name '*.png' | wc -l) PNG previews$( [[ -f $work/frames/preview.mp4 ]] && echo ", preview.mp4 $(du -h "$work/frames/preview.mp4" | cut -f1)")"
awk -v a="$start" -v b="$end" 'BEGIN { printf "   wall time          %.1f s\n", b - a }'
sent=$(echo "$push_json" | sed -E 's/.*"bytes_sent":([0-9]+).*/\1/')
echo "   bytes pushed east->gateway  $sent"
curl -s "$FARM_GATEWAY/metrics" | grep -E '^farm_bytes_(in|out)_total' | sed 's/^/   /' || true
