// Unit tests for KeyedStateBackend in RocksDB mode: it must behave exactly like
// the heap backend (randomized operations run on both in lockstep), open
// failures are reported, and canonical key-group snapshots cross between modes.
#include <doctest/doctest.h>

#include <sys/wait.h>
#include <unistd.h>

#include <csignal>
#include <cstdio>
#include <fstream>
#include <random>
#include <string>
#include <vector>

#include "rocksdb_test_support.h"
#include "state/keyed_state_backend.h"

using namespace eddy;
using namespace eddy::test;

namespace {

const KeyGroupRange kAll{0, 127};

/// The same four states on any backend; `one` keeps namespace 0 only (on
/// RocksDB its keys load with point reads).
struct States {
  explicit States(KeyedStateBackend& b)
      : backend(b),
        value(b.value_state<int64_t>("value")),
        map(b.map_state<std::string, int64_t>("map")),
        list(b.list_state<int64_t>("list")),
        one(b.value_state<int64_t>("one", Namespaces::kZeroOnly)) {}
  KeyedStateBackend& backend;
  ValueState<int64_t>& value;
  MapState<std::string, int64_t>& map;
  ListState<int64_t>& list;
  ValueState<int64_t>& one;
};

void check_same(States& heap, States& rocks) {
  CHECK(dump(heap.value) == dump(rocks.value));
  CHECK(dump(heap.map) == dump(rocks.map));
  CHECK(dump(heap.list) == dump(rocks.list));
  CHECK(dump(heap.one) == dump(rocks.one));
  CHECK(heap.backend.key_count() == rocks.backend.key_count());
  CHECK(heap.value.size() == rocks.value.size());
  CHECK(heap.list.entry_count() == rocks.list.entry_count());
  CHECK(heap.map.key_count() == rocks.map.key_count());
}

/// One random operation, applied to both backends, comparing what they return.
void random_step(std::mt19937& rng, States& h, States& r, int step) {
  auto pick = [&](int n) { return static_cast<int>(rng() % static_cast<unsigned>(n)); };
  const int key_index = pick(40);
  const std::string key = "key-" + std::to_string(key_index) + std::string(key_index % 3, 'x');
  const int32_t kg = key_index % 7 * 9;  // a few key groups, several keys each
  const int64_t ns = pick(7) - 3 + (pick(10) == 0 ? int64_t{1} << 40 : 0);
  const int64_t x = pick(1000) - 500;
  h.backend.set_current_key(key, kg);
  r.backend.set_current_key(key, kg);
  switch (pick(24)) {
    case 0: h.value.put(x, ns); r.value.put(x, ns); break;
    case 1: h.value.get_or_create(ns) += x; r.value.get_or_create(ns) += x; break;
    case 2: {
      int64_t* a = h.value.get(ns);
      int64_t* b = r.value.get(ns);
      REQUIRE((a == nullptr) == (b == nullptr));
      if (a != nullptr) {
        CHECK(*a == *b);
        *a += 1;  // written through the pointer: RocksDB must treat get() as a write
        *b += 1;
      }
      break;
    }
    case 3: h.value.clear(ns); r.value.clear(ns); break;
    case 4: {
      const std::string mk = "m" + std::to_string(pick(4));
      h.map.put(mk, x, ns);
      r.map.put(mk, x, ns);
      break;
    }
    case 5: {
      const std::string mk = "m" + std::to_string(pick(4));
      h.map.remove(mk, ns);
      r.map.remove(mk, ns);
      break;
    }
    case 6: {
      const std::string mk = "m" + std::to_string(pick(4));
      CHECK(h.map.contains(mk, ns) == r.map.contains(mk, ns));
      CHECK(h.map.size(ns) == r.map.size(ns));
      int64_t* a = h.map.get(mk, ns);
      int64_t* b = r.map.get(mk, ns);
      REQUIRE((a == nullptr) == (b == nullptr));
      if (a != nullptr) CHECK(*a == *b);
      break;
    }
    case 7: h.map.clear(ns); r.map.clear(ns); break;
    case 8: case 9: h.list.add(x, ns); r.list.add(x, ns); break;
    case 10: {
      const auto* a = h.list.get(ns);
      const auto* b = r.list.get(ns);
      REQUIRE((a == nullptr) == (b == nullptr));
      if (a != nullptr) CHECK(*a == *b);
      break;
    }
    case 11: {
      std::vector<int64_t> v(static_cast<size_t>(pick(3)), x);
      h.list.update(v, ns);
      r.list.update(v, ns);
      break;
    }
    case 12: h.list.clear(ns); r.list.clear(ns); break;
    case 13:
      CHECK(h.value.namespaces() == r.value.namespaces());
      CHECK(h.map.namespaces() == r.map.namespaces());
      CHECK(h.list.namespaces() == r.list.namespaces());
      break;
    case 14: {
      const int64_t cut = pick(7) - 3;
      auto pred = [cut](int32_t, const std::string&, int64_t n, auto&) { return n <= cut; };
      CHECK(h.value.remove_if(pred) == r.value.remove_if(pred));
      auto odd = [](int32_t, const std::string&, int64_t, std::vector<int64_t>& v) {
        return v.size() % 2 == 1;
      };
      CHECK(h.list.remove_if(odd) == r.list.remove_if(odd));
      auto big = [](int32_t, const std::string&, int64_t, auto& m) {
        m.erase("m0");  // a predicate may change what it keeps
        return m.size() > 2;
      };
      CHECK(h.map.remove_if(big) == r.map.remove_if(big));
      break;
    }
    case 15: {
      auto bump = [](int32_t, const std::string&, int64_t n, int64_t& v) {
        if (n % 2 == 0) v += 7;
      };
      h.value.for_each(bump);
      r.value.for_each(bump);
      break;
    }
    case 16: REQUIRE(r.backend.flush().is_ok()); break;
    case 18: h.one.put(x); r.one.put(x); break;
    case 19: h.one.get_or_create() += x; r.one.get_or_create() += x; break;
    case 20: {
      int64_t* a = h.one.get();
      int64_t* b = r.one.get();
      REQUIRE((a == nullptr) == (b == nullptr));
      if (a != nullptr) {
        CHECK(*a == *b);
        *a -= 1;
        *b -= 1;
      }
      break;
    }
    case 21: h.one.clear(); r.one.clear(); break;
    case 17:
      if (step % 50 == 0) {
        h.backend.clear();
        r.backend.clear();
      }
      break;
    default: {
      // The map's for_each_entry writes through references too.
      auto twice = [](const std::string&, int64_t& v) { v *= 2; };
      h.map.for_each_entry(twice, ns);
      r.map.for_each_entry(twice, ns);
      break;
    }
  }
  CHECK(h.backend.key_count() == r.backend.key_count());
  CHECK(h.value.size() == r.value.size());
  CHECK(h.list.entry_count() == r.list.entry_count());
  CHECK(h.one.size() == r.one.size());
}

}  // namespace

