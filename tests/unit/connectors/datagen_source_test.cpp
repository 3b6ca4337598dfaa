// Unit tests for the datagen source (src/connectors/datagen_source.h): values
// independent of parallelism and batching, ranges, timestamps, pacing, resume.
#include <doctest/doctest.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <limits>
#include <map>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "connectors/datagen_source.h"

using namespace eddy;

namespace {

DatagenField sequence(std::string name, int64_t start, int64_t step) {
  DatagenField f;
  f.name = std::move(name);
  f.kind = DatagenField::Kind::kSequence;
  f.start = start;
  f.step = step;
  return f;
}

DatagenField random_field(std::string name, DataType type, double min, double max) {
  DatagenField f;
  f.name = std::move(name);
  f.kind = DatagenField::Kind::kRandom;
  f.type = type;
  f.min = min;
  f.max = max;
  return f;
}

DatagenField choice(std::string name, std::vector<std::string> values) {
  DatagenField f;
  f.name = std::move(name);
  f.kind = DatagenField::Kind::kChoice;
  f.type = DataType::kString;
  f.values = std::move(values);
  return f;
}

DatagenField timestamp(std::string name, int64_t start_ms, int64_t step_us) {
  DatagenField f;
  f.name = std::move(name);
  f.kind = DatagenField::Kind::kTimestamp;
  f.type = DataType::kTimestamp;
  f.ts_start_ms = start_ms;
  f.ts_step_us = step_us;
  return f;
}

DatagenConfig five_fields(int64_t rows, uint64_t seed) {
  DatagenConfig c;
  c.fields = {sequence("id", 0, 1), random_field("user", DataType::kInt64, 1, 1000),
              random_field("amount", DataType::kFloat64, 0, 100), choice("channel", {"web", "app", "api"}),
              timestamp("ts", 1704067200000, 10000)};
  c.rows = rows;
  c.seed = seed;
  c.block_rows = 100;
  return c;
}

std::vector<Split> shares(const DatagenConfig& c, int32_t p) {
  auto splits = make_datagen_enumerator(c)->enumerate(p);
  REQUIRE(splits.ok());
  return *splits;
}

/// Every batch of one split, polled with `max_rows`.
std::vector<RecordBatchPtr> read_split(DatagenReader& reader, const Split& split, size_t max_rows) {
  REQUIRE(reader.open_split(split).is_ok());
  std::vector<RecordBatchPtr> out;
  for (;;) {
    auto poll = reader.poll(max_rows);
    REQUIRE(poll.ok());
    if (poll->kind == SourcePoll::Kind::kEndOfSplit) break;
    REQUIRE(poll->kind == SourcePoll::Kind::kBatch);
    REQUIRE(poll->batch->num_rows > 0);
    REQUIRE(poll->batch->num_rows <= max_rows);
    out.push_back(poll->batch);
  }
  return out;
}

/// One row's values rendered as text, keyed by its id column.
std::map<int64_t, std::string> rows_by_id(const DatagenConfig& c, int32_t parallelism, size_t max_rows) {
  std::map<int64_t, std::string> rows;
  DatagenReader reader(c);
  for (const auto& split : shares(c, parallelism)) {
    for (const auto& batch : read_split(reader, split, max_rows)) {
      std::string text = batch->to_debug_string();
      size_t begin = 0;
      for (size_t r = 0; r < batch->num_rows; ++r) {
        const size_t end = text.find('\n', begin);
        const bool fresh = rows.emplace(batch->column(0).ints[r], text.substr(begin, end - begin)).second;
        CHECK(fresh);
        begin = end + 1;
      }
    }
  }
  return rows;
}

std::vector<int64_t> all_ints(const std::vector<RecordBatchPtr>& batches, size_t col) {
  std::vector<int64_t> out;
  for (const auto& b : batches) out.insert(out.end(), b->column(col).ints.begin(), b->column(col).ints.end());
  return out;
}

}  // namespace

TEST_CASE("datagen values are identical at parallelism 1 and 3 and for any batch size") {
  const DatagenConfig c = five_fields(5000, 42);
  const auto one = rows_by_id(c, 1, 4096);
  const auto three = rows_by_id(c, 3, 333);
  REQUIRE(one.size() == 5000);
  CHECK(one == three);
  CHECK(datagen_schema(c)->to_string() ==
        "id: int64, user: int64, amount: float64, channel: string, ts: timestamp");
}

