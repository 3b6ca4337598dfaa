// Lookup joins against a server, without one: the PARTIAL cache (hits, LRU,
// expiry, missing keys) on a hand-driven clock, the ordered and unordered
// result queue, and AsyncLookupJoinOperator over a fake client (batching of
// keys, cache use, output order, and each timeout policy).
#include <doctest/doctest.h>

#include <atomic>
#include <chrono>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include "operator_harness.h"
#include "operators/async_lookup_join_operator.h"
#include "operators/async_result_queue.h"
#include "operators/lookup_cache.h"

using namespace eddy;
using namespace eddy::testing;

namespace {

LookupRows rows_of(std::vector<std::string> rows) {
  return std::make_shared<const std::vector<std::string>>(std::move(rows));
}

LookupCacheOptions partial(int64_t max_rows, int64_t after_write = 0, int64_t after_access = 0,
                           bool missing = true) {
  LookupCacheOptions o;
  o.mode = LookupCacheMode::kPartial;
  o.max_rows = max_rows;
  o.expire_after_write_ms = after_write;
  o.expire_after_access_ms = after_access;
  o.cache_missing_key = missing;
  return o;
}

/// What the fake server does with a key.
struct FakeTable {
  std::map<std::string, std::string> names;  // key text -> name
  std::set<std::string> slow;                // answered after 150 ms
  std::set<std::string> timing_out;          // time out, `timeouts_left` times (then answer)
  std::atomic<int> timeouts_left{1000};
  std::atomic<int> calls{0};
  std::atomic<int> keys{0};
};

class FakeClient final : public LookupClient {
 public:
  explicit FakeClient(FakeTable& t) : t_(t) {}
  LookupReply lookup(const std::vector<LookupKeyText>& keys, int64_t timeout_ms) override {
    ++t_.calls;
    t_.keys += static_cast<int>(keys.size());
    LookupReply reply;
    for (const auto& k : keys) {
      if (t_.timing_out.count(k[0]) && t_.timeouts_left.fetch_sub(1) > 0) {
        reply.status = Status::io_error("fake: lookup timed out");
        reply.timed_out = true;
        return reply;
      }
      if (t_.slow.count(k[0])) std::this_thread::sleep_for(std::chrono::milliseconds(150));
    }
    BatchBuilder b(schema_of({{"key", DataType::kInt64}, {"name", DataType::kString}}));
    for (const auto& k : keys) {
      auto it = t_.names.find(k[0]);
      if (it == t_.names.end()) continue;
      b.column(0).append_int(std::stoll(k[0]));
      b.column(1).append_string(it->second);
      b.commit_rows(1);
    }
    reply.rows = b.finish();
    return reply;
  }

 private:
  FakeTable& t_;
};

/// A lookup join of (sk, sv) with the server table (key, name) on sk = key.
std::shared_ptr<JoinConfig> config(JoinType type, LookupTableConfig table) {
  auto c = std::make_shared<JoinConfig>();
  c->kind = JoinKind::kLookup;
  c->type = type;
  c->left_schema = schema_of({{"sk", DataType::kInt64}, {"sv", DataType::kString}});
  c->right_schema = schema_of({{"key", DataType::kInt64}, {"name", DataType::kString}});
  table.name = "dim";
  table.schema = c->right_schema;
  c->lookup_service = std::make_shared<LookupTableConfig>(table);
  c->left_keys = {0};
  c->right_keys = {0};
  c->left_key_exprs = {nullptr};
  c->joined_schema = schema_of({{"sk", DataType::kInt64}, {"sv", DataType::kString}, {"key", DataType::kInt64},
                                {"name", DataType::kString}});
  c->output_schema = c->joined_schema;
  return c;
}

LookupTableConfig table_options(bool async = true) {
  LookupTableConfig t;
  t.async = async;
  t.io_threads = 2;
  t.timeout_ms = 1000;
  return t;
}

struct Fixture {
  FakeTable table;
  LookupClientFactory factory() {
    return [this]() -> Result<std::unique_ptr<LookupClient>> { return std::unique_ptr<LookupClient>(new FakeClient(table)); };
  }
};

}  // namespace