TEST_CASE("every state kind on RocksDB gives the heap's results under random operations") {
  for (size_t cache_keys : {size_t{0}, size_t{1}, size_t{3}, size_t{1000}}) {
    for (unsigned seed : {1u, 2u, 3u}) {
      CAPTURE(cache_keys);
      CAPTURE(seed);
      TempDir tmp;
      KeyedStateBackend heap(128, kAll);
      KeyedStateBackend rocks(128, kAll, rocks_options(tmp.file("db"), cache_keys));
      REQUIRE(rocks.open_status().is_ok());
      REQUIRE(rocks.is_rocksdb());
      States h(heap), r(rocks);
      std::mt19937 rng(seed);
      for (int step = 1; step <= 1500; ++step) random_step(rng, h, r, step);
      CHECK(heap.key_count() > 10);  // the run ends with real contents to compare
      check_same(h, r);
      CHECK(rocks.io_status().is_ok());
    }
  }
}

TEST_CASE("the RocksDB backend deletes its local directory when destroyed") {
  TempDir tmp;
  const std::string dir = tmp.file("local");
  {
    KeyedStateBackend rocks(128, kAll, rocks_options(dir));
    REQUIRE(rocks.open_status().is_ok());
    CHECK(std::filesystem::exists(dir));
  }
  CHECK(!std::filesystem::exists(dir));
}

TEST_CASE("a RocksDB backend that cannot open reports why instead of aborting") {
  TempDir tmp;
  const std::string file = tmp.file("a-file");
  { std::ofstream(file) << "x"; }
  KeyedStateBackend rocks(128, kAll, rocks_options(file + "/db"));
  CHECK(!rocks.open_status().is_ok());
  CHECK(rocks.open_status().message().find("cannot open RocksDB in " + file + "/db") !=
        std::string::npos);
  CHECK(!rocks.is_rocksdb());
  auto snap = rocks.checkpoint_incremental(1, tmp.file("s"), tmp.file("p"));
  CHECK(!snap.ok());

  KeyedStateBackend heap(128, kAll);
  CHECK(heap.open_status().is_ok());
  CHECK(!heap.is_rocksdb());
  CHECK(!heap.checkpoint_incremental(1, tmp.file("s"), tmp.file("p")).ok());
}

