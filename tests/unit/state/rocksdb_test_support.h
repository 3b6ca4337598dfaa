// Helpers for the RocksDB backend tests: backend options in a temp directory
// (unit/temp_dir.h), and a dump of a state's whole contents for comparing backends.
#pragma once

#include <stdlib.h>

#include <algorithm>
#include <filesystem>
#include <map>
#include <string>
#include <tuple>
#include <unordered_map>
#include <vector>

#include "state/keyed_state_backend.h"
#include "unit/temp_dir.h"

namespace eddy::test {

inline StateBackendOptions rocks_options(const std::string& dir, size_t cache_keys = 1 << 16) {
  StateBackendOptions o;
  o.kind = StateBackendOptions::Kind::kRocksDb;
  o.local_dir = dir;
  o.cache_keys = cache_keys;
  return o;
}

inline std::string render(int64_t v) { return std::to_string(v); }
inline std::string render(const std::string& v) { return "'" + v + "'"; }
template <class T>
std::string render(const std::vector<T>& v) {
  std::string out = "[";
  for (const auto& e : v) out += render(e) + ",";
  return out + "]";
}
template <class K, class V>
std::string render(const std::unordered_map<K, V>& m) {
  std::map<K, V> sorted(m.begin(), m.end());
  std::string out = "{";
  for (const auto& [k, v] : sorted) out += render(k) + ":" + render(v) + ",";
  return out + "}";
}

using Dump = std::map<std::tuple<int32_t, std::string, int64_t>, std::string>;

/// Every entry of state s, rendered; for_each with a read-only visitor.
template <class S>
Dump dump(S& s) {
  Dump out;
  s.for_each([&](int32_t kg, const std::string& key, int64_t ns, auto& value) {
    out[{kg, key, ns}] = render(value);
  });
  return out;
}

}  // namespace eddy::test