TEST_CASE("the lookup cache answers a cached key until it is evicted as least recently used") {
  LookupCache cache(partial(2));
  cache.put("a", rows_of({"A"}), 0);
  cache.put("b", rows_of({"B"}), 0);
  REQUIRE(cache.get("a", 1));  // a is now the most recently used
  cache.put("c", rows_of({"C"}), 2);
  CHECK(cache.get("b", 3) == nullptr);  // evicted
  CHECK((*cache.get("a", 3))[0] == "A");
  CHECK((*cache.get("c", 3))[0] == "C");
  CHECK(cache.size() == 2);
  CHECK(cache.evictions() == 1);
}

TEST_CASE("the lookup cache expires entries a fixed time after they were written") {
  LookupCache cache(partial(10, /*after_write=*/100));
  cache.put("a", rows_of({"A"}), 1000);
  CHECK(cache.get("a", 1050));
  CHECK(cache.get("a", 1099));  // reads do not extend a write expiry
  CHECK(cache.get("a", 1100) == nullptr);
  cache.put("a", rows_of({"A2"}), 1100);  // written again: a new lease
  CHECK((*cache.get("a", 1150))[0] == "A2");
}

TEST_CASE("the lookup cache expires entries a fixed time after they were last read") {
  LookupCache cache(partial(10, 0, /*after_access=*/100));
  cache.put("a", rows_of({"A"}), 0);
  CHECK(cache.get("a", 90));
  CHECK(cache.get("a", 180));  // each read extends it
  CHECK(cache.get("a", 280) == nullptr);
}

TEST_CASE("the lookup cache keeps missing keys only when cache-missing-key is true") {
  LookupCache keeps(partial(10));
  keeps.put("gone", rows_of({}), 0);
  REQUIRE(keeps.get("gone", 1));
  CHECK(keeps.get("gone", 1)->empty());
  LookupCache drops(partial(10, 0, 0, /*missing=*/false));
  drops.put("gone", rows_of({}), 0);
  CHECK(drops.get("gone", 1) == nullptr);
  LookupCache none(LookupCacheOptions{});
  none.put("a", rows_of({"A"}), 0);
  CHECK(none.get("a", 0) == nullptr);
}

TEST_CASE("the ordered result queue emits entries in input order, however they finish") {
  AsyncResultQueue q(LookupOutputMode::kOrdered);
  q.push(1, 10);
  q.push(2, 5);
  q.push(3, 1);
  CHECK(q.rows() == 16);
  std::vector<uint64_t> out;
  q.complete(3);
  q.complete(2);
  q.pop_ready(out);
  CHECK(out.empty());  // 1 holds them back
  q.complete(1);
  q.pop_ready(out);
  CHECK(out == std::vector<uint64_t>{1, 2, 3});
  CHECK(q.empty());
  CHECK(q.rows() == 0);
}

TEST_CASE("the unordered result queue emits entries as they finish") {
  AsyncResultQueue q(LookupOutputMode::kUnordered);
  q.push(1, 10);
  q.push(2, 5);
  q.push(3, 1);
  std::vector<uint64_t> out;
  q.complete(3);
  q.complete(1);
  q.pop_ready(out);
  CHECK(out == std::vector<uint64_t>{3, 1});
  CHECK(q.rows() == 5);
  q.complete(2);
  q.complete(2);  // twice: ignored
  out.clear();
  q.pop_ready(out);
  CHECK(out == std::vector<uint64_t>{2});
}

TEST_CASE("an async lookup join batches a batch's distinct keys into one lookup and joins in input order") {
  Fixture f;
  f.table.names = {{"1", "one"}, {"2", "two"}};
  auto cfg = config(JoinType::kInner, table_options());
  AsyncLookupJoinOperator op(cfg, f.factory());
  OperatorHarness h(op);
  REQUIRE(h.open().is_ok());
  REQUIRE(h.push(batch_of(cfg->left_schema, {{2, "a"}, {3, "b"}, {1, "c"}, {2, "d"}, {nullptr, "e"}})).is_ok());
  REQUIRE(h.end_input().is_ok());
  CHECK(h.rows() == std::vector<std::string>{"2 | a | 2 | two", "1 | c | 1 | one", "2 | d | 2 | two"});
  CHECK(f.table.calls == 1);
  CHECK(f.table.keys == 3);  // 2, 3 and 1; the NULL key is never looked up
  CHECK(op.counters().lookup_cache_misses == 3);
}

