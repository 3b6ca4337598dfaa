// Unit tests for the msgpack wire format (src/net/wire.h): round trips of every
// column type, NULLs and edge shapes, and decoding of damaged input.
#include <doctest/doctest.h>

#include <msgpack.hpp>

#include <random>

#include "net/wire.h"

using namespace eddy;

namespace {

SchemaPtr all_types() {
  return std::make_shared<Schema>(std::vector<Field>{{"i", DataType::kInt64},
                                                     {"f", DataType::kFloat64},
                                                     {"b", DataType::kBool},
                                                     {"s", DataType::kString},
                                                     {"t", DataType::kTimestamp}});
}

/// Rows of every type; every third row NULL in the int and string columns.
std::shared_ptr<RecordBatch> sample_batch(size_t rows) {
  BatchBuilder b(all_types());
  for (size_t r = 0; r < rows; ++r) {
    if (r % 3 == 2) {
      b.column(0).append_null();
    } else {
      b.column(0).append_int(static_cast<int64_t>(r) * -7);
    }
    b.column(1).append_double(static_cast<double>(r) / 4);
    b.column(2).append_bool(r % 2 == 0);
    if (r % 3 == 1) {
      b.column(3).append_null();
    } else {
      b.column(3).append_string(std::string(r % 5, static_cast<char>('a' + r % 26)));
    }
    b.column(4).append_int(1700000000000 + static_cast<int64_t>(r));
    b.commit_rows(1);
  }
  return b.finish();
}

/// Same schema, rows, values and NULL-ness (values under NULLs are not compared).
void check_same(const RecordBatch& a, const RecordBatch& b) {
  REQUIRE(*a.schema == *b.schema);
  REQUIRE(a.num_rows == b.num_rows);
  REQUIRE(a.columns.size() == b.columns.size());
  for (size_t c = 0; c < a.columns.size(); ++c) {
    REQUIRE(b.columns[c].size() == b.num_rows);
    for (size_t r = 0; r < a.num_rows; ++r) {
      REQUIRE(a.columns[c].is_null(r) == b.columns[c].is_null(r));
    }
  }
  CHECK(a.to_debug_string() == b.to_debug_string());
}

std::shared_ptr<RecordBatch> round_trip(const RecordBatch& batch) {
  const std::string bytes = encode_batch(batch);
  auto decoded = decode_batch(bytes.data(), bytes.size());
  REQUIRE_MESSAGE(decoded.ok(), decoded.status().to_string());
  return decoded.value();
}

}  // namespace

TEST_CASE("a batch of every column type survives a round trip, NULLs included") {
  auto batch = sample_batch(100);
  auto back = round_trip(*batch);
  check_same(*batch, *back);
  CHECK(back->column(0).has_nulls());
  CHECK_FALSE(back->column(1).has_nulls());
  CHECK(back->column(1).doubles == batch->column(1).doubles);
  CHECK(back->column(4).ints == batch->column(4).ints);
  CHECK(back->column(3).offsets == batch->column(3).offsets);
}

TEST_CASE("an empty batch and a batch without columns survive a round trip") {
  auto empty = sample_batch(0);
  check_same(*empty, *round_trip(*empty));

  RecordBatch no_columns;
  no_columns.schema = std::make_shared<Schema>();
  no_columns.num_rows = 42;
  auto back = round_trip(no_columns);
  CHECK(back->num_rows == 42);
  CHECK(back->columns.empty());
  CHECK(back->schema->size() == 0);
}

TEST_CASE("strings keep embedded NUL bytes and empty values") {
  auto schema = std::make_shared<Schema>(std::vector<Field>{{"s", DataType::kString}});
  BatchBuilder b(schema);
  const std::string with_nul("a\0b\0", 4);
  for (auto v : {with_nul, std::string(), std::string(1, '\0'), std::string("plain")}) {
    b.column(0).append_string(v);
    b.commit_rows(1);
  }
  auto back = round_trip(*b.finish());
  CHECK(back->column(0).string_at(0) == with_nul);
  CHECK(back->column(0).string_at(1).empty());
  CHECK(back->column(0).string_at(2) == std::string(1, '\0'));
  CHECK(back->column(0).string_at(3) == "plain");
}

