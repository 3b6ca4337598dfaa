// Unit tests for key bytes and key groups of rows (src/state/key_encoding.h).
#include "state/key_encoding.h"

#include <doctest/doctest.h>

#include <cmath>
#include <memory>
#include <string>
#include <vector>

#include "core/hashing.h"
#include "core/key_groups.h"

using namespace eddy;

namespace {

/// A batch of (id int64, name string, price float64, flag bool, ts timestamp),
/// whose row 4 is NULL in every column.
RecordBatch mixed_batch() {
  RecordBatch b;
  b.schema = std::make_shared<Schema>(std::vector<Field>{{"id", DataType::kInt64},
                                                         {"name", DataType::kString},
                                                         {"price", DataType::kFloat64},
                                                         {"flag", DataType::kBool},
                                                         {"ts", DataType::kTimestamp}});
  b.columns = make_columns(*b.schema);
  const int64_t ids[] = {1, -7, 0, INT64_MIN};
  const char* names[] = {"a", "", "alpha beta", "a"};
  const double prices[] = {1.5, -0.0, 0.0, -1e300};
  for (int r = 0; r < 4; ++r) {
    b.columns[0].append_int(ids[r]);
    b.columns[1].append_string(names[r]);
    b.columns[2].append_double(prices[r]);
    b.columns[3].append_bool(r % 2 == 0);
    b.columns[4].append_int(ids[r] * 1000);
  }
  for (auto& c : b.columns) c.append_null();
  b.num_rows = 5;
  return b;
}

std::string key_of(const RecordBatch& b, const std::vector<int>& cols, size_t row) {
  std::string k;
  encode_key(b, cols, row, k);
  return k;
}

RecordBatch one_column(DataType type) {
  RecordBatch b;
  b.columns.emplace_back(type);
  b.num_rows = 1;
  return b;
}

}  // namespace

TEST_CASE("key bytes are a stable, documented encoding") {
  RecordBatch b = mixed_batch();
  // int64 1: tag 1, then big-endian with the sign bit flipped.
  CHECK(key_of(b, {0}, 0) == std::string("\x01\x80\x00\x00\x00\x00\x00\x00\x01", 9));
  // string "a": tag 4, 4-byte big-endian length, the bytes.
  CHECK(key_of(b, {1}, 0) == std::string("\x04\x00\x00\x00\x01"
                                         "a",
                                         6));
  CHECK(key_of(b, {3}, 0) == std::string("\x03\x01", 2));
  CHECK(key_of(b, {0}, 4) == std::string("\x00", 1));
  // encode_key appends.
  std::string k = "prefix";
  encode_key(b, {3}, 1, k);
  CHECK(k == std::string("prefix\x03\x00", 8));
}

TEST_CASE("equal keys have equal bytes and different keys different bytes") {
  RecordBatch b = mixed_batch();
  CHECK(key_of(b, {1}, 0) == key_of(b, {1}, 3));        // "a" twice
  CHECK(key_of(b, {2}, 1) == key_of(b, {2}, 2));        // -0.0 is 0.0, as the hash has it
  CHECK(key_of(b, {0, 1}, 0) != key_of(b, {0, 1}, 3));  // same name, other id
  CHECK(key_of(b, {1, 0}, 0) != key_of(b, {0, 1}, 0));  // column order matters
  // Length prefixes keep multi-column keys apart: ("ab", "c") vs ("a", "bc").
  RecordBatch s;
  s.columns = {Column(DataType::kString), Column(DataType::kString)};
  s.columns[0].append_string("ab");
  s.columns[1].append_string("c");
  s.columns[0].append_string("a");
  s.columns[1].append_string("bc");
  s.num_rows = 2;
  CHECK(key_of(s, {0, 1}, 0) != key_of(s, {0, 1}, 1));
}

TEST_CASE("NULL is distinct from every value, and int64, timestamp and float64 never collide") {
  RecordBatch b = mixed_batch();
  for (int c = 0; c < 5; ++c)
    for (size_t r = 0; r < 4; ++r) CHECK(key_of(b, {c}, 4) != key_of(b, {c}, r));
  // An empty string is a value, not NULL.
  CHECK(key_of(b, {1}, 1) != key_of(b, {1}, 4));

  RecordBatch i = one_column(DataType::kInt64), t = one_column(DataType::kTimestamp),
              f = one_column(DataType::kFloat64), z = one_column(DataType::kBool);
  i.columns[0].append_int(0);
  t.columns[0].append_int(0);
  f.columns[0].append_double(0.0);
  z.columns[0].append_bool(false);
  const std::vector<std::string> keys = {key_of(i, {0}, 0), key_of(t, {0}, 0), key_of(f, {0}, 0),
                                         key_of(z, {0}, 0)};
  for (size_t a = 0; a < keys.size(); ++a)
    for (size_t c = a + 1; c < keys.size(); ++c) CHECK(keys[a] != keys[c]);
}

