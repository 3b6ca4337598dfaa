// Unit tests for the producer side of an output edge (src/net/output_router.h):
// partitioning, ordering of rows and events, credit gating, adaptive
// rebalance, zero-copy pass-through and the backlog announced with each batch.
#include <doctest/doctest.h>

#include <map>
#include <random>
#include <set>
#include <string>

#include "core/hashing.h"
#include "core/key_groups.h"
#include "net/output_router.h"

using namespace eddy;

namespace {

SchemaPtr id_key_schema() {
  return std::make_shared<Schema>(
      std::vector<Field>{{"id", DataType::kInt64}, {"key", DataType::kString}});
}

/// Rows with ids first..first+n-1 and key "k<id % 37>".
RecordBatchPtr make_batch(int64_t first, size_t n) {
  BatchBuilder b(id_key_schema());
  for (size_t i = 0; i < n; ++i) {
    const int64_t id = first + static_cast<int64_t>(i);
    b.column(0).append_int(id);
    b.column(1).append_string("k" + std::to_string(id % 37));
    b.commit_rows(1);
  }
  return b.finish();
}

OutputRouter::Options options(Partitioning p, int channels, size_t batch_size) {
  OutputRouter::Options o;
  o.partitioning = p;
  o.channels = channels;
  o.batch_size = batch_size;
  if (p == Partitioning::kHash) o.key_columns = {1};
  return o;
}

/// One thing a channel received: a batch's ids or an event, with the backlog sent along.
struct Received {
  RecordBatchPtr batch;
  std::optional<StreamEvent> event;
  int32_t backlog = 0;
};

/// Records every send per channel and checks that no batch goes without credit.
struct Consumers {
  explicit Consumers(OutputRouter& r) : router(r), got(static_cast<size_t>(r.channels())),
        granted(static_cast<size_t>(r.channels()), 0), sent(static_cast<size_t>(r.channels()), 0) {}

  void grant(int c, int32_t n) {
    router.add_credit(c, n);
    granted[static_cast<size_t>(c)] += n;
  }
  void drain() {
    router.drain([this](int c, const OutboundItem& item, int32_t backlog) {
      REQUIRE(c >= 0);
      REQUIRE(c < router.channels());
      REQUIRE((item.batch != nullptr) != item.event.has_value());
      if (item.batch) {
        ++sent[static_cast<size_t>(c)];
        REQUIRE_MESSAGE(sent[static_cast<size_t>(c)] <= granted[static_cast<size_t>(c)],
                        "batch sent on channel " << c << " without credit");
        REQUIRE(item.batch->num_rows <= router.options().batch_size);
      }
      got[static_cast<size_t>(c)].push_back(Received{item.batch, item.event, backlog});
    });
  }
  /// The ids a channel received, in order.
  std::vector<int64_t> ids(int c) const {
    std::vector<int64_t> out;
    for (const Received& r : got[static_cast<size_t>(c)])
      if (r.batch) {
        const auto& ints = r.batch->column(0).ints;
        out.insert(out.end(), ints.begin(), ints.end());
      }
    return out;
  }
  size_t batches(int c) const {
    size_t n = 0;
    for (const Received& r : got[static_cast<size_t>(c)]) n += r.batch ? 1 : 0;
    return n;
  }

  OutputRouter& router;
  std::vector<std::vector<Received>> got;
  std::vector<int32_t> granted;
  std::vector<int32_t> sent;
};

std::vector<int64_t> iota_ids(int64_t first, int64_t n) {
  std::vector<int64_t> v;
  for (int64_t i = 0; i < n; ++i) v.push_back(first + i);
  return v;
}

int expected_channel(const std::string& key, int channels, int32_t max_parallelism) {
  const int32_t kg = key_group_for_hash(hash_bytes(key), max_parallelism);
  return subtask_for_key_group(max_parallelism, channels, kg);
}

}  // namespace

TEST_CASE("partitionings have names that parse back") {
  for (Partitioning p : {Partitioning::kForward, Partitioning::kRebalance, Partitioning::kHash,
                         Partitioning::kBroadcast})
    CHECK(parse_partitioning(partitioning_name(p)) == p);
  CHECK(std::string(partitioning_name(Partitioning::kRebalance)) == "rebalance");
  CHECK_FALSE(parse_partitioning("shuffle").has_value());
}

