// Unit tests for value, map and list state scoped by key and namespace
// (src/state/keyed_state_backend.h), without snapshots.
#include <doctest/doctest.h>

#include <map>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include "state/keyed_state_backend.h"

using namespace eddy;

namespace {
const KeyGroupRange kAll{0, 127};

/// A struct key without std::hash (member templates rule out a local class).
struct Point {
  int64_t x = 0, y = 0;
  bool operator<(const Point& o) const { return std::tie(x, y) < std::tie(o.x, o.y); }
  MSGPACK_DEFINE(x, y);
};
}  // namespace

TEST_CASE("value state holds one value per key and namespace") {
  KeyedStateBackend backend(128, kAll);
  auto& sum = backend.value_state<int64_t>("sum");
  backend.set_current_key("alice", 3);
  CHECK(sum.get() == nullptr);
  sum.put(10);
  sum.put(100, /*ns=*/2000);
  REQUIRE(sum.get() != nullptr);
  CHECK(*sum.get() == 10);
  CHECK(*sum.get(2000) == 100);
  CHECK(sum.get(1000) == nullptr);

  backend.set_current_key("bob", 3);
  CHECK(sum.get() == nullptr);
  sum.get_or_create(1000) += 5;
  sum.get_or_create(1000) += 5;
  CHECK(*sum.get(1000) == 10);
  CHECK(backend.current_key() == "bob");
  CHECK(backend.current_key_group() == 3);

  // The same key bytes in another key group are another key.
  backend.set_current_key("alice", 4);
  CHECK(sum.get() == nullptr);
  backend.set_current_key("alice", 3);
  CHECK(*sum.get() == 10);
  CHECK(sum.namespaces() == std::vector<int64_t>{0, 2000});
  CHECK(sum.size() == 3);

  sum.put(11);  // overwrites
  CHECK(*sum.get() == 11);
  CHECK(sum.size() == 3);
  sum.clear(2000);
  CHECK(sum.get(2000) == nullptr);
  CHECK(sum.namespaces() == std::vector<int64_t>{0});
  CHECK(sum.size() == 2);
  sum.clear(12345);  // absent: nothing happens
  CHECK(sum.size() == 2);
}

TEST_CASE("value state pointers stay valid while other namespaces and keys come and go") {
  KeyedStateBackend backend(128, kAll);
  auto& acc = backend.value_state<std::string>("acc");
  backend.set_current_key("k", 0);
  std::string* first = &acc.get_or_create(10);
  *first = "ten";
  for (int64_t ns = 11; ns < 200; ++ns) acc.put("x", ns);
  for (int k = 0; k < 1000; ++k) {
    backend.set_current_key("key" + std::to_string(k), k % 128);
    acc.put("y");
  }
  backend.set_current_key("k", 0);
  CHECK(acc.get(10) == first);
  CHECK(*first == "ten");
}

TEST_CASE("namespaces are listed in ascending order, negative ones included") {
  KeyedStateBackend backend(128, kAll);
  auto& v = backend.value_state<double>("v");
  backend.set_current_key("k", 1);
  for (int64_t ns : std::vector<int64_t>{5, -3, INT64_MAX, 0, INT64_MIN}) v.put(1.0, ns);
  CHECK(v.namespaces() == std::vector<int64_t>{INT64_MIN, -3, 0, 5, INT64_MAX});
  backend.set_current_key("other", 1);
  CHECK(v.namespaces().empty());
}

