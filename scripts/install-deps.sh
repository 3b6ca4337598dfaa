#!/usr/bin/env bash
# Installs, with apt-get, whatever eddy's build and tests need that this Debian 12
# machine lacks. Installs nothing when everything is present. Needs root (or sudo).
set -euo pipefail

packages=(
  g++ cmake ninja-build ccache pkg-config python3 python3-yaml procps   # python3-yaml: the e2e runners read pipeline files
  python3-prometheus-client   # the monitoring test parses GET /metrics with it (tests/e2e/monitoring)
  libcaf-dev libssl-dev librocksdb-dev libmsgpack-cxx-dev libcli11-dev doctest-dev libabsl-dev
  libyaml-cpp-dev libpg-query-dev nlohmann-json3-dev zlib1g-dev libcpp-httplib-dev libicu-dev
  libre2-dev   # regular expressions in SQL expressions (src/expr/regex_functions.cpp)
  libjemalloc-dev   # the binary's allocator (cmd/allocator.cpp)
  libsimdjson-dev   # the JSON-lines reader (src/connectors/jsonl_format.cpp)
  openssl iproute2 tshark curl   # cluster tests: certificates, network namespaces, captures, REST commands
  tmux                           # the SQL shell's test types into it as a person would
  libpq-dev postgresql           # the jdbc connector and its tests' private PostgreSQL server
  librdkafka-dev                 # the kafka connector; its tests run librdkafka's mock cluster
  kcat                           # the kafka tests produce and read topics with it (tests/e2e/kafka)
  libhiredis-dev redis-server redis-tools   # the redis connector and its tests' private server
  chromium fonts-dejavu-core     # the web UI's browser tests (tests/e2e/ui); fonts: screenshots with text
)
# playwright-core (npm, tests/e2e/ui/package-lock.json) drives that chromium. A
# node and npm already on the PATH count, whatever installed them: Debian's npm
# would fight another vendor's nodejs package.
command -v node >/dev/null || packages+=(nodejs)
command -v npm >/dev/null || packages+=(npm)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all ${#packages[@]} packages present"
  exit 0
fi

sudo=""
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null || { echo "install-deps: run as root (missing: ${missing[*]})" >&2; exit 1; }
  sudo="sudo"
fi
echo "install-deps: installing ${missing[*]}"
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