TEST_CASE("a string column whose offsets do not start at zero is rebased on encoding") {
  auto schema = std::make_shared<Schema>(std::vector<Field>{{"s", DataType::kString}});
  RecordBatch batch;
  batch.schema = schema;
  batch.num_rows = 2;
  batch.columns = make_columns(*schema);
  batch.columns[0].chars = "xxhello!yy";
  batch.columns[0].offsets = {2, 7, 8};
  auto back = round_trip(batch);
  CHECK(back->column(0).string_at(0) == "hello");
  CHECK(back->column(0).string_at(1) == "!");
  CHECK(back->column(0).chars == "hello!");
}

TEST_CASE("decoding against an expected schema shares it and refuses another") {
  auto batch = sample_batch(3);
  const std::string bytes = encode_batch(*batch);
  auto same = std::make_shared<Schema>(*all_types());
  auto decoded = decode_batch(bytes.data(), bytes.size(), same);
  REQUIRE(decoded.ok());
  CHECK(decoded.value()->schema == same);

  auto other = std::make_shared<Schema>(std::vector<Field>{{"i", DataType::kInt64}});
  auto refused = decode_batch(bytes.data(), bytes.size(), other);
  REQUIRE_FALSE(refused.ok());
  CHECK(refused.status().code() == StatusCode::kParseError);
}

TEST_CASE("events survive a round trip and are told apart from batches") {
  const std::vector<StreamEvent> events = {
      {EventKind::kWatermark, -5},      {EventKind::kWatermark, INT64_MAX},
      {EventKind::kBarrier, 17},        {EventKind::kEndOfInput, 0},
      {EventKind::kIdleStatus, 1},      {EventKind::kIdleStatus, 0},
      {EventKind::kWatermark, INT64_MIN}};
  for (const StreamEvent& e : events) {
    const std::string bytes = encode_event(e);
    auto back = decode_event(bytes.data(), bytes.size());
    REQUIRE(back.ok());
    CHECK(back.value() == e);
    auto tag = peek_wire_tag(bytes.data(), bytes.size());
    REQUIRE(tag.ok());
    CHECK(tag.value() == WireTag::kEvent);
    CHECK_FALSE(decode_batch(bytes.data(), bytes.size()).ok());
  }
  const std::string batch = encode_batch(*sample_batch(2));
  CHECK(peek_wire_tag(batch.data(), batch.size()).value() == WireTag::kBatch);
  CHECK_FALSE(decode_event(batch.data(), batch.size()).ok());
  CHECK_FALSE(peek_wire_tag("", 0).ok());
}

TEST_CASE("an unknown event kind, empty input and trailing bytes are refused") {
  std::string bytes = encode_event({EventKind::kBarrier, 3});
  bytes[2] = 9;  // the kind, a positive fixint after the array header and tag
  CHECK_FALSE(decode_event(bytes.data(), bytes.size()).ok());
  CHECK_FALSE(decode_event(nullptr, 0).ok());
  CHECK_FALSE(decode_batch(nullptr, 0).ok());
  std::string batch = encode_batch(*sample_batch(4));
  batch.push_back('\0');
  auto r = decode_batch(batch.data(), batch.size());
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().message().find("trailing") != std::string::npos);
}

TEST_CASE("inconsistent sizes, offsets and flags are refused with a reason") {
  auto schema = std::make_shared<Schema>(
      std::vector<Field>{{"s", DataType::kString}, {"b", DataType::kBool}});
  BatchBuilder b(schema);
  for (const char* v : {"ab", "cde"}) {
    b.column(0).append_string(v);
    b.column(1).append_bool(true);
    b.commit_rows(1);
  }
  auto batch = b.finish();
  auto refused = [&](const RecordBatch& bad, const char* reason) {
    const std::string bytes = encode_batch(bad);
    auto r = decode_batch(bytes.data(), bytes.size());
    REQUIRE_FALSE(r.ok());
    CHECK_MESSAGE(r.status().message().find(reason) != std::string::npos, r.status().message());
  };
  RecordBatch decreasing = *batch;
  decreasing.columns[0].offsets = {0, 4, 2};
  decreasing.columns[0].chars = "abcd";
  refused(decreasing, "offsets decrease");
  RecordBatch not_a_flag = *batch;
  not_a_flag.columns[1].bools[1] = 7;
  refused(not_a_flag, "bools of 0 or 1");
  RecordBatch bad_mask = *batch;
  bad_mask.columns[1].valid = {1, 2};
  refused(bad_mask, "null mask");
}