TEST_CASE("states registered in any order keep their data apart and counts exact") {
  TempDir tmp;
  KeyedStateBackend rocks(128, kAll, rocks_options(tmp.file("db"), 0));
  auto& a = rocks.value_state<int64_t>("a");
  rocks.set_current_key("k1", 1);
  a.put(1);
  rocks.set_current_key("k2", 1);
  a.put(2);
  auto& b = rocks.value_state<int64_t>("b");  // registered once "a" holds keys
  b.put(20);
  CHECK(rocks.key_count() == 2);
  rocks.set_current_key("k3", 2);
  b.put(30);
  CHECK(rocks.key_count() == 3);
  REQUIRE(rocks.flush().is_ok());
  rocks.set_current_key("k2", 1);
  a.clear();
  CHECK(rocks.key_count() == 3);  // b still holds k2
  b.clear();
  CHECK(rocks.key_count() == 2);
  rocks.set_current_key("k1", 1);
  CHECK(*a.get() == 1);
  CHECK(b.get() == nullptr);
}

TEST_CASE("canonical key-group snapshots cross from heap to RocksDB and back") {
  TempDir tmp;
  KeyedStateBackend heap(128, kAll);
  States h(heap);
  std::mt19937 rng(7);
  {
    // Fill the heap through a throwaway RocksDB twin (random_step needs two).
    KeyedStateBackend twin(128, kAll, rocks_options(tmp.file("twin")));
    States t(twin);
    for (int step = 1; step <= 800; ++step) random_step(rng, h, t, step);
  }
  REQUIRE(heap.key_count() > 0);

  KeyedStateBackend rocks(128, kAll, rocks_options(tmp.file("rocks"), 2));
  States r(rocks);
  // Something to be replaced: restore must drop what the key group held.
  rocks.set_current_key("stale", 0);
  r.value.put(99);
  rocks.set_current_key("stale", 100);
  r.list.add(1);
  for (int32_t kg = 0; kg < 128; ++kg) {
    std::string bytes;
    REQUIRE(heap.snapshot_key_group(kg, bytes).is_ok());
    REQUIRE(rocks.restore_key_group(kg, bytes).is_ok());
  }
  check_same(h, r);

  // Back into a fresh heap, then again into RocksDB: RocksDB's bytes are
  // canonical (key order), so the round trip reproduces them exactly.
  KeyedStateBackend heap2(128, kAll);
  States h2(heap2);
  KeyedStateBackend rocks2(128, kAll, rocks_options(tmp.file("rocks2")));
  States r2(rocks2);
  for (int32_t kg = 0; kg < 128; ++kg) {
    std::string from_rocks, from_heap2, from_rocks2;
    REQUIRE(rocks.snapshot_key_group(kg, from_rocks).is_ok());
    REQUIRE(heap2.restore_key_group(kg, from_rocks).is_ok());
    REQUIRE(heap2.snapshot_key_group(kg, from_heap2).is_ok());
    REQUIRE(rocks2.restore_key_group(kg, from_heap2).is_ok());
    REQUIRE(rocks2.snapshot_key_group(kg, from_rocks2).is_ok());
    CHECK(from_rocks2 == from_rocks);
  }
  check_same(h, h2);
  check_same(h2, r2);

  // A type mismatch is refused on RocksDB as on the heap, and nothing changes.
  KeyedStateBackend wrong(128, kAll, rocks_options(tmp.file("wrong")));
  wrong.value_state<std::string>("value");
  wrong.map_state<std::string, int64_t>("map");
  wrong.list_state<int64_t>("list");
  wrong.value_state<int64_t>("one", Namespaces::kZeroOnly);
  bool refused = false;
  for (int32_t kg = 0; kg < 128; ++kg) {
    std::string bytes;
    REQUIRE(heap.snapshot_key_group(kg, bytes).is_ok());
    if (bytes.find("value") != std::string::npos) {
      Status st = wrong.restore_key_group(kg, bytes);
      CHECK(st.code() == StatusCode::kTypeError);
      refused = true;
    }
  }
  CHECK(refused);
  CHECK(wrong.key_count() == 0);
}

