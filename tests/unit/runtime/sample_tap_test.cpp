// Unit tests of SampleTap: unarmed taps keep nothing, a read arms them, the
// ring keeps the newest rows, changelog kinds come from the "op" column.
#include <doctest/doctest.h>

#include <memory>

#include "runtime/sample_tap.h"

using namespace eddy;

namespace {

SchemaPtr schema(bool changelog) {
  std::vector<Field> f;
  if (changelog) f.push_back({"op", DataType::kString});
  f.push_back({"id", DataType::kInt64});
  f.push_back({"name", DataType::kString});
  return std::make_shared<Schema>(f);
}

/// Rows id = from .. from + n - 1, name "r<id>"; kinds cycle when changelog.
RecordBatch batch(bool changelog, int64_t from, int n) {
  BatchBuilder b(schema(changelog));
  const char* kinds[] = {"+I", "-U", "+U", "-D"};
  for (int i = 0; i < n; ++i) {
    size_t c = 0;
    if (changelog) b.column(c++).append_string(kinds[i % 4]);
    b.column(c++).append_int(from + i);
    b.column(c++).append_string("r" + std::to_string(from + i));
    b.commit_rows(1);
  }
  return *b.finish();
}

}  // namespace

TEST_CASE("a tap nobody reads keeps no rows") {
  SampleTap tap(0, false, schema(false), 10);
  CHECK_FALSE(tap.armed(1000));
  tap.offer(batch(false, 0, 5), 1000);
  const SampleRead r = tap.read(2000, 10);
  CHECK(r.rows.empty());
  CHECK(r.columns == std::vector<std::string>{"id", "name"});
}

TEST_CASE("a read arms the tap for ten seconds, then it stops keeping rows") {
  SampleTap tap(3, false, schema(false), 10);
  (void)tap.read(1000, 10);
  CHECK(tap.armed(1000 + SampleTap::kArmedMs - 1));
  tap.offer(batch(false, 0, 2), 1500);
  tap.offer(batch(false, 100, 2), 1000 + SampleTap::kArmedMs + 1);  // expired: not kept
  const SampleRead r = tap.read(20000, 10);
  REQUIRE(r.rows.size() == 2);
  CHECK(r.rows[0].values_json == "[0,\"r0\"]");
  CHECK(r.rows[1].values_json == "[1,\"r1\"]");
  CHECK(r.rows[0].op == "+I");
  CHECK(r.rows[0].subtask == 3);
  CHECK(r.rows[0].time_ms == 1500);
}

TEST_CASE("the ring keeps the newest rows, across batches and within a large one") {
  SampleTap tap(0, false, schema(false), 4);
  (void)tap.read(0, 1);
  tap.offer(batch(false, 0, 3), 10);
  tap.offer(batch(false, 10, 3), 20);
  SampleRead r = tap.read(30, 100);
  REQUIRE(r.rows.size() == 4);
  CHECK(r.rows[0].values_json == "[2,\"r2\"]");
  CHECK(r.rows[3].values_json == "[12,\"r12\"]");
  tap.offer(batch(false, 100, 50), 40);
  r = tap.read(50, 2);  // the last two of what it holds
  REQUIRE(r.rows.size() == 2);
  CHECK(r.rows[0].values_json == "[148,\"r148\"]");
  CHECK(r.rows[1].values_json == "[149,\"r149\"]");
}

TEST_CASE("a changelog tap takes each row's kind from its op column") {
  SampleTap tap(1, true, schema(true), 10);
  (void)tap.read(0, 1);
  tap.offer(batch(true, 0, 4), 5);
  const SampleRead r = tap.read(6, 10);
  CHECK(r.columns == std::vector<std::string>{"id", "name"});
  REQUIRE(r.rows.size() == 4);
  CHECK(r.rows[0].op == "+I");
  CHECK(r.rows[1].op == "-U");
  CHECK(r.rows[2].op == "+U");
  CHECK(r.rows[3].op == "-D");
  CHECK(r.rows[3].values_json == "[3,\"r3\"]");
}