TEST_CASE("options that cannot work are refused by validate") {
  const SchemaPtr schema_ptr = id_key_schema();
  const Schema& schema = *schema_ptr;
  CHECK(OutputRouter::validate(options(Partitioning::kHash, 4, 8), schema).is_ok());
  CHECK_FALSE(OutputRouter::validate(options(Partitioning::kForward, 2, 8), schema).is_ok());
  CHECK_FALSE(OutputRouter::validate(options(Partitioning::kRebalance, 0, 8), schema).is_ok());
  CHECK_FALSE(OutputRouter::validate(options(Partitioning::kRebalance, 2, 0), schema).is_ok());
  auto bad_key = options(Partitioning::kHash, 2, 8);
  bad_key.key_columns = {2};
  CHECK_FALSE(OutputRouter::validate(bad_key, schema).is_ok());
  bad_key.key_columns = {};
  CHECK_FALSE(OutputRouter::validate(bad_key, schema).is_ok());
  auto few_groups = options(Partitioning::kHash, 8, 8);
  few_groups.max_parallelism = 4;
  CHECK_FALSE(OutputRouter::validate(few_groups, schema).is_ok());
}

TEST_CASE("forward sends every row once, in order, in batches of batch_size") {
  OutputRouter router(options(Partitioning::kForward, 1, 10), id_key_schema());
  Consumers consumers(router);
  router.add(make_batch(0, 3));
  router.add(make_batch(3, 14));  // 17 rows: one full batch, 7 waiting
  CHECK(router.queued_batches() == 1);
  CHECK(router.has_partial_rows());
  router.flush();
  CHECK_FALSE(router.has_partial_rows());
  CHECK(router.queued_batches() == 2);
  consumers.grant(0, 5);
  consumers.drain();
  CHECK(consumers.ids(0) == iota_ids(0, 17));
  REQUIRE(consumers.got[0].size() == 2);
  CHECK(consumers.got[0][0].batch->num_rows == 10);
  CHECK(consumers.got[0][1].batch->num_rows == 7);
}

TEST_CASE("no batch leaves without credit and each carries the backlog behind it") {
  OutputRouter router(options(Partitioning::kForward, 1, 4), id_key_schema());
  Consumers consumers(router);
  for (int i = 0; i < 5; ++i) router.add(make_batch(i * 4, 4));
  CHECK(router.queued_batches() == 5);
  consumers.drain();
  CHECK(consumers.got[0].empty());
  consumers.grant(0, 2);
  consumers.drain();
  REQUIRE(consumers.got[0].size() == 2);
  CHECK(consumers.got[0][0].backlog == 4);
  CHECK(consumers.got[0][1].backlog == 3);
  CHECK(router.queued_batches() == 3);
  CHECK(router.credit(0) == 0);
  consumers.grant(0, 10);
  consumers.drain();
  CHECK(consumers.got[0].back().backlog == 0);
  CHECK(router.queued_batches() == 0);
  CHECK(router.credit(0) == 7);
}

TEST_CASE("events need no credit but wait behind the batches before them") {
  OutputRouter router(options(Partitioning::kForward, 1, 4), id_key_schema());
  Consumers consumers(router);
  router.add(make_batch(0, 4));
  router.add(make_batch(4, 1));  // partial: flushed by the event
  router.add_event({EventKind::kWatermark, 100});
  consumers.drain();
  CHECK(consumers.got[0].empty());  // the watermark may not overtake the batches
  consumers.grant(0, 2);
  consumers.drain();
  REQUIRE(consumers.got[0].size() == 3);
  CHECK(consumers.ids(0) == iota_ids(0, 5));
  REQUIRE(consumers.got[0][2].event.has_value());
  CHECK(*consumers.got[0][2].event == StreamEvent{EventKind::kWatermark, 100});
  router.add_event({EventKind::kEndOfInput, 0});
  consumers.drain();  // no credit left, none needed
  CHECK(consumers.got[0].back().event->kind == EventKind::kEndOfInput);
}

TEST_CASE("hash sends all rows of a key to the channel that owns its key group") {
  auto o = options(Partitioning::kHash, 3, 16);
  o.max_parallelism = 16;
  OutputRouter router(o, id_key_schema());
  Consumers consumers(router);
  for (int c = 0; c < 3; ++c) consumers.grant(c, 1000);
  int64_t next = 0;
  for (size_t n : {5u, 40u, 1u, 100u, 16u}) {
    router.add(make_batch(next, n));
    next += static_cast<int64_t>(n);
    consumers.drain();
  }
  router.flush();
  consumers.drain();
  std::multiset<int64_t> all;
  for (int c = 0; c < 3; ++c) {
    const auto ids = consumers.ids(c);
    CHECK(std::is_sorted(ids.begin(), ids.end()));
    for (int64_t id : ids) {
      all.insert(id);
      CHECK(expected_channel("k" + std::to_string(id % 37), 3, 16) == c);
    }
  }
  const auto expected = iota_ids(0, next);
  CHECK(all == std::multiset<int64_t>(expected.begin(), expected.end()));
}

