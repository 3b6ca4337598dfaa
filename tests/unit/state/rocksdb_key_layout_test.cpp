// Unit tests for the RocksDB backend's key layout (src/state/rocksdb_key_layout.h).
#include <doctest/doctest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "state/rocksdb_key_layout.h"

using namespace eddy;
using namespace eddy::rocks_layout;

namespace {
std::string entry(int32_t kg, uint16_t sid, const std::string& key, int64_t ns) {
  std::string out;
  append_entry_key(out, kg, sid, key, ns);
  return out;
}
bool starts_with(const std::string& s, const std::string& prefix) {
  return s.compare(0, prefix.size(), prefix) == 0;
}
}  // namespace

TEST_CASE("entry keys start with the key group as two big-endian bytes, then the state id") {
  const std::string k = entry(0x0102, 0x0304, "ab", 7);
  REQUIRE(k.size() == kFixedBytes + 2);
  CHECK(static_cast<uint8_t>(k[0]) == 0x01);
  CHECK(static_cast<uint8_t>(k[1]) == 0x02);
  CHECK(static_cast<uint8_t>(k[2]) == 0x03);
  CHECK(static_cast<uint8_t>(k[3]) == 0x04);
  CHECK(k.substr(4, 4) == std::string("\0\0\0\2", 4));  // key length
  CHECK(k.substr(8, 2) == "ab");
}

TEST_CASE("namespaces sort numerically under memcmp, negatives first") {
  const std::vector<int64_t> ns = {INT64_MIN, -1000000, -2, -1, 0, 1, 2, 255, 256, 1 << 20,
                                   INT64_MAX};
  std::vector<std::string> keys;
  for (int64_t n : ns) keys.push_back(entry(5, 1, "key", n));
  CHECK(std::is_sorted(keys.begin(), keys.end()));
  for (int64_t n : ns) {
    std::string b;
    append_namespace(b, n);
    CHECK(read_namespace(b.data()) == n);
  }
}

TEST_CASE("key groups order entries before states and keys, so a key group is one range") {
  std::vector<std::string> keys = {entry(1, 9, "zzz", 5), entry(2, 1, "a", -5),
                                   entry(1, 2, "a", 0), entry(1, 9, "a", 1)};
  std::sort(keys.begin(), keys.end());
  CHECK(keys[0] == entry(1, 2, "a", 0));
  CHECK(keys[3] == entry(2, 1, "a", -5));
  std::string kg1;
  append_key_group(kg1, 1);
  for (int i = 0; i < 3; ++i) CHECK(starts_with(keys[i], kg1));
  CHECK(!starts_with(keys[3], kg1));
  CHECK(prefix_end(kg1) == std::string("\0\2", 2));
}

TEST_CASE("states are separated: one state's prefix never covers another's entries") {
  std::string p1, p2;
  append_state_prefix(p1, 3, 1);
  append_state_prefix(p2, 3, 2);
  CHECK(starts_with(entry(3, 1, "k", 0), p1));
  CHECK(!starts_with(entry(3, 2, "k", 0), p1));
  CHECK(!starts_with(entry(3, 1, "k", 0), p2));
  CHECK(!starts_with(entry(4, 1, "k", 0), p1));
}

TEST_CASE("key prefixes are prefix-free across keys of different lengths") {
  // "a" is a byte prefix of "ab", and "ab" followed by namespace bytes could
  // look like "a" followed by others: the length field keeps them apart.
  const std::vector<std::string> keys = {"", "a", "ab", std::string("a\0", 2), "abc",
                                         std::string(300, 'x')};
  for (const auto& a : keys) {
    std::string prefix;
    append_key_prefix(prefix, 7, 1, a);
    for (const auto& b : keys) {
      for (int64_t ns : {INT64_MIN, int64_t{-1}, int64_t{0}, int64_t{97}, INT64_MAX}) {
        CHECK_MESSAGE(starts_with(entry(7, 1, b, ns), prefix) == (a == b),
                      "key '" << a << "' vs '" << b << "'");
      }
    }
  }
}

TEST_CASE("entry keys decode back into their parts; other bytes do not decode") {
  const std::string key("k\0\xff", 3);
  EntryKey e;
  const std::string bytes = entry(65534, 65535, key, -42);  // e's views point into it
  REQUIRE(decode_entry_key(bytes, e));
  CHECK(e.key_group == 65534);
  CHECK(e.state_id == 65535);
  CHECK(e.key == key);
  CHECK(e.ns == -42);
  CHECK(!decode_entry_key("short", e));
  std::string bad = entry(1, 1, "abc", 0);
  bad.pop_back();
  CHECK(!decode_entry_key(bad, e));
  CHECK(!decode_entry_key(directory_key("some state name that is long"), e));
  std::string name;
  CHECK(decode_directory_key(directory_key("window_slices"), name));
  CHECK(name == "window_slices");
  CHECK(!decode_directory_key(entry(1, 1, "abc", 0), name));
}

TEST_CASE("prefix_end is the smallest string after every extension of the prefix") {
  CHECK(prefix_end("ab") == "ac");
  CHECK(prefix_end(std::string("a\xff", 2)) == "b");
  CHECK(prefix_end(std::string("\xff\xff", 2)).empty());
}
