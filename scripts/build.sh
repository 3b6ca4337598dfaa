#!/usr/bin/env bash
# Configures (once) and builds eddy and its tests into build/ with Ninja, -j2, ccache.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -f build/build.ninja ]; then
  cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo
fi
cmake --build build -j "${EDDY_BUILD_JOBS:-2}"