TEST_CASE("rescaling by key group works across backends") {
  TempDir tmp;
  KeyedStateBackend heap(128, kAll);
  States h(heap);
  {
    KeyedStateBackend twin(128, kAll, rocks_options(tmp.file("twin")));
    States t(twin);
    std::mt19937 rng(11);
    for (int step = 1; step <= 600; ++step) random_step(rng, h, t, step);
  }
  // Two RocksDB subtasks take half of the key groups each.
  KeyedStateBackend lo(128, KeyGroupRange{0, 63}, rocks_options(tmp.file("lo"), 1));
  KeyedStateBackend hi(128, KeyGroupRange{64, 127}, rocks_options(tmp.file("hi"), 1));
  States l(lo), u(hi);
  for (int32_t kg = 0; kg < 128; ++kg) {
    std::string bytes;
    REQUIRE(heap.snapshot_key_group(kg, bytes).is_ok());
    REQUIRE((kg < 64 ? lo : hi).restore_key_group(kg, bytes).is_ok());
  }
  Dump both = dump(l.value);
  for (auto& e : dump(u.value)) both.insert(e);
  CHECK(both == dump(h.value));
  CHECK(lo.key_count() + hi.key_count() == heap.key_count());
}

TEST_CASE("a state emptied after a flush leaves nothing behind, and keys come back fresh") {
  for (size_t cache_keys : {size_t{0}, size_t{1000}}) {
    CAPTURE(cache_keys);
    TempDir tmp;
    KeyedStateBackend rocks(128, kAll, rocks_options(tmp.file("db"), cache_keys));
    REQUIRE(rocks.open_status().is_ok());
    States r(rocks);
    auto key = [](int i) { return "k" + std::to_string(i); };
    for (int i = 0; i < 300; ++i) {
      rocks.set_current_key(key(i), i % 128);
      r.value.put(i, 1);
      r.value.put(i, 2);
      r.list.add(i, 5);
    }
    REQUIRE(rocks.flush().is_ok());  // everything is in the database now
    for (int i = 0; i < 300; ++i) {
      rocks.set_current_key(key(i), i % 128);
      r.value.clear(1);
      r.value.clear(2);
      r.list.clear(5);
    }
    CHECK(rocks.key_count() == 0);
    REQUIRE(rocks.flush().is_ok());  // one range delete instead of 900 tombstones
    CHECK(dump(r.value).empty());
    CHECK(dump(r.list).empty());
    rocks.set_current_key(key(7), 7);
    CHECK(r.value.get(1) == nullptr);  // not loaded back from the database
    r.value.put(70, 1);
    REQUIRE(rocks.flush().is_ok());
    CHECK(dump(r.value).size() == 1);
    CHECK(rocks.key_count() == 1);
    CHECK(rocks.io_status().is_ok());
  }
}

TEST_CASE("a RocksDB backend that holds no key snapshots each key group as an empty one, without a scan") {
  TempDir tmp;
  KeyedStateBackend rocks(128, kAll, rocks_options(tmp.file("db"), 0));
  States r(rocks);
  KeyedStateBackend heap(128, kAll);
  States h(heap);
  auto key = [](int i) { return "k" + std::to_string(i); };
  for (int i = 0; i < 500; ++i) {
    rocks.set_current_key(key(i), i % 128);
    r.value.put(i, 1);
    r.list.add(i, 5);
  }
  REQUIRE(rocks.flush().is_ok());  // in the database, then erased: tombstones behind every key
  for (int i = 0; i < 500; ++i) {
    rocks.set_current_key(key(i), i % 128);
    r.value.clear(1);
    r.list.clear(5);
  }
  REQUIRE(rocks.key_count() == 0);
  // The bytes of an empty key group are those of the heap's empty group, and
  // restoring them clears what a key group held.
  heap.set_current_key("old", 3);
  h.value.put(1, 1);
  for (int32_t kg = 0; kg < 128; ++kg) {
    std::string from_rocks, from_heap;
    REQUIRE(rocks.snapshot_key_group(kg, from_rocks).is_ok());
    REQUIRE(KeyedStateBackend(128, kAll).snapshot_key_group(kg, from_heap).is_ok());
    CHECK(from_rocks == from_heap);
    REQUIRE(heap.restore_key_group(kg, from_rocks).is_ok());
  }
  CHECK(heap.key_count() == 0);

  // State restored from a checkpoint, of states not registered yet, counts as
  // held: its key groups are scanned.
  KeyedStateBackend source(128, kAll, rocks_options(tmp.file("source")));
  source.set_current_key("zq-key", 17);
  source.value_state<int64_t>("value").put(7, 1);
  auto snap = source.checkpoint_incremental(1, tmp.file("shared"), tmp.file("private"));
  REQUIRE(snap.ok());
  KeyedStateBackend late(128, kAll, rocks_options(tmp.file("late"), 0));
  REQUIRE(late.restore_incremental(*snap, tmp.file("shared"), tmp.file("private")).is_ok());
  std::string bytes, again;
  REQUIRE(source.snapshot_key_group(17, bytes).is_ok());
  REQUIRE(late.snapshot_key_group(17, again).is_ok());
  CHECK(bytes.find("zq-key") != std::string::npos);
  CHECK(again == bytes);
}