TEST_CASE("hash passes a batch through untouched when all its rows go to one channel") {
  OutputRouter router(options(Partitioning::kHash, 1, 8), id_key_schema());
  Consumers consumers(router);
  consumers.grant(0, 10);
  auto batch = make_batch(0, 6);
  router.add(batch);
  consumers.drain();
  REQUIRE(consumers.got[0].size() == 1);
  CHECK((consumers.got[0][0].batch == batch));
}

TEST_CASE("broadcast queues one shared batch on every channel") {
  OutputRouter router(options(Partitioning::kBroadcast, 3, 8), id_key_schema());
  Consumers consumers(router);
  auto big = make_batch(0, 8);
  router.add(big);
  router.add(make_batch(8, 2));
  router.add(make_batch(10, 1));
  router.add_event({EventKind::kBarrier, 7});
  CHECK(router.queued_batches() == 6);  // two batches, three channels
  for (int c = 0; c < 3; ++c) consumers.grant(c, 2);
  consumers.drain();
  for (int c = 0; c < 3; ++c) {
    REQUIRE(consumers.got[static_cast<size_t>(c)].size() == 3);
    CHECK((consumers.got[static_cast<size_t>(c)][0].batch == big));  // no copy, same pointer
    CHECK((consumers.got[static_cast<size_t>(c)][1].batch == consumers.got[0][1].batch));
    CHECK(consumers.ids(c) == iota_ids(0, 11));
    CHECK(consumers.got[static_cast<size_t>(c)][2].event->kind == EventKind::kBarrier);
  }
}

TEST_CASE("a batch of at least half the batch size passes through only into an empty builder") {
  OutputRouter router(options(Partitioning::kForward, 1, 10), id_key_schema());
  Consumers consumers(router);
  consumers.grant(0, 10);
  auto half = make_batch(0, 5);
  router.add(half);
  auto small = make_batch(5, 2);
  router.add(small);              // waits in the builder
  auto again = make_batch(7, 6);  // big enough, but rows wait: copied behind them
  router.add(again);
  auto too_big = make_batch(13, 25);  // split into batch_size pieces
  router.add(too_big);
  router.flush();
  consumers.drain();
  CHECK(consumers.ids(0) == iota_ids(0, 38));
  REQUIRE(consumers.got[0].size() >= 2);
  CHECK((consumers.got[0][0].batch == half));
  for (size_t i = 1; i < consumers.got[0].size(); ++i) {
    CHECK((consumers.got[0][i].batch != again));
    CHECK((consumers.got[0][i].batch != too_big));
  }
  CHECK(consumers.got[0][1].batch->num_rows == 10);
}

TEST_CASE("rebalance gives the next batch to the channel with the most free credit") {
  OutputRouter router(options(Partitioning::kRebalance, 3, 4), id_key_schema());
  Consumers consumers(router);
  for (int i = 0; i < 4; ++i) router.add(make_batch(i * 4, 4));
  CHECK(router.queued_batches() == 4);
  consumers.grant(0, 1);
  consumers.grant(1, 3);
  consumers.drain();
  // Channel 1 has 3 credits against channel 0's 1: it takes batches until they
  // tie, then the tie goes round robin, then the last credit is spent.
  CHECK(consumers.batches(1) == 3);
  CHECK(consumers.batches(0) == 1);
  CHECK(consumers.batches(2) == 0);
  CHECK(consumers.got[1][0].backlog == 3);  // the shared queue behind it
  CHECK(router.queued_batches() == 0);
}

TEST_CASE("rebalance round-robins among channels with equal credit") {
  auto o = options(Partitioning::kRebalance, 3, 2);
  o.producer_index = 1;  // the round robin starts at channel 1
  OutputRouter router(o, id_key_schema());
  Consumers consumers(router);
  for (int c = 0; c < 3; ++c) consumers.grant(c, 1);
  std::vector<int> order;
  for (int i = 0; i < 6; ++i) {
    router.add(make_batch(i * 2, 2));
    router.drain([&](int c, const OutboundItem&, int32_t) { order.push_back(c); });
    router.add_credit(order.back(), 1);
  }
  CHECK(order == std::vector<int>{1, 2, 0, 1, 2, 0});
}

