// Unit tests for SortedWrites: whatever order writes come in, they leave in
// memcmp order (RocksDB's), with values and deletes kept with their keys.
#include <doctest/doctest.h>

#include <algorithm>
#include <random>
#include <string>
#include <vector>

#include "state/sorted_writes.h"

using namespace eddy;

namespace {

struct Drained {
  std::vector<std::string> keys;
  std::vector<std::string> values;
  std::vector<bool> removes;
};

Drained drain(SortedWrites& w) {
  Drained d;
  w.drain([&](std::string_view k, std::string_view v, bool remove) {
    d.keys.emplace_back(k);
    d.values.emplace_back(v);
    d.removes.push_back(remove);
  });
  return d;
}

}  // namespace

TEST_CASE("writes leave in memcmp order whatever order they came in") {
  // Keys that tie on their first 16 bytes, keys that extend others (also with
  // zero bytes, which the padding of the fast comparison mimics), high bytes.
  std::vector<std::string> keys = {"",
                                   "a",
                                   std::string("a\0", 2),
                                   std::string("a\0\0", 3),
                                   "ab",
                                   "0123456789abcdef",
                                   "0123456789abcdef0",
                                   "0123456789abcdeg",
                                   std::string("0123456789abcdef\0", 17),
                                   "\xff\xff",
                                   "\xff",
                                   "\x80zzzz",
                                   "0123456789abcdeX"};
  std::mt19937 rng(7);
  for (int round = 0; round < 20; ++round) {
    std::shuffle(keys.begin(), keys.end(), rng);
    SortedWrites w;
    for (size_t i = 0; i < keys.size(); ++i) {
      if (i % 3 == 0) {
        w.remove(keys[i]);
      } else {
        w.put(keys[i], "v:" + keys[i]);
      }
    }
    CHECK(w.size() == keys.size());
    std::vector<std::string> expected = keys;
    std::sort(expected.begin(), expected.end());  // std::string's order is memcmp's
    Drained d = drain(w);
    CHECK(d.keys == expected);
    for (size_t i = 0; i < d.keys.size(); ++i) {
      const bool removed = d.removes[i];
      CHECK(d.values[i] == (removed ? std::string() : "v:" + d.keys[i]));
    }
    CHECK(w.size() == 0);  // drained
  }
}

TEST_CASE("many random keys sort like std::sort") {
  std::mt19937_64 rng(3);
  std::vector<std::string> keys;
  SortedWrites w;
  for (int i = 0; i < 5000; ++i) {
    std::string k(static_cast<size_t>(rng() % 24), '\0');
    for (char& c : k) c = static_cast<char>(rng() % 4);  // few symbols: long shared prefixes
    k += std::to_string(i);                             // unique
    keys.push_back(k);
    w.put(k, std::to_string(i));
  }
  std::sort(keys.begin(), keys.end());
  CHECK(drain(w).keys == keys);
}
