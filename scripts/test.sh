#!/usr/bin/env bash
# The README's second command: install what is missing, build, run every test with ctest.
# Pass ctest arguments through, e.g. `scripts/test.sh -L unit` or `-R e2e_configs`.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/build.sh
cd build
# Long chaos runs (label chaos) only when asked: scripts/test.sh -L chaos
if [ $# -eq 0 ]; then set -- -LE chaos; fi
ctest --output-on-failure --timeout 900 -j "${EDDY_TEST_JOBS:-2}" "$@"
