// KeyGrouper (src/operators/window_key_grouper.h): rows grouped per key, key
// bytes and key groups exactly as state/key_encoding.h gives them.
#include <doctest/doctest.h>

#include "operator_harness.h"
#include "operators/window_key_grouper.h"
#include "state/key_encoding.h"

using namespace eddy;
using namespace eddy::testing;

namespace {

const SchemaPtr kInput =
    schema_of({{"name", DataType::kString}, {"n", DataType::kInt64}, {"x", DataType::kFloat64}});

std::vector<uint32_t> rows_of_group(const KeyGrouper& g, size_t i) {
  return std::vector<uint32_t>(g.rows(i), g.rows(i) + g.row_count(i));
}

}  // namespace

TEST_CASE("rows are grouped by key in the order of each key's first row") {
  auto batch = batch_of(kInput, {{"a", 1, 0.5}, {"b", 1, 0.5}, {"a", 2, 0.5}, {"a", 1, 1.5},
                                 {"b", 1, 9.0}, {nullptr, 1, 0.0}});
  KeyGrouper g;
  const std::vector<uint32_t> all = {0, 1, 2, 3, 4, 5};
  g.group(*batch, {0, 1}, 128, 0, all.data(), all.size());
  REQUIRE(g.num_groups() == 4);
  CHECK(rows_of_group(g, 0) == std::vector<uint32_t>{0, 3});
  CHECK(rows_of_group(g, 1) == std::vector<uint32_t>{1, 4});
  CHECK(rows_of_group(g, 2) == std::vector<uint32_t>{2});
  CHECK(rows_of_group(g, 3) == std::vector<uint32_t>{5});  // NULL is a key of its own
  std::vector<int32_t> kgs;
  key_groups_of_rows(*batch, {0, 1}, 128, kgs);
  for (size_t i = 0; i < g.num_groups(); ++i) {
    const uint32_t first = g.rows(i)[0];
    std::string key;
    encode_key(*batch, {0, 1}, first, key);
    CHECK(g.key(i) == key);
    CHECK(g.key_group(i) == kgs[first]);
  }
}

TEST_CASE("only the selected rows are grouped") {
  auto batch = batch_of(kInput, {{"a", 1, 0.5}, {"b", 1, 0.5}, {"a", 1, 0.5}});
  KeyGrouper g;
  const std::vector<uint32_t> some = {1, 2};
  g.group(*batch, {0}, 128, 0, some.data(), some.size());
  REQUIRE(g.num_groups() == 2);
  CHECK(rows_of_group(g, 0) == std::vector<uint32_t>{1});
  CHECK(rows_of_group(g, 1) == std::vector<uint32_t>{2});
}

TEST_CASE("without key columns every row is in one group with the global key group") {
  auto batch = batch_of(kInput, {{"a", 1, 0.5}, {"b", 2, 0.5}});
  KeyGrouper g;
  const std::vector<uint32_t> all = {0, 1};
  g.group(*batch, {}, 128, 7, all.data(), all.size());
  REQUIRE(g.num_groups() == 1);
  CHECK(g.key(0).empty());
  CHECK(g.key_group(0) == 7);
  CHECK(rows_of_group(g, 0) == all);
}

TEST_CASE("many distinct keys in one batch each get their own group") {
  std::vector<Row> rows;
  for (int i = 0; i < 3000; ++i) rows.push_back({std::to_string(i % 1000), i % 7, 0.0});
  auto batch = batch_of(kInput, rows);
  std::vector<uint32_t> all(rows.size());
  for (uint32_t i = 0; i < all.size(); ++i) all[i] = i;
  KeyGrouper g;
  g.group(*batch, {0}, 128, 0, all.data(), all.size());
  CHECK(g.num_groups() == 1000);
  size_t total = 0;
  for (size_t i = 0; i < g.num_groups(); ++i) {
    CHECK(g.row_count(i) == 3);
    total += g.row_count(i);
  }
  CHECK(total == 3000);
  g.group(*batch, {1}, 128, 0, all.data(), all.size());  // reused for another batch
  CHECK(g.num_groups() == 7);
}