TEST_CASE("hand-made messages with wrong counts or type codes are refused") {
  // [1, [[name, type]], num_rows, [[mask, values]]] with a chosen type code,
  // row count, int64 value count and column count.
  auto message = [](int type, uint64_t rows, size_t values, int columns) {
    msgpack::sbuffer buf;
    msgpack::packer<msgpack::sbuffer> pk(buf);
    pk.pack_array(4);
    pk.pack(1);
    pk.pack_array(1);
    pk.pack_array(2);
    pk.pack(std::string("x"));
    pk.pack(type);
    pk.pack(rows);
    pk.pack_array(static_cast<uint32_t>(columns));
    for (int c = 0; c < columns; ++c) {
      pk.pack_array(2);
      pk.pack_nil();
      const std::string zeros(values * 8, '\0');
      pk.pack_bin(static_cast<uint32_t>(zeros.size()));
      pk.pack_bin_body(zeros.data(), static_cast<uint32_t>(zeros.size()));
    }
    return std::string(buf.data(), buf.size());
  };
  auto reason = [](const std::string& bytes) {
    auto r = decode_batch(bytes.data(), bytes.size());
    return r.ok() ? std::string("accepted") : r.status().message();
  };
  CHECK(reason(message(0, 3, 3, 1)) == "accepted");
  CHECK(reason(message(0, 3, 2, 1)).find("values are not num_rows int64") != std::string::npos);
  CHECK(reason(message(9, 3, 3, 1)).find("unknown type code") != std::string::npos);
  CHECK(reason(message(0, 3, 3, 2)).find("column count") != std::string::npos);
  CHECK(reason(message(0, 1ull << 40, 0, 1)).find("num_rows") != std::string::npos);
}

TEST_CASE("truncated encodings are refused, never crash") {
  const std::string bytes = encode_batch(*sample_batch(20));
  for (size_t n = 0; n < bytes.size(); ++n) {
    auto r = decode_batch(bytes.data(), n);
    CHECK_FALSE(r.ok());
  }
  const std::string event = encode_event({EventKind::kWatermark, 123456789});
  for (size_t n = 0; n < event.size(); ++n) CHECK_FALSE(decode_event(event.data(), n).ok());
}

TEST_CASE("random byte flips yield an error or a well-formed batch, never a crash") {
  const std::string good = encode_batch(*sample_batch(12));
  std::mt19937 rng(20240611);
  int accepted = 0;
  for (int trial = 0; trial < 20000; ++trial) {
    std::string bytes = good;
    const int flips = 1 + static_cast<int>(rng() % 4);
    for (int f = 0; f < flips; ++f) bytes[rng() % bytes.size()] = static_cast<char>(rng() & 0xff);
    auto r = decode_batch(bytes.data(), bytes.size());
    if (!r.ok()) continue;
    ++accepted;
    // A batch that decodes must be usable: every column the right size,
    // every string inside its chars.
    const RecordBatch& batch = *r.value();
    for (const Column& col : batch.columns) {
      REQUIRE(col.size() == batch.num_rows);
      if (col.has_nulls()) REQUIRE(col.valid.size() == batch.num_rows);
      if (col.type() == DataType::kString) REQUIRE(col.offsets.back() == col.chars.size());
    }
    (void)batch.to_debug_string();
  }
  // Flips inside value bytes decode to other values; the rest must be caught.
  CHECK(accepted > 0);
  CHECK(accepted < 20000);
}

TEST_CASE("random garbage is refused, never crashes") {
  std::mt19937 rng(7);
  for (int trial = 0; trial < 20000; ++trial) {
    std::string bytes(rng() % 64, '\0');
    for (char& c : bytes) c = static_cast<char>(rng() & 0xff);
    if (!bytes.empty()) bytes[0] = static_cast<char>(0x90 | (rng() % 5));  // look like a message
    (void)decode_batch(bytes.data(), bytes.size());
    (void)decode_event(bytes.data(), bytes.size());
  }
  // A header announcing a huge array in a few bytes must not allocate for it.
  const char huge[] = {'\xdd', '\x7f', '\xff', '\xff', '\xff', '\x01'};
  CHECK_FALSE(decode_batch(huge, sizeof huge).ok());
}
