#!/bin/bash
# Packs a Release farm-render, farm_render_tests and oiiotool with the shared libraries they
# load into .gpu/ (git-ignored locally: add /.gpu/ to .git/info/exclude), for a GPU machine
# that has the NVIDIA driver but not Debian's Embree/OpenImageIO/TBB (a CUDA image).
# OpenImageIO links every format plugin's library (ffmpeg, OpenVDB, HEIF, ...: ~390 MB);
# those the renderer never reaches are replaced by stand-ins that keep the SONAME, symbols
# and versions but abort naming the library if called (gpu_stub_lib.py), which brings the
# bundle to ~25 MB. If a run aborts with "stub library X called", drop X from STUBS.
# Usage: tests/bench/gpu_pack.sh [BUILD_DIR]   then on the GPU machine: tests/bench/gpu_check.sh
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
build=${1:-$root/build-gpu}
cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DFARM_BUILD_RENDERER=ON \
    -DFARM_TEST_SUBDIRS=render >/dev/null
ninja -C "$build" farm-render farm_render_tests
grep -q FARM_HAVE_CUDA "$build/build.ninja" || { echo "gpu_pack: no CUDA backend in $build" >&2; exit 1; }
out=$root/.gpu; work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
rm -rf "$out" && mkdir -p "$out/bin" "$work/libs" "$work/stubs"
strip -o "$out/bin/farm-render" "$build/worker/farm-render"
strip -o "$out/bin/farm_render_tests" "$build/tests/render/farm_render_tests"
strip -o "$out/bin/oiiotool" /usr/bin/oiiotool
STUBS="libopencv_imgproc.so.406 libopencv_videoio.so.406 libavcodec.so.59 libavformat.so.59
       libavutil.so.57 libswscale.so.6 libheif.so.1 libopenvdb.so.10.0 libxml2.so.2"
for l in $STUBS; do
    python3 "$root/tests/bench/gpu_stub_lib.py" "/lib/x86_64-linux-gnu/$l" "$work/stubs" >/dev/null
    cp "$work/stubs/$l" "$work/libs/"
done
# Everything else the binaries load, transitively, except glibc and the driver's libcuda.
python3 - "$out/bin" "$work/libs" <<'PY'
import os, shutil, subprocess, sys
bindir, libdir = sys.argv[1:]
have = set(os.listdir(libdir))
skip = {'libc.so.6', 'libm.so.6', 'libpthread.so.0', 'libdl.so.2', 'librt.so.1',
        'ld-linux-x86-64.so.2', 'libcuda.so.1'}
dirs = ['/lib/x86_64-linux-gnu', '/usr/lib/x86_64-linux-gnu', '/usr/local/cuda/lib64',
        '/usr/local/cuda/lib']
def needed(p):
    o = subprocess.run(['readelf', '-d', p], capture_output=True, text=True).stdout
    return [l.split('[')[1].split(']')[0] for l in o.splitlines() if '(NEEDED)' in l]
todo = [os.path.join(bindir, b) for b in os.listdir(bindir)]
while todo:
    for n in needed(todo.pop()):
        if n in skip or n in have: continue
        src = next((d + '/' + n for d in dirs if os.path.exists(d + '/' + n)), None)
        if not src: sys.exit('gpu_pack: cannot find ' + n)
        shutil.copy(os.path.realpath(src), os.path.join(libdir, n))
        have.add(n); todo.append(src)
PY
strip --strip-unneeded "$work"/libs/*.so* 2>/dev/null || true
tar -cJf "$out/libs.tar.xz" -C "$work/libs" .
# The bundle must run here with nothing but its own libraries and glibc.
LD_LIBRARY_PATH=$work/libs "$out/bin/farm-render" --benchmark --device cpu
du -sh "$out"
