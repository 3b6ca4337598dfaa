// `eddy version`: the version and the libraries it was built with.
#include <caf/config.hpp>
#include <rocksdb/version.h>
#include <yaml-cpp/yaml.h>

#include <cstdio>

#include "cmd/commands.h"

namespace eddy {

int run_version() {
  std::printf("eddy %s\n", EDDY_VERSION);
  std::printf("built with CAF %d.%d.%d, RocksDB %d.%d.%d, C++ %ld\n", CAF_VERSION / 10000,
              CAF_VERSION / 100 % 100, CAF_VERSION % 100, ROCKSDB_MAJOR, ROCKSDB_MINOR, ROCKSDB_PATCH,
              static_cast<long>(__cplusplus));
  return kExitOk;
}

}  // namespace eddy
