// AsyncLookupJoinOperator: a lookup join against a table a server holds (a
// `jdbc` PostgreSQL table or a `redis` table, docs/joins.md "Lookup joins"),
// as Flink's async lookup join. Each input batch's distinct keys are looked up
// in a PARTIAL cache, the rest in batches of lookup.batch-size keys by the
// I/O threads of a LookupExecutor, while further batches arrive (up to
// buffer-capacity rows in flight). Finished batches are emitted in input
// order (ORDERED) or as they finish (ALLOW_UNORDERED), polled on a 1 ms
// processing-time timer and on every batch. Timeouts follow
// lookup.timeout-policy. Watermarks, checkpoint barriers
// (prepare_snapshot_pre_barrier) and the end of input wait for everything in
// flight, so nothing in flight is ever part of a checkpoint.
#pragma once

#include <absl/container/flat_hash_map.h>
#include <absl/container/flat_hash_set.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "connectors/lookup_executor.h"
#include "operators/async_result_queue.h"
#include "operators/join_output.h"
#include "operators/join_rows.h"
#include "operators/lookup_cache.h"
#include "operators/operator.h"

namespace eddy {

/// Makes one client (connection) for the table; tests pass fakes.
using LookupClientFactory = std::function<Result<std::unique_ptr<LookupClient>>()>;

class AsyncLookupJoinOperator final : public Operator {
 public:
  /// `connect` empty: connect_lookup_client for config->lookup_service.
  explicit AsyncLookupJoinOperator(std::shared_ptr<const JoinConfig> config, LookupClientFactory connect = {});
  ~AsyncLookupJoinOperator() override;

  /// Checks the config and connects lookup.io-threads clients (an unreachable
  /// server fails here, naming HOST:PORT).
  Status open(const OperatorContext& ctx) override;
  Status process(const RecordBatchPtr& batch, Collector& out) override;
  Status on_watermark(int64_t watermark_ms, Collector& out) override;
  Status on_processing_time(int64_t now_ms, Collector& out) override;
  Status prepare_snapshot_pre_barrier(int64_t checkpoint_id, Collector& out) override;
  Status finish(Collector& out) override;
  Status close() override;
  SchemaPtr output_schema() const override { return config_->output_schema; }
  OperatorCounters counters() const override;
  /// Waits on its lookups when the buffer is full: runs on its own thread.
  bool blocking_io() const override { return true; }

  /// For tests: lookups (round trips) sent, and rows in flight.
  uint64_t lookups_sent() const { return lookups_sent_; }
  size_t rows_in_flight() const { return queue_ ? queue_->rows() : 0; }

 private:
  /// An input batch whose lookups are not all done, or done and not yet emitted.
  struct Pending {
    RecordBatchPtr batch;
    std::vector<std::string> keys;                       // per row
    absl::flat_hash_map<std::string, LookupRows> found;  // key -> its rows
    absl::flat_hash_set<std::string> nulled;             // keys that timed out under policy null
    size_t waiting = 0;                                  // keys still being looked up
  };
  /// A lookup round trip in flight.
  struct Request {
    std::vector<std::string> keys;      // key bytes
    std::vector<LookupKeyText> texts;   // the same keys as the server sees them
    int64_t attempt = 1;
  };

  int64_t now_ms() const;
  Status submit(Request request);
  /// Handles finished lookups (waiting up to `wait_ms` for one) and emits
  /// what may go out.
  Status step(int64_t wait_ms, Collector& out);
  Status handle(LookupDone& done);
  void resolve(const std::string& key, const LookupRows& rows, bool nulled);
  Status emit_ready(Collector& out);
  Status emit(Pending& p, Collector& out);
  /// Waits until nothing is in flight.
  Status drain(Collector& out);
  void arm_timer();

  std::shared_ptr<const JoinConfig> config_;
  const LookupTableConfig* table_ = nullptr;  // config_->lookup_service
  LookupClientFactory connect_;
  const OperatorContext* ctx_ = nullptr;
  TimerService* timers_ = nullptr;
  JoinSide left_, right_;
  std::unique_ptr<JoinOutput> output_;
  std::unique_ptr<LookupExecutor> executor_;
  std::unique_ptr<AsyncResultQueue> queue_;
  std::unique_ptr<LookupCache> cache_;
  absl::flat_hash_map<uint64_t, Pending> pending_;
  absl::flat_hash_map<std::string, std::vector<uint64_t>> inflight_keys_;  // key -> pending ids waiting
  absl::flat_hash_map<uint64_t, Request> requests_;
  uint64_t next_pending_ = 1, next_request_ = 1;
  int64_t timer_at_ = 0;  // the processing-time timer registered; 0: none
  // Counters.
  uint64_t hits_ = 0, misses_ = 0, timeouts_ = 0, null_rows_ = 0, lookups_sent_ = 0, keys_sent_ = 0;
  // Reused.
  RowArena arena_;
  std::vector<JoinPair> candidates_, out_;
  std::vector<uint32_t> owner_;
  std::vector<uint8_t> pass_;
  std::string bytes_;
  std::vector<LookupDone> done_;
  std::vector<uint64_t> ready_;
};

}  // namespace eddy
