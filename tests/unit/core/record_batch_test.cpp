// Unit tests for columns, batches and builders (src/core).
#include <doctest/doctest.h>

#include "core/record_batch.h"

using namespace eddy;

namespace {
SchemaPtr two_columns() {
  return std::make_shared<Schema>(
      std::vector<Field>{{"id", DataType::kInt64}, {"name", DataType::kString}});
}
}  // namespace

TEST_CASE("a builder appends rows and hands out an immutable batch") {
  BatchBuilder b(two_columns());
  b.column(0).append_int(1);
  b.column(1).append_string("one");
  b.commit_rows(1);
  b.column(0).append_null();
  b.column(1).append_string("two");
  b.commit_rows(1);
  auto batch = b.finish();
  CHECK(batch->num_rows == 2);
  CHECK(b.empty());
  CHECK(batch->column(0).ints[0] == 1);
  CHECK(batch->column(0).is_null(1));
  CHECK_FALSE(batch->column(1).has_nulls());
  CHECK(batch->column(1).string_at(1) == "two");
}

TEST_CASE("take gathers rows in the given order and keeps NULLs") {
  BatchBuilder b(two_columns());
  for (int i = 0; i < 5; ++i) {
    if (i == 3) b.column(0).append_null(); else b.column(0).append_int(i * 10);
    b.column(1).append_string(std::string(static_cast<size_t>(i), 'x'));
    b.commit_rows(1);
  }
  auto batch = b.finish();
  uint32_t rows[] = {4, 3, 0};
  auto t = batch->take(rows, 3);
  REQUIRE(t->num_rows == 3);
  CHECK(t->column(0).ints[0] == 40);
  CHECK(t->column(0).is_null(1));
  CHECK(t->column(0).ints[2] == 0);
  CHECK(t->column(1).string_at(0) == "xxxx");
  CHECK(t->column(1).string_at(2) == "");
}

TEST_CASE("truncate_to undoes a partly appended row") {
  BatchBuilder b(two_columns());
  b.column(0).append_int(7);
  b.column(1).append_string("keep");
  b.commit_rows(1);
  b.column(0).append_int(8);  // a record that turns out malformed half way
  b.truncate_to(1);
  auto batch = b.finish();
  CHECK(batch->num_rows == 1);
  CHECK(batch->column(0).size() == 1);
  CHECK(batch->column(1).size() == 1);
}

TEST_CASE("append_all concatenates columns with and without NULL masks") {
  Column a(DataType::kString);
  a.append_string("a");
  Column b(DataType::kString);
  b.append_null();
  b.append_string("bc");
  a.append_all(b);
  REQUIRE(a.size() == 3);
  CHECK_FALSE(a.is_null(0));
  CHECK(a.is_null(1));
  CHECK(a.string_at(2) == "bc");
}