TEST_CASE("datagen shares together hold every row exactly once") {
  DatagenConfig c = five_fields(10007, 1);
  c.block_rows = 64;
  auto splits = shares(c, 3);
  REQUIRE(splits.size() == 3);
  CHECK(splits[1].id == "share-1-of-3");
  CHECK(splits[1].index == 1);
  CHECK(splits[1].count == 3);
  std::vector<int64_t> ids;
  DatagenReader reader(c);
  for (const auto& split : splits) {
    auto batches = read_split(reader, split, 1000);
    auto mine = all_ints(batches, 0);
    CHECK(std::is_sorted(mine.begin(), mine.end()));
    for (int64_t id : mine) CHECK((id / 64) % 3 == split.index);
    ids.insert(ids.end(), mine.begin(), mine.end());
  }
  std::sort(ids.begin(), ids.end());
  REQUIRE(ids.size() == 10007);
  for (int64_t i = 0; i < 10007; ++i) REQUIRE(ids[static_cast<size_t>(i)] == i);
}

TEST_CASE("datagen random values change with the seed but sequences do not") {
  const auto a = rows_by_id(five_fields(1000, 1), 1, 1000);
  const auto b = rows_by_id(five_fields(1000, 2), 1, 1000);
  const auto a2 = rows_by_id(five_fields(1000, 1), 2, 100);
  CHECK(a == a2);
  CHECK(a != b);
  CHECK(a.begin()->first == b.begin()->first);
}

TEST_CASE("datagen random and choice values respect their ranges") {
  DatagenConfig c;
  c.fields = {random_field("small", DataType::kInt64, 1, 3), random_field("x", DataType::kFloat64, -2.5, 7.5),
              choice("c", {"web", "app", "api"}), random_field("wide", DataType::kInt64, -1e6, 1e6),
              random_field("point", DataType::kInt64, 5, 5)};
  c.rows = 20000;
  c.seed = 7;
  DatagenReader reader(c);
  auto batches = read_split(reader, shares(c, 1)[0], 8192);
  std::map<int64_t, int> small;
  std::map<std::string, int> picks;
  double xmin = 1e9, xmax = -1e9;
  int64_t wmin = 0, wmax = 0;
  for (const auto& b : batches) {
    for (size_t r = 0; r < b->num_rows; ++r) {
      ++small[b->column(0).ints[r]];
      const double x = b->column(1).doubles[r];
      xmin = std::min(xmin, x);
      xmax = std::max(xmax, x);
      ++picks[std::string(b->column(2).string_at(r))];
      wmin = std::min(wmin, b->column(3).ints[r]);
      wmax = std::max(wmax, b->column(3).ints[r]);
      CHECK(b->column(4).ints[r] == 5);
    }
  }
  CHECK(small.size() == 3);  // min and max are both reachable
  CHECK(small.begin()->first == 1);
  CHECK(small.rbegin()->first == 3);
  for (const auto& kv : small) CHECK(kv.second > 6000);
  CHECK(xmin >= -2.5);
  CHECK(xmax < 7.5);
  CHECK(xmin < -2.4);
  CHECK(xmax > 7.4);
  CHECK(picks.size() == 3);
  for (const auto& kv : picks) {
    CHECK((kv.first == "web" || kv.first == "app" || kv.first == "api"));
    CHECK(kv.second > 6000);
  }
  CHECK(wmin >= -1000000);
  CHECK(wmax <= 1000000);
  CHECK(wmin < -900000);
  CHECK(wmax > 900000);
}

TEST_CASE("datagen timestamps are start + floor(i * step / 1 ms), also for sub-millisecond steps") {
  DatagenConfig c;
  c.fields = {timestamp("every_10ms", 1000, 10000), timestamp("every_300us", 5000, 300),
              timestamp("every_1500us", 0, 1500), timestamp("backwards_250us", 0, -250)};
  c.rows = 3000;
  c.block_rows = 128;
  DatagenReader reader(c);
  std::vector<std::vector<int64_t>> cols(4);
  for (const auto& split : shares(c, 2)) {
    auto batches = read_split(reader, split, 500);
    // Share order is not global order: place each value by its global row.
    for (size_t k = 0; k < 4; ++k) {
      auto values = all_ints(batches, k);
      cols[k].insert(cols[k].end(), values.begin(), values.end());
    }
  }
  std::vector<int64_t> every_10ms = cols[0];
  std::sort(every_10ms.begin(), every_10ms.end());
  for (int64_t i = 0; i < 3000; ++i) CHECK(every_10ms[static_cast<size_t>(i)] == 1000 + i * 10);
  // Recover the global row of each value from the 10 ms column, then check the others.
  for (size_t r = 0; r < cols[0].size(); ++r) {
    const int64_t i = (cols[0][r] - 1000) / 10;
    CHECK(cols[1][r] == 5000 + (i * 300) / 1000);
    CHECK(cols[2][r] == (i * 1500) / 1000);
    const int64_t back = -i * 250;
    CHECK(cols[3][r] == (back % 1000 == 0 ? back / 1000 : back / 1000 - 1));
  }
}