TEST_CASE("map state holds a map per key and namespace") {
  KeyedStateBackend backend(128, kAll);
  auto& seen = backend.map_state<std::string, int64_t>("seen");
  backend.set_current_key("alice", 7);
  CHECK(seen.get("x") == nullptr);
  CHECK_FALSE(seen.contains("x"));
  CHECK(seen.size() == 0);
  seen.put("x", 1);
  seen.put("y", 2);
  seen.put("x", 3, /*ns=*/60);
  CHECK(*seen.get("x") == 1);
  CHECK(*seen.get("x", 60) == 3);
  CHECK(seen.get("y", 60) == nullptr);
  CHECK(seen.contains("y"));
  CHECK_FALSE(seen.contains("y", 60));
  CHECK(seen.size() == 2);
  CHECK(seen.size(60) == 1);
  seen.put("x", 10);  // overwrites
  *seen.get("y") += 1;

  std::map<std::string, int64_t> entries;
  seen.for_each_entry([&](const std::string& k, int64_t& v) { entries[k] = v; });
  CHECK(entries == std::map<std::string, int64_t>{{"x", 10}, {"y", 3}});

  backend.set_current_key("bob", 7);
  CHECK(seen.size() == 0);
  CHECK_FALSE(seen.contains("x"));
  int visits = 0;
  seen.for_each_entry([&](const std::string&, int64_t&) { ++visits; });
  CHECK(visits == 0);

  backend.set_current_key("alice", 7);
  seen.remove("x");
  CHECK_FALSE(seen.contains("x"));
  CHECK(seen.size() == 1);
  seen.remove("nope");
  seen.clear(60);
  CHECK(seen.size(60) == 0);
  CHECK(seen.namespaces() == std::vector<int64_t>{0});
}

TEST_CASE("map state with an unhashable struct key falls back to an ordered map") {
  KeyedStateBackend backend(128, kAll);
  auto& m = backend.map_state<Point, std::string>("points");
  backend.set_current_key("k", 0);
  m.put(Point{1, 2}, "a");
  m.put(Point{0, 9}, "b");
  CHECK(*m.get(Point{1, 2}) == "a");
  std::vector<int64_t> xs;
  m.for_each_entry([&](const Point& p, std::string&) { xs.push_back(p.x); });
  CHECK(xs == std::vector<int64_t>{0, 1});
}

TEST_CASE("list state appends per key and namespace") {
  KeyedStateBackend backend(128, kAll);
  auto& rows = backend.list_state<std::string>("rows");
  backend.set_current_key("a", 0);
  CHECK(rows.get() == nullptr);
  rows.add("1");
  rows.add("2");
  rows.add("w", 99);
  REQUIRE(rows.get() != nullptr);
  CHECK(*rows.get() == std::vector<std::string>{"1", "2"});
  CHECK(*rows.get(99) == std::vector<std::string>{"w"});
  backend.set_current_key("b", 0);
  CHECK(rows.get() == nullptr);
  backend.set_current_key("a", 0);
  rows.clear();
  CHECK(rows.get() == nullptr);
  CHECK(rows.namespaces() == std::vector<int64_t>{99});
  rows.update({"p", "q"}, 99);
  CHECK(*rows.get(99) == std::vector<std::string>{"p", "q"});
  rows.update({}, 99);
  CHECK(rows.get(99) == nullptr);
  CHECK(backend.key_count() == 0);
}

TEST_CASE("registering a state name again returns the same state") {
  KeyedStateBackend backend(128, kAll);
  auto& a = backend.value_state<int64_t>("count");
  auto& b = backend.value_state<int64_t>("count");
  CHECK(&a == &b);
  backend.map_state<int64_t, int64_t>("m");
  CHECK(backend.state_names() == std::vector<std::string>{"count", "m"});
}

