#!/usr/bin/env bash
# Scheduler benchmark (issue 5): farm-sim runs the real scheduler (farm::sched, what the
# gateway runs) in simulated time on a synthetic trace, beside first-available FIFO,
# fastest-first (EDF) and the GLPK LP lower bound on cost, all in the same run. Then the
# safety margin's trade-off: cost against deadlines met as the reserve changes, and
# what not knowing costs: the same trace with the scheduler told every frame's work
# (no probes) and then every arrival ahead (farm-sim --know-frame-times / --know-arrivals).
#
#   tests/bench/sim_bench.sh [BUILD_DIR] [--quick]
# Default: the issue's scale, 20 sites, 2,000 workers, 50 jobs, 100,000 frames (about
# 7 minutes on two cores, the LP and the sweeps included). --quick: 200 workers, 10 jobs,
# 5,000 frames.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
build=${1:-$root/build}
quick=0
for a in "$@"; do [[ $a == --quick ]] && quick=1; done
[[ ${1:-} == --quick ]] && build=$root/build
if [[ ! -x $build/gateway/sched/farm-sim ]]; then
    cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
    ninja -C "$build" farm-sim
fi
sim=$build/gateway/sched/farm-sim

if [[ $quick == 1 ]]; then
    scale=(--sites 5 --workers 200 --jobs 10 --frames 5000)
    sweep=(--sites 5 --workers 200 --jobs 10 --frames 5000)
else
    scale=()
    sweep=(--sites 10 --workers 1000 --jobs 25 --frames 50000)
fi

echo "== the issue's scale: cost-first vs baselines vs the LP bound"
"$sim" "${scale[@]}"

echo
echo "== the safety margin: reserve share of the time left to a deadline (${sweep[*]})"
printf "%-9s %12s %10s %11s\n" reserve "cost (yuan)" deadlines "late frames"
for r in 0 0.05 0.1 0.2; do
    line=$("$sim" "${sweep[@]}" --policies xixuan --no-lp --reserve "$r" | grep '^RESULT')
    cost=$(sed -E 's/.*"xixuan":\{"cost":([0-9.]+).*/\1/' <<<"$line")
    met=$(sed -E 's/.*"deadlines_met":([0-9]+).*/\1/' <<<"$line")
    jobs=$(sed -E 's/.*"jobs":([0-9]+).*/\1/' <<<"$line")
    late=$(sed -E 's/.*"late_frames":([0-9]+).*/\1/' <<<"$line")
    printf "%-9s %12.0f %7s/%-3s %11s\n" "$r" "$cost" "$met" "$jobs" "$late"
    echo "BENCH sim_reserve=$r cost=$cost deadlines_met=$met jobs=$jobs late_frames=$late"
done

echo
echo "== what not knowing costs (${sweep[*]}): the LP bound knows every frame and arrival"
printf "%-34s %12s %10s\n" "xixuan told" "cost (yuan)" deadlines
for k in none --know-frame-times --know-arrivals; do
    args=()
    [[ $k != none ]] && args=("$k")
    line=$("$sim" "${sweep[@]}" --policies xixuan --no-lp "${args[@]}" | grep '^RESULT')
    cost=$(sed -E 's/.*"xixuan":\{"cost":([0-9.]+).*/\1/' <<<"$line")
    met=$(sed -E 's/.*"deadlines_met":([0-9]+).*/\1/' <<<"$line")
    jobs=$(sed -E 's/.*"jobs":([0-9]+).*/\1/' <<<"$line")
    printf "%-34s %12.0f %7s/%-3s\n" "${k#--know-}" "$cost" "$met" "$jobs"
    echo "BENCH sim_foresight=${k#--know-} cost=$cost deadlines_met=$met jobs=$jobs"
done