TEST_CASE("numeric key bytes sort like the numbers") {
  RecordBatch i = one_column(DataType::kInt64), f = one_column(DataType::kFloat64);
  const int64_t ints[] = {INT64_MIN, -5, -1, 0, 1, 42, INT64_MAX};
  const double dbls[] = {-INFINITY, -1e300, -2.5, -1e-300, 0.0, 1e-300, 3.25, 1e300, INFINITY};
  for (int64_t v : ints) i.columns[0].append_int(v);
  for (double v : dbls) f.columns[0].append_double(v);
  for (size_t r = 1; r < 7; ++r) CHECK(key_of(i, {0}, r - 1) < key_of(i, {0}, r));
  for (size_t r = 1; r < 9; ++r) CHECK(key_of(f, {0}, r - 1) < key_of(f, {0}, r));
}

TEST_CASE("decoding key bytes gives back the key's values") {
  RecordBatch b = mixed_batch();
  const std::vector<int> cols = {0, 1, 2, 3, 4};
  std::vector<Column> out = make_columns(*b.schema);
  std::vector<Column*> ptrs;
  for (auto& c : out) ptrs.push_back(&c);
  for (size_t r = 0; r < b.num_rows; ++r) REQUIRE(decode_key(key_of(b, cols, r), ptrs).is_ok());
  for (size_t c = 0; c < out.size(); ++c) CHECK(out[c].size() == 5);
  for (size_t r = 0; r < 4; ++r) {
    CHECK(out[0].ints[r] == b.columns[0].ints[r]);
    CHECK(out[1].string_at(r) == b.columns[1].string_at(r));
    CHECK(out[2].doubles[r] == b.columns[2].doubles[r]);  // -0.0 == 0.0
    CHECK(out[3].bools[r] == b.columns[3].bools[r]);
    CHECK(out[4].ints[r] == b.columns[4].ints[r]);
    for (auto& c : out) CHECK_FALSE(c.is_null(r));
  }
  for (auto& c : out) CHECK(c.is_null(4));
  // Re-encoding the decoded rows gives the same bytes.
  RecordBatch again;
  again.columns = out;
  again.num_rows = 5;
  for (size_t r = 0; r < 5; ++r) CHECK(key_of(again, cols, r) == key_of(b, cols, r));
}

TEST_CASE("decoding refuses bytes of other types, short or long bytes, and appends nothing then") {
  RecordBatch b = mixed_batch();
  const std::string id_and_name = key_of(b, {0, 1}, 2);
  Column ints(DataType::kInt64), strings(DataType::kString), doubles(DataType::kFloat64);

  std::vector<Column*> swapped = {&strings, &ints};
  Status st = decode_key(id_and_name, swapped);
  CHECK(st.code() == StatusCode::kTypeError);
  std::vector<Column*> int_then_double = {&ints, &doubles};
  CHECK(decode_key(id_and_name, int_then_double).code() == StatusCode::kTypeError);
  CHECK(ints.size() == 0);  // the int64 column that matched was not appended to

  std::vector<Column*> right = {&ints, &strings};
  for (size_t len = 0; len < id_and_name.size(); ++len)
    CHECK_FALSE(decode_key(std::string_view(id_and_name).substr(0, len), right).is_ok());
  CHECK_FALSE(decode_key(id_and_name + "x", right).is_ok());
  std::vector<Column*> just_id = {&ints};
  CHECK_FALSE(decode_key(id_and_name, just_id).is_ok());
  CHECK(ints.size() == 0);
  CHECK(strings.size() == 0);

  Column bools(DataType::kBool);
  std::vector<Column*> b1 = {&bools};
  CHECK_FALSE(decode_key(std::string("\x03\x02", 2), b1).is_ok());
  CHECK_FALSE(decode_key(std::string("\x09", 1), b1).is_ok());
  REQUIRE(decode_key(id_and_name, right).is_ok());
  CHECK(ints.ints == std::vector<int64_t>{0});
  CHECK(strings.string_at(0) == "alpha beta");
}

TEST_CASE("the key group of a row is the one the hash partitioner routes it by") {
  RecordBatch b = mixed_batch();
  const std::vector<std::vector<int>> keysets = {{0}, {1},    {2},          {3},
                                                 {4}, {0, 1}, {1, 2, 3, 4}, {4, 3, 2, 1, 0}};
  for (const auto& cols : keysets) {
    std::vector<uint64_t> hashes;
    hash_rows(b, cols, hashes);
    for (int32_t mp : {1, 7, 128, 32768}) {
      std::vector<int32_t> groups;
      key_groups_of_rows(b, cols, mp, groups);
      REQUIRE(groups.size() == b.num_rows);
      for (size_t r = 0; r < b.num_rows; ++r) {
        const int32_t expected = key_group_for_hash(hashes[r], mp);
        CHECK(key_group_of_row(b, cols, r, mp) == expected);
        CHECK(groups[r] == expected);
      }
    }
  }
}

TEST_CASE("key groups spread many keys over all key groups") {
  RecordBatch b = one_column(DataType::kInt64);
  for (int64_t v = 0; v < 10000; ++v) b.columns[0].append_int(v);
  b.num_rows = 10000;
  std::vector<int32_t> groups;
  key_groups_of_rows(b, {0}, 128, groups);
  std::vector<int> per_group(128, 0);
  for (int32_t g : groups) ++per_group[static_cast<size_t>(g)];
  for (int n : per_group) CHECK(n > 0);
}