TEST_CASE("a left async lookup join pads rows whose key the table lacks") {
  Fixture f;
  f.table.names = {{"1", "one"}};
  auto cfg = config(JoinType::kLeft, table_options(false));
  AsyncLookupJoinOperator op(cfg, f.factory());
  OperatorHarness h(op);
  REQUIRE(h.open().is_ok());
  REQUIRE(h.push(batch_of(cfg->left_schema, {{1, "a"}, {5, "b"}})).is_ok());
  // Synchronous (lookup.async false): the rows are out when process() returns.
  CHECK(h.rows() == std::vector<std::string>{"1 | a | 1 | one", "5 | b | NULL | NULL"});
}

TEST_CASE("with a PARTIAL cache a key found once is not looked up again, a missing one neither") {
  Fixture f;
  f.table.names = {{"1", "one"}};
  auto t = table_options(false);
  t.cache = partial(100);
  auto cfg = config(JoinType::kLeft, t);
  AsyncLookupJoinOperator op(cfg, f.factory());
  OperatorHarness h(op);
  REQUIRE(h.open().is_ok());
  REQUIRE(h.push(batch_of(cfg->left_schema, {{1, "a"}, {7, "b"}})).is_ok());
  REQUIRE(h.push(batch_of(cfg->left_schema, {{1, "c"}, {7, "d"}})).is_ok());
  CHECK(f.table.calls == 1);
  CHECK(op.counters().lookup_cache_hits == 2);
  CHECK(op.counters().lookup_cache_misses == 2);
  CHECK(h.rows() == std::vector<std::string>{"1 | a | 1 | one", "7 | b | NULL | NULL", "1 | c | 1 | one",
                                             "7 | d | NULL | NULL"});
}

TEST_CASE("ordered output keeps input order while unordered output lets a fast lookup overtake a slow one") {
  for (auto mode : {LookupOutputMode::kOrdered, LookupOutputMode::kUnordered}) {
    Fixture f;
    f.table.names = {{"1", "one"}, {"2", "two"}};
    f.table.slow = {"2"};
    auto t = table_options();
    t.output_mode = mode;
    auto cfg = config(JoinType::kInner, t);
    AsyncLookupJoinOperator op(cfg, f.factory());
    OperatorHarness h(op);
    REQUIRE(h.open().is_ok());
    REQUIRE(h.push(batch_of(cfg->left_schema, {{2, "slow"}})).is_ok());
    REQUIRE(h.push(batch_of(cfg->left_schema, {{1, "fast"}})).is_ok());
    CHECK(op.rows_in_flight() <= 2);
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    REQUIRE(h.advance_time(h.timers.now + 10).is_ok());  // the poll timer collects the fast one
    if (mode == LookupOutputMode::kOrdered) CHECK(h.rows().empty());
    else CHECK(h.rows() == std::vector<std::string>{"1 | fast | 1 | one"});
    REQUIRE(h.end_input().is_ok());
    if (mode == LookupOutputMode::kOrdered)
      CHECK(h.rows() == std::vector<std::string>{"2 | slow | 2 | two", "1 | fast | 1 | one"});
    else
      CHECK(h.rows() == std::vector<std::string>{"1 | fast | 1 | one", "2 | slow | 2 | two"});
  }
}

TEST_CASE("a full buffer makes process() wait for lookups in flight") {
  Fixture f;
  f.table.names = {{"1", "one"}, {"2", "two"}};
  f.table.slow = {"2"};
  auto t = table_options();
  t.buffer_capacity = 1;
  auto cfg = config(JoinType::kInner, t);
  AsyncLookupJoinOperator op(cfg, f.factory());
  OperatorHarness h(op);
  REQUIRE(h.open().is_ok());
  REQUIRE(h.push(batch_of(cfg->left_schema, {{2, "a"}})).is_ok());
  REQUIRE(h.push(batch_of(cfg->left_schema, {{1, "b"}})).is_ok());
  REQUIRE_FALSE(h.rows().empty());
  CHECK(h.rows()[0] == "2 | a | 2 | two");  // waited for before "b" went in
  CHECK(op.rows_in_flight() <= 1);
  REQUIRE(h.end_input().is_ok());
  CHECK(h.rows().size() == 2);
}

