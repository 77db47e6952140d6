#!/bin/bash
# GPU check of the CUDA backend: [gpu] test, CUDA vs CPU images (means, RMSE against a
# 128-spp CPU reference, AOVs), determinism, tile vs full frame, Mrays/s, memcheck.
# Run from the repo root on a GPU machine: BIN=dir with farm-render, farm_render_tests and
# oiiotool (default .gpu/bin, as gpu_pack.sh leaves them); OUT=dir for the PNG/EXR copies.
# W and H override 1280x720.
R=$PWD; B=${BIN:-$R/.gpu/bin}; S=$R/scenes/samples/demo
if [ -f .gpu/libs.tar.xz ]; then mkdir -p /tmp/libs && tar -xJf .gpu/libs.tar.xz -C /tmp/libs && export LD_LIBRARY_PATH=/tmp/libs; fi
OUT=${OUT:-/tmp/gpu_check}; mkdir -p "$OUT"
# The tests find the demo scene under the source path they were built from.
SRC=${FARM_SOURCE_DIR:-/work/main}
[ -e "$SRC" ] || { mkdir -p "$(dirname "$SRC")" && ln -s "$R" "$SRC"; }
nvidia-smi -L; nvidia-smi --query-gpu=driver_version,clocks.max.sm --format=csv,noheader; nproc
T() { timeout "$@"; echo "rc=$?"; }
W=${W:-1280}; H=${H:-720}; FR=("$B/farm-render" "$S" --frame 60 --res ${W}x$H -q)
TILE="$((W/4)),$((H/4)),$((3*W/4)),$((3*H/4))"; CUT="$((W/2))x$((H/2))+$((W/4))+$((H/4))"
echo "== [gpu] and [bvh] tests"; T 180 "$B/farm_render_tests" "[gpu],[bvh]" -s 2>&1 | grep -E -A3 "warning|WARN|cpu .*Mrays|FAILED|passed|failed" | head -40
echo "== benchmark"; T 60 "$B/farm-render" --benchmark --device cuda; T 60 "$B/farm-render" --benchmark --device cpu
echo "== ${W}x$H frame 60"
T 120 "${FR[@]}" --spp 16 --device cuda -o /tmp/cuda16.exr --png $OUT/cuda16.png
T 120 "${FR[@]}" --spp 16 --device cuda -o /tmp/cuda16b.exr
T 120 "${FR[@]}" --spp 16 --device cpu -o /tmp/cpu16.exr --png $OUT/cpu16.png
T 120 "${FR[@]}" --spp 256 --device cuda -o /tmp/cuda256.exr --png $OUT/cuda256.png
T 120 "${FR[@]}" --spp 16 --device cuda --tile $TILE -o /tmp/cudatile.exr
T 150 "${FR[@]}" --spp 128 --device cpu -o /tmp/cpu128.exr
O() { "$B/oiiotool" "$@" 2>&1 | grep -E "Mean error|RMS error|PSNR|PASS|FAIL|Stats Avg"; }
echo "== determinism cuda16 vs cuda16b"; O /tmp/cuda16.exr --ch R,G,B /tmp/cuda16b.exr --ch R,G,B --diff
echo "== tile vs full (cuda)"; O /tmp/cuda16.exr --ch R,G,B,A --cut $CUT /tmp/cudatile.exr --ch R,G,B,A --cut $CUT --diff
for f in cpu16 cuda16 cuda256 cpu128; do echo "== mean $f"; O /tmp/$f.exr --ch R,G,B --printstats; done
for a in cpu16 cuda16 cuda256; do echo "== $a vs cpu128 (HDR, clamped to 4)"; O /tmp/$a.exr --ch R,G,B --clamp:min=0:max=4 /tmp/cpu128.exr --ch R,G,B --clamp:min=0:max=4 --diff; done
echo "== cuda16 vs cpu16 (HDR clamped)"; O /tmp/cuda16.exr --ch R,G,B --clamp:min=0:max=4 /tmp/cpu16.exr --ch R,G,B --clamp:min=0:max=4 --diff
for a in albedo.R,albedo.G,albedo.B N.X,N.Y,N.Z Z; do echo "== AOV $a cuda16 vs cpu16"; O /tmp/cuda16.exr --ch $a /tmp/cpu16.exr --ch $a --diff; done
cp /tmp/cuda16.exr $OUT/ 2>/dev/null; cp /tmp/cpu16.exr $OUT/ 2>/dev/null

echo "== memcheck 64x36 spp 2"
CS=$(command -v compute-sanitizer || ls /usr/local/cuda/bin/compute-sanitizer 2>/dev/null)
[ -n "$CS" ] && timeout 120 "$CS" --tool memcheck "$B/farm-render" "$S" --frame 60 --res 64x36 --spp 2 -q --device cuda -o /tmp/m.exr 2>&1 | tail -15
echo "== end"
