// Unit tests for SortedState (state/sorted_state.h): range reads by namespace on
// the heap and on RocksDB, erase_below, counts, the entries its iterators
// visit, per-key-group snapshots, and incremental RocksDB checkpoints.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "rocksdb_test_support.h"
#include "state/keyed_state_backend.h"

using namespace eddy;
using namespace eddy::test;

namespace {

const KeyGroupRange kAll{0, 127};

/// (ns, values joined by ',') for every namespace of the current key in [lo, hi].
std::vector<std::string> read(SortedState<std::string>& s, int64_t lo, int64_t hi) {
  std::vector<std::string> out;
  REQUIRE(s.for_each_in(lo, hi, [&](int64_t ns, const std::vector<std::string>& v) {
               std::string row = std::to_string(ns) + ":";
               for (const auto& x : v) row += x + ",";
               out.push_back(row);
             }).is_ok());
  return out;
}

/// Runs `body` on a heap backend and on a RocksDB one.
template <class F>
void on_both_backends(F&& body) {
  SUBCASE("heap") {
    KeyedStateBackend b(128, kAll);
    body(b);
  }
  SUBCASE("rocksdb") {
    TempDir dir;
    KeyedStateBackend b(128, kAll, rocks_options(dir.file("db")));
    REQUIRE(b.open_status().is_ok());
    body(b);
  }
}

}  // namespace

TEST_CASE("sorted state reads exactly a namespace range of the current key") {
  on_both_backends([](KeyedStateBackend& b) {
    auto& s = b.sorted_state<std::string>("rows");
    b.set_current_key("k1", 1);
    for (int64_t t : {30, -10, 20, 10, 20}) REQUIRE(s.add(t, "r" + std::to_string(t)).is_ok());
    b.set_current_key("k2", 2);
    REQUIRE(s.add(15, "other").is_ok());
    b.set_current_key("k1", 1);
    CHECK(read(s, 10, 20) == std::vector<std::string>{"10:r10,", "20:r20,r20,"});
    CHECK(read(s, INT64_MIN, INT64_MAX) ==
          std::vector<std::string>{"-10:r-10,", "10:r10,", "20:r20,r20,", "30:r30,"});
    CHECK(read(s, 11, 19).empty());
    CHECK(s.size() == 5);  // k1: four namespaces, k2: one
    CHECK(b.key_count() == 2);
    int64_t first = 0;
    bool found = false;
    REQUIRE(s.first_from(11, first, found).is_ok());
    CHECK(found);
    CHECK(first == 20);
    REQUIRE(s.first_from(31, first, found).is_ok());
    CHECK_FALSE(found);
  });
}

TEST_CASE("sorted state range reads visit only the entries in the range") {
  on_both_backends([](KeyedStateBackend& b) {
    auto& s = b.sorted_state<std::string>("rows");
    b.set_current_key("k", 5);
    for (int64_t t = 0; t < 1000; ++t) REQUIRE(s.add(t, "x").is_ok());
    const uint64_t before = s.entries_visited();
    CHECK(read(s, 500, 502).size() == 3);
    CHECK(s.entries_visited() - before == 3);
    CHECK(read(s, 2000, 3000).empty());
    CHECK(s.entries_visited() - before == 3);
  });
}

TEST_CASE("erase below drops the namespaces under a bound, and the key with its last one") {
  on_both_backends([](KeyedStateBackend& b) {
    auto& s = b.sorted_state<std::string>("rows");
    b.set_current_key("k", 3);
    for (int64_t t : {1, 2, 3}) REQUIRE(s.add(t, "v").is_ok());
    size_t removed = 0;
    REQUIRE(s.erase_below(3, &removed).is_ok());
    CHECK(removed == 2);
    CHECK(read(s, INT64_MIN, INT64_MAX) == std::vector<std::string>{"3:v,"});
    CHECK(s.size() == 1);
    CHECK(b.key_count() == 1);
    REQUIRE(s.erase_below(INT64_MAX, &removed).is_ok());
    CHECK(removed == 3);
    CHECK(s.size() == 0);
    CHECK(b.key_count() == 0);
  });
}

TEST_CASE("sorted state travels through key-group snapshots into another backend") {
  on_both_backends([](KeyedStateBackend& b) {
    auto& s = b.sorted_state<std::string>("rows");
    for (int k = 0; k < 20; ++k) {
      b.set_current_key("key" + std::to_string(k), k % 128);
      for (int64_t t = 0; t < 3; ++t) REQUIRE(s.add(t * 10 + k, "v" + std::to_string(k)).is_ok());
    }
    // Into a heap backend owning half the key groups, and a RocksDB one owning the rest.
    TempDir dir;
    KeyedStateBackend low(128, KeyGroupRange{0, 9});
    KeyedStateBackend high(128, KeyGroupRange{10, 127}, rocks_options(dir.file("high")));
    auto& ls = low.sorted_state<std::string>("rows");
    auto& hs = high.sorted_state<std::string>("rows");
    std::string bytes;
    for (int32_t kg = 0; kg < 128; ++kg) {
      REQUIRE(b.snapshot_key_group(kg, bytes).is_ok());
      KeyedStateBackend& to = kg < 10 ? low : high;
      REQUIRE(to.restore_key_group(kg, bytes).is_ok());
    }
    CHECK(ls.size() == 30);
    CHECK(hs.size() == 30);
    CHECK(low.key_count() + high.key_count() == 20);
    high.set_current_key("key12", 12);
    CHECK(read(hs, 0, 100) == std::vector<std::string>{"12:v12,", "22:v12,", "32:v12,"});
    low.set_current_key("key3", 3);
    CHECK(read(ls, 10, 30) == std::vector<std::string>{"13:v3,", "23:v3,"});
  });
}

TEST_CASE("sorted state is part of incremental RocksDB checkpoints") {
  TempDir dir;
  KeyedStateBackend b(128, kAll, rocks_options(dir.file("a")));
  auto& s = b.sorted_state<std::string>("rows");
  b.set_current_key("k", 7);
  for (int64_t t : {5, 6, 7}) REQUIRE(s.add(t, "v").is_ok());
  std::filesystem::create_directories(dir.file("shared"));
  std::filesystem::create_directories(dir.file("private"));
  auto snap = b.checkpoint_incremental(1, dir.file("shared"), dir.file("private"));
  REQUIRE(snap.ok());
  REQUIRE(s.erase_below(INT64_MAX).is_ok());

  KeyedStateBackend whole(128, kAll, rocks_options(dir.file("b")));
  REQUIRE(whole.restore_incremental(*snap, dir.file("shared"), dir.file("private")).is_ok());
  auto& ws = whole.sorted_state<std::string>("rows");
  CHECK(ws.size() == 3);
  whole.set_current_key("k", 7);
  CHECK(read(ws, 6, 7) == std::vector<std::string>{"6:v,", "7:v,"});

  KeyedStateBackend part(128, KeyGroupRange{0, 63}, rocks_options(dir.file("c")));
  auto& ps = part.sorted_state<std::string>("rows");
  REQUIRE(part.restore_incremental_range(*snap, dir.file("shared"), dir.file("private")).is_ok());
  part.set_current_key("k", 7);
  CHECK(read(ps, INT64_MIN, INT64_MAX).size() == 3);
  CHECK(part.key_count() == 1);
}