TEST_CASE("a timed-out lookup under policy null emits the row with NULLs, in an inner join too") {
  Fixture f;
  f.table.names = {{"1", "one"}, {"3", "three"}};
  f.table.timing_out = {"3"};
  auto t = table_options();
  t.batch_size = 1;
  t.timeout_policy = LookupTimeoutPolicy::kNull;
  auto cfg = config(JoinType::kInner, t);
  AsyncLookupJoinOperator op(cfg, f.factory());
  OperatorHarness h(op);
  REQUIRE(h.open().is_ok());
  REQUIRE(h.push(batch_of(cfg->left_schema, {{1, "a"}, {3, "b"}})).is_ok());
  REQUIRE(h.end_input().is_ok());
  CHECK(h.rows() == std::vector<std::string>{"1 | a | 1 | one", "3 | b | NULL | NULL"});
  CHECK(op.counters().lookup_timeouts == 1);
  CHECK(op.counters().lookup_null_rows == 1);
}

TEST_CASE("policy retry tries a timed-out lookup again, and fails after lookup.max-retries") {
  {
    Fixture f;
    f.table.names = {{"3", "three"}};
    f.table.timing_out = {"3"};
    f.table.timeouts_left = 2;  // the third try answers
    auto t = table_options();
    t.max_retries = 3;
    auto cfg = config(JoinType::kInner, t);
    AsyncLookupJoinOperator op(cfg, f.factory());
    OperatorHarness h(op);
    REQUIRE(h.open().is_ok());
    REQUIRE(h.push(batch_of(cfg->left_schema, {{3, "b"}})).is_ok());
    REQUIRE(h.end_input().is_ok());
    CHECK(h.rows() == std::vector<std::string>{"3 | b | 3 | three"});
    CHECK(f.table.calls == 3);
    CHECK(op.counters().lookup_timeouts == 2);
  }
  {
    Fixture f;
    f.table.timing_out = {"3"};
    auto t = table_options();
    t.max_retries = 2;
    auto cfg = config(JoinType::kInner, t);
    AsyncLookupJoinOperator op(cfg, f.factory());
    OperatorHarness h(op);
    REQUIRE(h.open().is_ok());
    // The failure surfaces wherever the operator next looks: at the push on
    // a slow machine (the timeouts elapsed during it), else at the end of input.
    Status st = h.push(batch_of(cfg->left_schema, {{3, "b"}}));
    if (st.is_ok()) st = h.end_input();
    REQUIRE_FALSE(st.is_ok());
    CHECK(st.message().find("timed out") != std::string::npos);
    CHECK(st.message().find("after 3 attempts") != std::string::npos);
    CHECK(f.table.calls == 3);
  }
}

TEST_CASE("policy fail fails at the first timeout") {
  Fixture f;
  f.table.timing_out = {"3"};
  auto t = table_options();
  t.timeout_policy = LookupTimeoutPolicy::kFail;
  auto cfg = config(JoinType::kInner, t);
  AsyncLookupJoinOperator op(cfg, f.factory());
  OperatorHarness h(op);
  REQUIRE(h.open().is_ok());
  Status st = h.push(batch_of(cfg->left_schema, {{3, "b"}}));  // fails here on a slow machine
  if (st.is_ok()) st = h.end_input();
  CHECK_FALSE(st.is_ok());
  CHECK(f.table.calls == 1);
}

TEST_CASE("a checkpoint barrier waits for every lookup in flight, and emits its rows before it") {
  Fixture f;
  f.table.names = {{"2", "two"}};
  f.table.slow = {"2"};
  auto cfg = config(JoinType::kInner, table_options());
  AsyncLookupJoinOperator op(cfg, f.factory());
  OperatorHarness h(op);
  REQUIRE(h.open().is_ok());
  REQUIRE(h.push(batch_of(cfg->left_schema, {{2, "a"}})).is_ok());
  CHECK(h.rows().empty());
  REQUIRE(op.prepare_snapshot_pre_barrier(1, h).is_ok());
  CHECK(h.rows() == std::vector<std::string>{"2 | a | 2 | two"});
  CHECK(op.rows_in_flight() == 0);
  std::string state;
  REQUIRE(op.snapshot_operator_state(1, state).is_ok());
  CHECK(state.empty());
}