TEST_CASE("rebalance keeps an event behind every batch added before it, on every channel") {
  OutputRouter router(options(Partitioning::kRebalance, 2, 2), id_key_schema());
  Consumers consumers(router);
  router.add(make_batch(0, 2));
  router.add(make_batch(2, 2));
  router.add(make_batch(4, 2));
  router.add_event({EventKind::kBarrier, 1});
  router.add(make_batch(6, 2));
  consumers.grant(0, 1);
  consumers.drain();
  for (int c = 0; c < 2; ++c)  // the barrier waits: two batches before it are unsent
    for (const Received& r : consumers.got[static_cast<size_t>(c)])
      CHECK_FALSE(r.event.has_value());
  consumers.grant(1, 2);
  consumers.drain();
  for (int c = 0; c < 2; ++c) {
    const auto& got = consumers.got[static_cast<size_t>(c)];
    REQUIRE(!got.empty());
    CHECK(got.back().event->kind == EventKind::kBarrier);
  }
  CHECK(router.queued_batches() == 1);  // the batch after the barrier
  consumers.grant(0, 1);
  consumers.drain();
  CHECK(consumers.got[0].back().batch->column(0).ints[0] == 6);
}

TEST_CASE("randomized traffic keeps rows exactly once, ordered per channel, with events in place") {
  for (Partitioning p : {Partitioning::kForward, Partitioning::kRebalance, Partitioning::kHash,
                         Partitioning::kBroadcast}) {
    CAPTURE(partitioning_name(p));
    std::mt19937 rng(static_cast<uint32_t>(p) + 11);
    const int channels = p == Partitioning::kForward ? 1 : 1 + static_cast<int>(rng() % 4);
    OutputRouter router(options(p, channels, 1 + rng() % 64), id_key_schema());
    Consumers consumers(router);
    int64_t next = 0;
    std::map<int64_t, int64_t> mark_of_event;  // event value -> first id added after it
    for (int step = 0; step < 600; ++step) {
      switch (rng() % 5) {
        case 0:
        case 1: {
          const size_t n = rng() % 150;
          router.add(make_batch(next, n));
          next += static_cast<int64_t>(n);
          break;
        }
        case 2: {
          const int64_t value = static_cast<int64_t>(mark_of_event.size());
          mark_of_event[value] = next;
          router.add_event({EventKind::kWatermark, value});
          break;
        }
        case 3:
          consumers.grant(static_cast<int>(rng() % static_cast<uint32_t>(channels)), rng() % 4);
          break;
        case 4: consumers.drain(); break;
      }
      if (p != Partitioning::kRebalance) {
        size_t total = 0;
        for (int c = 0; c < channels; ++c) total += router.queued_batches(c);
        REQUIRE(total == router.queued_batches());
      }
    }
    router.flush();
    for (int c = 0; c < channels; ++c) consumers.grant(c, 100000);
    consumers.drain();
    CHECK(router.queued_batches() == 0);
    std::multiset<int64_t> all;
    for (int c = 0; c < channels; ++c) {
      const auto ids = consumers.ids(c);
      CHECK(std::is_sorted(ids.begin(), ids.end()));
      all.insert(ids.begin(), ids.end());
      int64_t seen_max = -1;  // largest id received so far
      int64_t floor = 0;      // ids after the last event were added after it
      size_t events = 0;
      for (const Received& r : consumers.got[static_cast<size_t>(c)]) {
        if (r.batch) {
          CHECK(r.batch->column(0).ints.front() >= floor);
          seen_max = std::max(seen_max, r.batch->column(0).ints.back());
          continue;
        }
        // Every id before the event was added before it, and none added before it comes later.
        const int64_t mark = mark_of_event.at(r.event->value);
        CHECK(seen_max < mark);
        floor = mark;
        CHECK(r.event->value == static_cast<int64_t>(events));
        ++events;
        if (p == Partitioning::kForward || p == Partitioning::kBroadcast)
          CHECK(seen_max == mark - 1);
      }
      CHECK(events == mark_of_event.size());
      if (p == Partitioning::kBroadcast) CHECK(ids == iota_ids(0, next));
    }
    const auto expected = iota_ids(0, next);
    const size_t copies = p == Partitioning::kBroadcast ? static_cast<size_t>(channels) : 1;
    CHECK(all.size() == expected.size() * copies);
    for (int64_t id : expected) CHECK(all.count(id) == copies);
  }
}