TEST_CASE("a state that keeps namespace 0 only refuses restored entries of another namespace") {
  KeyedStateBackend from(128, kAll);
  auto& any = from.value_state<int64_t>("v");
  from.set_current_key("k", 3);
  any.put(1);
  any.put(2, 5);
  std::string bytes;
  REQUIRE(from.snapshot_key_group(3, bytes).is_ok());

  for (bool on_rocksdb : {false, true}) {
    CAPTURE(on_rocksdb);
    TempDir tmp;
    KeyedStateBackend to = on_rocksdb ? KeyedStateBackend(128, kAll, rocks_options(tmp.file("db")))
                                      : KeyedStateBackend(128, kAll);
    auto& one = to.value_state<int64_t>("v", Namespaces::kZeroOnly);
    const Status st = to.restore_key_group(3, bytes);
    CHECK(!st.is_ok());
    CHECK(st.message().find("namespace 5") != std::string::npos);
    CHECK(one.size() == 0);  // nothing changed
  }
}

TEST_CASE("a state that keeps namespace 0 only loads its keys from RocksDB after eviction") {
  TempDir tmp;
  KeyedStateBackend rocks(128, kAll, rocks_options(tmp.file("db"), /*cache_keys=*/0));
  auto& one = rocks.value_state<int64_t>("one", Namespaces::kZeroOnly);
  auto& other = rocks.value_state<int64_t>("other");
  for (int i = 0; i < 100; ++i) {
    rocks.set_current_key("key" + std::to_string(i), i % 128);
    one.put(i);
    if (i % 10 == 0) other.put(-i);
  }
  REQUIRE(rocks.flush().is_ok());  // every key leaves the cache
  for (int i = 0; i < 100; i += 2) {
    rocks.set_current_key("key" + std::to_string(i), i % 128);
    one.clear();  // keys 0, 20, ... stay, held by `other`
  }
  REQUIRE(rocks.flush().is_ok());
  CHECK(rocks.key_count() == 50 + 10);  // odd keys hold `one`; 0, 10, ... 90 hold `other`
  for (int i = 0; i < 100; ++i) {
    CAPTURE(i);
    rocks.set_current_key("key" + std::to_string(i), i % 128);
    const int64_t* v = one.get();
    if (i % 2 == 0) {
      CHECK(v == nullptr);
    } else {
      REQUIRE(v != nullptr);
      CHECK(*v == i);
    }
  }
  CHECK(rocks.io_status().is_ok());
}

namespace {

/// Whether `f`, run in a child process, ends it with abort() (a programming error).
template <class F>
bool aborts(F&& f) {
  std::fflush(nullptr);
  const pid_t pid = ::fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    std::freopen("/dev/null", "w", stderr);  // the fatal message is expected
    f();
    ::_exit(0);
  }
  int status = 0;
  REQUIRE(::waitpid(pid, &status, 0) == pid);
  return WIFSIGNALED(status) && WTERMSIG(status) == SIGABRT;
}

}  // namespace

TEST_CASE("writing another namespace to a state that keeps namespace 0 only is a programming error") {
  KeyedStateBackend heap(128, kAll);
  auto& one = heap.value_state<int64_t>("one", Namespaces::kZeroOnly);
  heap.set_current_key("k", 3);
  CHECK_FALSE(aborts([&] { one.put(1, 0); }));
  CHECK(aborts([&] { one.put(1, 7); }));
  CHECK(aborts([&] { one.get_or_create(-1); }));
  // Registering the name again without the promise is a clash too.
  CHECK(aborts([&] { heap.value_state<int64_t>("one"); }));
  CHECK_FALSE(aborts([&] { heap.value_state<int64_t>("one", Namespaces::kZeroOnly); }));
}