TEST_CASE("key count counts keys holding state in any table, once") {
  KeyedStateBackend backend(128, kAll);
  auto& v = backend.value_state<int64_t>("v");
  CHECK(backend.key_count() == 0);
  backend.set_current_key("a", 0);
  v.put(1);
  v.put(2, 10);
  backend.set_current_key("b", 0);
  v.put(1);
  backend.set_current_key("a", 1);  // same bytes, other key group: another key
  v.put(1);
  CHECK(backend.key_count() == 3);
  backend.set_current_key("c", 0);
  CHECK(v.get() == nullptr);  // reading does not create a key
  CHECK(backend.key_count() == 3);

  // A second state: keys shared between tables count once.
  auto& m = backend.map_state<int64_t, int64_t>("m");
  auto& l = backend.list_state<int64_t>("l");
  CHECK(backend.key_count() == 3);
  m.put(1, 1);  // "c" gets state in m only
  CHECK(backend.key_count() == 4);
  backend.set_current_key("a", 0);
  m.put(1, 1);
  l.add(5);
  CHECK(backend.key_count() == 4);
  v.clear();
  v.clear(10);
  CHECK(backend.key_count() == 4);  // "a" still holds m and l
  m.remove(1);
  l.clear();
  CHECK(backend.key_count() == 3);
  backend.set_current_key("c", 0);
  m.clear();
  CHECK(backend.key_count() == 2);
}

TEST_CASE("for each visits every entry of every key with its key group and namespace") {
  KeyedStateBackend backend(128, KeyGroupRange{10, 20});
  auto& v = backend.value_state<int64_t>("v");
  std::set<std::tuple<int32_t, std::string, int64_t, int64_t>> expected;
  for (int k = 0; k < 50; ++k) {
    const int32_t kg = 10 + k % 11;
    backend.set_current_key("k" + std::to_string(k), kg);
    for (int64_t ns = 0; ns < k % 3 + 1; ++ns) {
      v.put(k * 10 + ns, ns);
      expected.emplace(kg, "k" + std::to_string(k), ns, k * 10 + ns);
    }
  }
  std::set<std::tuple<int32_t, std::string, int64_t, int64_t>> visited;
  v.for_each([&](int32_t kg, const std::string& key, int64_t ns, int64_t& value) {
    visited.emplace(kg, key, ns, value);
    value += 1;  // values are mutable in place
  });
  CHECK(visited == expected);
  CHECK(v.size() == expected.size());
  backend.set_current_key("k0", 10);
  CHECK(*v.get() == 1);
}

TEST_CASE("remove if drops the entries a predicate picks, and keys left empty") {
  KeyedStateBackend backend(128, kAll);
  auto& windows = backend.value_state<int64_t>("windows");
  for (int k = 0; k < 10; ++k) {
    backend.set_current_key("k" + std::to_string(k), k);
    windows.put(1, 1000);
    if (k % 2 == 0) windows.put(1, 2000);
  }
  backend.set_current_key("k0", 0);
  REQUIRE(windows.get(1000) != nullptr);  // caches k0's entry
  const size_t fired = windows.remove_if(
      [](int32_t, const std::string&, int64_t ns, int64_t&) { return ns <= 1000; });
  CHECK(fired == 10);
  CHECK(windows.size() == 5);
  CHECK(backend.key_count() == 5);
  CHECK(windows.get(1000) == nullptr);
  CHECK(windows.get(2000) != nullptr);
  backend.set_current_key("k1", 1);
  CHECK(windows.get(1000) == nullptr);
  CHECK(windows.namespaces().empty());
}

TEST_CASE("clear drops every entry but keeps the registered states usable") {
  KeyedStateBackend backend(128, kAll);
  auto& v = backend.value_state<int64_t>("v");
  auto& l = backend.list_state<int64_t>("l");
  backend.set_current_key("a", 5);
  v.put(1);
  l.add(2);
  backend.clear();
  CHECK(backend.key_count() == 0);
  CHECK(v.size() == 0);
  CHECK(v.get() == nullptr);  // the cached entry of "a" is gone too
  CHECK(l.get() == nullptr);
  v.put(3);
  CHECK(*v.get() == 3);
  CHECK(backend.key_count() == 1);
  CHECK(&backend.value_state<int64_t>("v") == &v);
}

TEST_CASE("the backend reports its key groups and max parallelism") {
  KeyedStateBackend backend(256, KeyGroupRange{64, 127});
  CHECK(backend.max_parallelism() == 256);
  CHECK(backend.key_groups().start == 64);
  CHECK(backend.key_groups().end == 127);
  CHECK(backend.key_count() == 0);
}
