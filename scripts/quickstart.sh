#!/usr/bin/env bash
# The README's first command: install what is missing, build, run a real pipeline.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/build.sh
build/eddy local configs/quickstart.yaml