TEST_CASE("datagen pacing returns idle when ahead of rows_per_second") {
  DatagenConfig c = five_fields(-1, 3);
  c.rows_per_second = 2000;
  DatagenReader reader(c);
  REQUIRE(reader.open_split(shares(c, 1)[0]).is_ok());
  auto first = reader.poll(100000);
  REQUIRE(first.ok());
  REQUIRE(first->kind == SourcePoll::Kind::kBatch);
  CHECK(first->batch->num_rows >= 20);  // a burst of about 10 ms worth
  CHECK(first->batch->num_rows <= 30);
  auto second = reader.poll(100000);
  REQUIRE(second.ok());
  REQUIRE(second->kind == SourcePoll::Kind::kIdle);
  CHECK(second->retry_after_us > 0);
  CHECK(second->retry_after_us <= 20000);
  // Follow the advice for a while: the rate stays at the cap.
  const auto start = std::chrono::steady_clock::now();
  int64_t rows = static_cast<int64_t>(first->batch->num_rows);
  int idles = 1;
  while (std::chrono::steady_clock::now() - start < std::chrono::milliseconds(150)) {
    auto p = reader.poll(100000);
    REQUIRE(p.ok());
    if (p->kind == SourcePoll::Kind::kIdle) {
      ++idles;
      std::this_thread::sleep_for(std::chrono::microseconds(p->retry_after_us));
    } else {
      rows += static_cast<int64_t>(p->batch->num_rows);
    }
  }
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  CHECK(rows <= static_cast<int64_t>(2000 * seconds) + 40);
  CHECK(rows >= 100);
  CHECK(idles > 3);
  CHECK(reader.position() == rows);
}

TEST_CASE("datagen pacing divides rows_per_second among the shares") {
  DatagenConfig c = five_fields(-1, 3);
  c.rows_per_second = 400;
  DatagenReader reader(c);
  REQUIRE(reader.open_split(shares(c, 4)[2]).is_ok());
  auto p = reader.poll(1000);
  REQUIRE(p.ok());
  REQUIRE(p->kind == SourcePoll::Kind::kBatch);
  CHECK(p->batch->num_rows <= 2);  // 100 rows/s per share: a 10 ms burst is one row
  auto q = reader.poll(1000);
  REQUIRE(q.ok());
  CHECK(q->kind == SourcePoll::Kind::kIdle);
  CHECK(q->retry_after_us > 0);
  CHECK(q->retry_after_us <= 10000);
}

TEST_CASE("datagen position and seek resume with an identical continuation") {
  DatagenConfig c = five_fields(4000, 9);
  c.block_rows = 50;
  const Split split = shares(c, 3)[1];
  DatagenReader reader(c);
  REQUIRE(reader.open_split(split).is_ok());
  CHECK(reader.position() == 0);
  for (int i = 0; i < 3; ++i) REQUIRE(reader.poll(77).ok());
  const int64_t checkpoint = reader.position();
  CHECK(checkpoint == 231);
  std::string rest_a;
  for (;;) {
    auto p = reader.poll(200);
    REQUIRE(p.ok());
    if (p->kind != SourcePoll::Kind::kBatch) break;
    rest_a += p->batch->to_debug_string();
  }
  DatagenReader restored(c);
  REQUIRE(restored.open_split(split).is_ok());
  restored.seek(checkpoint);
  CHECK(restored.position() == checkpoint);
  std::string rest_b;
  for (;;) {
    auto p = restored.poll(333);
    REQUIRE(p.ok());
    if (p->kind != SourcePoll::Kind::kBatch) break;
    rest_b += p->batch->to_debug_string();
  }
  CHECK(!rest_a.empty());
  CHECK(rest_a == rest_b);
  // Seeking past the end clamps to it.
  restored.seek(1 << 30);
  auto end = restored.poll(10);
  REQUIRE(end.ok());
  CHECK(end->kind == SourcePoll::Kind::kEndOfSplit);
}

TEST_CASE("datagen without a row count keeps producing") {
  DatagenConfig c = five_fields(-1, 5);
  DatagenReader reader(c);
  REQUIRE(reader.open_split(shares(c, 2)[0]).is_ok());
  for (int i = 0; i < 5; ++i) {
    auto p = reader.poll(1000);
    REQUIRE(p.ok());
    REQUIRE(p->kind == SourcePoll::Kind::kBatch);
    CHECK(p->batch->num_rows == 1000);
  }
  CHECK(reader.position() == 5000);
}

