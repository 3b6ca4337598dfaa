// Unit tests for the jdbc source's splits and queries (src/connectors/jdbc_scan.h).
#include <doctest/doctest.h>

#include "connectors/jdbc_scan.h"
#include "unit/connectors/file_test_util.h"

using namespace eddy;
using eddy::test::make_schema;

namespace {

JdbcScanConfig config() {
  JdbcScanConfig c;
  c.table = "shop.orders";
  c.schema = make_schema({{"id", DataType::kInt64}, {"note", DataType::kString}, {"at", DataType::kTimestamp}});
  return c;
}

}  // namespace

TEST_CASE("without a partition column the table is one split, read in ctid order") {
  auto splits = jdbc_scan_splits(config());
  REQUIRE(splits.size() == 1);
  CHECK(jdbc_scan_query(config(), splits[0]) ==
        "SELECT \"id\"::int8, \"note\"::text, (extract(epoch from \"at\") * 1000)::int8 FROM \"shop\".\"orders\" "
        "ORDER BY ctid");
}

TEST_CASE("a partitioned scan cuts [lower, upper] into even ranges that cover it once") {
  JdbcScanConfig c = config();
  c.partition_column = "id";
  c.partition_num = 3;
  c.lower_bound = 1;
  c.upper_bound = 10;
  auto splits = jdbc_scan_splits(c);
  REQUIRE(splits.size() == 3);
  CHECK(splits[0].begin == 1);
  CHECK(splits[0].end == 4);
  CHECK(splits[1].begin == 5);
  CHECK(splits[1].end == 7);
  CHECK(splits[2].begin == 8);
  CHECK(splits[2].end == 10);
  CHECK(splits[2].index == 2);
  CHECK(splits[2].count == 3);
  CHECK(splits[0].id != splits[1].id);
  CHECK(jdbc_scan_query(c, splits[1]).find("WHERE \"id\" BETWEEN 5 AND 7 ORDER BY \"id\", ctid") !=
        std::string::npos);
}

TEST_CASE("never more ranges than values, and the full int64 range does not overflow") {
  JdbcScanConfig c = config();
  c.partition_column = "id";
  c.partition_num = 10;
  c.lower_bound = 5;
  c.upper_bound = 7;
  CHECK(jdbc_scan_splits(c).size() == 3);
  c.lower_bound = INT64_MIN;
  c.upper_bound = INT64_MAX;
  c.partition_num = 4;
  auto splits = jdbc_scan_splits(c);
  REQUIRE(splits.size() == 4);
  CHECK(splits.front().begin == INT64_MIN);
  CHECK(splits.back().end == INT64_MAX);
  for (size_t i = 1; i < splits.size(); ++i) CHECK(splits[i].begin == splits[i - 1].end + 1);
}
