#!/usr/bin/env bash
# The test command: installs dependencies, configures, builds and runs the whole suite.
set -euo pipefail
cd "$(dirname "$0")/.."
./deploy/bootstrap.sh
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DFARM_BUILD_RENDERER=ON -DFARM_TEST_SUBDIRS="transfer;scenes;render;stitch;sched;gateway;worker;cli;e2e;bench"
cmake --build build
ctest --test-dir build --output-on-failure --timeout 600 -j2