TEST_CASE("datagen rejects a random field with min above max and a choice without values") {
  DatagenConfig c;
  c.fields = {random_field("x", DataType::kInt64, 5, 1)};
  DatagenReader bad_range(c);
  CHECK_FALSE(bad_range.open_split(Split{}).is_ok());
  c.fields = {choice("c", {})};
  CHECK_FALSE(validate_datagen_config(c).is_ok());
  c.fields = {random_field("s", DataType::kString, 0, 1)};
  CHECK_FALSE(validate_datagen_config(c).is_ok());
  CHECK_FALSE(make_datagen_enumerator(c)->enumerate(0).ok());
}

TEST_CASE("datagen refuses a bounded sequence or timestamp whose last row leaves int64") {
  constexpr int64_t kMax = std::numeric_limits<int64_t>::max();
  CHECK(check_datagen_field(sequence("id", 0, kMax), 2).is_ok());  // 0, INT64_MAX
  Status seq = check_datagen_field(sequence("id", 0, kMax), 3);
  REQUIRE_FALSE(seq.is_ok());
  CHECK_MESSAGE(seq.message().find("datagen field 'id': row 2's value, start + 2 * step (9223372036854775807), "
                                   "is beyond the int64 range") != std::string::npos, seq.message());
  CHECK_FALSE(check_datagen_field(sequence("down", std::numeric_limits<int64_t>::min(), -1), 2).is_ok());
  CHECK(check_datagen_field(sequence("down", std::numeric_limits<int64_t>::min(), -1), 1).is_ok());
  // The security report's step, 2^63 - 1 us: 1000 rows fit from 2024, 1001 do not.
  const int64_t start = 1704067200000;
  CHECK(check_datagen_field(timestamp("ts", start, kMax), 1000).is_ok());
  Status ts = check_datagen_field(timestamp("ts", start, kMax), 1001);
  REQUIRE_FALSE(ts.is_ok());
  CHECK_MESSAGE(ts.message().find("row 1000's value, start + 1000 * step (9223372036854775807us), is beyond "
                                  "the int64 range of timestamps") != std::string::npos, ts.message());
  DatagenConfig c;
  c.fields = {timestamp("ts", start, kMax)};
  c.rows = 1001;
  CHECK_FALSE(validate_datagen_config(c).is_ok());
  c.rows = -1;  // unbounded: checked as it goes
  CHECK(validate_datagen_config(c).is_ok());
}

TEST_CASE("an unbounded datagen sequence fails when it would leave int64 instead of wrapping") {
  DatagenConfig c;
  c.fields = {sequence("id", std::numeric_limits<int64_t>::max() - 5, 1)};
  c.rows = -1;
  DatagenReader reader(c);
  REQUIRE(reader.open_split(shares(c, 1)[0]).is_ok());
  auto first = reader.poll(4);
  REQUIRE(first.ok());
  REQUIRE(first->kind == SourcePoll::Kind::kBatch);
  CHECK(first->batch->column(0).ints.back() == std::numeric_limits<int64_t>::max() - 2);
  auto second = reader.poll(4);  // rows 4..7 reach INT64_MAX + 2
  REQUIRE_FALSE(second.ok());
  CHECK_MESSAGE(second.status().message().find("the unbounded source cannot go on") != std::string::npos,
                second.status().message());
}

TEST_CASE("datagen random bounds must be finite and fit their type") {
  const double inf = std::numeric_limits<double>::infinity();
  CHECK_FALSE(check_datagen_field(random_field("x", DataType::kFloat64, 0, inf), -1).is_ok());
  CHECK_FALSE(check_datagen_field(random_field("x", DataType::kFloat64, std::nan(""), 1), -1).is_ok());
  CHECK_FALSE(check_datagen_field(random_field("x", DataType::kFloat64, -1e308, 1e308), -1).is_ok());
  CHECK_FALSE(check_datagen_field(random_field("x", DataType::kInt64, 0, 1e19), -1).is_ok());
  CHECK_FALSE(check_datagen_field(random_field("x", DataType::kInt64, 9.3e18, 9.3e18), -1).is_ok());
  // 2^63 - 1 as a double is 2^63: it stands for INT64_MAX.
  CHECK(check_datagen_field(random_field("x", DataType::kInt64, -9223372036854775808.0,
                                         9223372036854775807.0), -1).is_ok());
  CHECK(check_datagen_field(random_field("x", DataType::kFloat64, -1e300, 1e300), -1).is_ok());
}

TEST_CASE("datagen pacing at the largest rows_per_second keeps granting rows after a second") {
  SharePacer pacer;
  pacer.reset(9.2e18);
  CHECK(pacer.budget(1000) > 0);  // starts the clock
  std::this_thread::sleep_for(std::chrono::milliseconds(1100));
  // elapsed * rate is beyond int64 now: the grant saturates instead of wrapping negative.
  CHECK(pacer.budget(1000) > 0);
}
