#!/usr/bin/env bash
# Renderer benchmark: the demo scene, one frame, farm-render (CPU, Embree) against Blender
# Cycles (CPU) importing the same glTF at the same resolution, samples and bounces, with
# denoising and adaptive sampling off. Prints a table and one machine-readable line.
#
#   tests/bench/render_bench.sh [BUILD_DIR] [SPP] [WxH] [FRAME] [DEPTH] [CLAMP] [FILTER]
# Defaults: build-render 16 1280x720 60 6 10 1. CLAMP and FILTER are the firefly controls
# (clamp of indirect light, glossy filter), passed to both renderers; 0 0 = unbiased. Cycles' max bounces = DEPTH - 1 (its direct
# lighting is not a bounce; farm-render's depth 1 is direct lighting only).
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
build=${1:-$root/build-render}
spp=${2:-16}
res=${3:-1280x720}
frame=${4:-60}
depth=${5:-6}
clamp=${6:-10}
filter=${7:-1}
w=${res%x*}
h=${res#*x}
exe=$build/worker/farm-render
demo=$root/scenes/samples/demo
fps=$(sed -n 's/.*"fps": *\([0-9.]*\).*/\1/p' "$demo/render.json")
out=$(mktemp -d /tmp/farm-render-bench.XXXXXX)
[ -x "$exe" ] || { echo "render_bench: $exe not built (ninja -C $build farm-render)" >&2; exit 1; }

# CPU seconds (user + system) as well as wall time: on a shared machine the wall time
# depends on the neighbours, the CPU time much less.
ours=$(/usr/bin/time -f "CPU_SECONDS %U %S" -o "$out/farm.time" "$exe" "$demo" --frame "$frame" \
       --res "$res" --spp "$spp" --depth "$depth" --clamp-indirect "$clamp" --filter-glossy "$filter" --device cpu -q -o "$out/farm.exr" --png "$out/farm.png")
f_cpu=$(awk '/CPU_SECONDS/{print $2 + $3}' "$out/farm.time")
echo "$ours" >&2
f_render=$(sed -n 's/.*: \([0-9.]*\) s render.*/\1/p' <<<"$ours")
f_setup=$(sed -n 's/.*render, \([0-9.]*\) s setup.*/\1/p' <<<"$ours")
f_mrays=$(sed -n 's/.* \([0-9.]*\) Mrays\/s.*/\1/p' <<<"$ours")
f_rays=$(sed -n 's/.* \([0-9]*\) rays,.*/\1/p' <<<"$ours")
f_total=$(awk "BEGIN{print $f_render + $f_setup}")

c_render=NA
c_cpu=NA
if command -v blender >/dev/null; then
    line=$(/usr/bin/time -f "CPU_SECONDS %U %S" -o "$out/cycles.time" blender -b --factory-startup --python "$root/tests/bench/render_cycles.py" -- \
           "$demo/demo.gltf" "$frame" "$fps" "$w" "$h" "$spp" "$((depth - 1))" \
           "$out/cycles.png" "$clamp" "$filter" 2>&1 | grep CYCLES_RESULT || true)
    echo "$line" >&2
    c_render=$(sed -n 's/.*render_s=\([0-9.]*\).*/\1/p' <<<"$line")
    [ -n "$c_render" ] || c_render=NA
    c_cpu=$(awk '/CPU_SECONDS/{print $2 + $3}' "$out/cycles.time")
fi
# Rays per CPU-second, times the core count: what the machine would do if it were ours alone.
f_mrays_cpu=$(awk "BEGIN{printf \"%.2f\", $f_rays / $f_cpu / 1e6}")
f_mrays_idle=$(awk "BEGIN{printf \"%.2f\", $f_rays / $f_cpu / 1e6 * $(nproc)}")
cpu_ratio=NA
[ "$c_cpu" != NA ] && cpu_ratio=$(awk "BEGIN{printf \"%.2f\", $c_cpu / $f_cpu}")
ratio=NA
[ "$c_render" != NA ] && ratio=$(awk "BEGIN{printf \"%.2f\", $c_render / $f_total}")

printf '\n%-28s %10s %12s %10s %12s\n' "renderer ($res, ${spp} spp)" "wall s" "process cpu s" "Mrays/s" "rays"
printf '%-28s %10.2f %12s %10.2f %12s\n' "farm-render cpu (render)" "$f_render" "" "$f_mrays" "$f_rays"
printf '%-28s %10.2f %12s %10s %12s\n' "farm-render cpu (+setup)" "$f_total" "$f_cpu" "" ""
printf '%-28s %10s %12s %10s %12s\n' "cycles cpu (render op)" "$c_render" "$c_cpu" "n/a" "n/a"
printf 'farm-render: %s Mrays per CPU-second, %s Mrays/s on %s idle cores\n' "$f_mrays_cpu" "$f_mrays_idle" "$(nproc)"
printf 'cycles / farm-render: wall-time ratio %s, CPU-time ratio %s (> 1 means farm-render is faster)\n' "$ratio" "$cpu_ratio"
echo "RESULT render_bench res=$res spp=$spp depth=$depth clamp=$clamp filter=$filter frame=$frame farm_s=$f_total farm_render_s=$f_render farm_mrays=$f_mrays cycles_s=$c_render farm_cpu_s=$f_cpu cycles_process_cpu_s=$c_cpu ratio=$ratio cpu_ratio=$cpu_ratio farm_mrays_per_cpu_s=$f_mrays_cpu cores=$(nproc) images=$out"
