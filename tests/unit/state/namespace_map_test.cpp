// Unit tests for NamespaceMap: the first namespace inline, the rest in a map,
// visited in ascending order either way, values never moving.
#include <doctest/doctest.h>

#include <algorithm>
#include <string>
#include <utility>
#include <vector>

#include "state/namespace_map.h"

using eddy::state_detail::NamespaceMap;

namespace {

std::vector<std::pair<int64_t, std::string>> contents(const NamespaceMap<std::string>& m) {
  std::vector<std::pair<int64_t, std::string>> out;
  m.for_each([&](int64_t ns, const std::string& v) { out.emplace_back(ns, v); });
  return out;
}

}  // namespace

TEST_CASE("one namespace: found, replaced by nothing, erased") {
  NamespaceMap<std::string> m;
  CHECK(m.empty());
  CHECK(m.find(0) == nullptr);
  auto [v, made] = m.try_emplace(0, "zero");
  CHECK(made);
  CHECK(*v == "zero");
  auto [again, made_again] = m.try_emplace(0, "other");
  CHECK_FALSE(made_again);
  CHECK(again == v);
  CHECK(*v == "zero");  // an existing value is not overwritten
  CHECK(m.size() == 1);
  CHECK(m.contains(0));
  CHECK_FALSE(m.erase(1));
  CHECK(m.erase(0));
  CHECK(m.empty());
  CHECK(m.find(0) == nullptr);
}

TEST_CASE("namespaces are visited ascending wherever the inline one falls") {
  for (int64_t first : {-5, 3, 7, 100}) {
    CAPTURE(first);
    NamespaceMap<std::string> m;
    m.try_emplace(first, "inline");
    for (int64_t ns : {50, 0, 5}) m.try_emplace(ns, std::to_string(ns));
    std::vector<int64_t> order;
    m.for_each([&](int64_t ns, std::string&) { order.push_back(ns); });
    std::vector<int64_t> expected{0, 5, 50, first};
    std::sort(expected.begin(), expected.end());
    CHECK(order == expected);
    CHECK(m.size() == 4);
  }
}

TEST_CASE("values stay put while other namespaces come and go") {
  NamespaceMap<std::string> m;
  std::string* inline_value = m.try_emplace(10, "ten").first;
  std::string* other = m.try_emplace(20, "twenty").first;
  for (int64_t ns = 100; ns < 300; ++ns) m.try_emplace(ns, "x");
  for (int64_t ns = 100; ns < 300; ns += 2) m.erase(ns);
  CHECK(m.find(10) == inline_value);
  CHECK(m.find(20) == other);
  CHECK(m.erase(10));  // the inline slot empties; the map keeps the rest
  CHECK(m.find(20) == other);
  CHECK(*other == "twenty");
  std::string* refill = m.try_emplace(15, "fifteen").first;  // takes the free inline slot
  CHECK(m.find(20) == other);
  CHECK(m.find(15) == refill);
  CHECK(contents(m).front() == std::make_pair(int64_t{15}, std::string("fifteen")));
  CHECK(m.size() == 102);
}

TEST_CASE("remove_if visits ascending and removes what the predicate chose") {
  NamespaceMap<std::string> m;
  m.try_emplace(4, "four");  // inline
  for (int64_t ns : {1, 2, 3, 5, 6}) m.try_emplace(ns, std::to_string(ns));
  std::vector<int64_t> seen;
  const size_t removed = m.remove_if([&](int64_t ns, std::string&) {
    seen.push_back(ns);
    return ns % 2 == 0;
  });
  CHECK(seen == std::vector<int64_t>{1, 2, 3, 4, 5, 6});
  CHECK(removed == 3);
  CHECK(contents(m) == std::vector<std::pair<int64_t, std::string>>{{1, "1"}, {3, "3"}, {5, "5"}});
  CHECK(m.remove_if([](int64_t, std::string&) { return true; }) == 3);
  CHECK(m.empty());
  m.try_emplace(9, "nine");  // usable again, inline
  CHECK(contents(m) == std::vector<std::pair<int64_t, std::string>>{{9, "nine"}});
}
