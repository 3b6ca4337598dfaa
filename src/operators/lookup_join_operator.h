// LookupJoinOperator: a join of a stream with a bounded table that each
// subtask reads whole when it opens (SQL's `JOIN t FOR SYSTEM_TIME AS OF
// s.proc_time`, PIPELINES.md's `lookup:`), as Flink joins a filesystem table
// it loads once. Left rows look up their key (columns or expressions over the
// left input) in a hash index of the table, the residual condition filters the
// pairs, and a left join pads rows that found none with NULLs. Nothing is kept
// in state: a restored subtask reads the table again, and the stream needs no
// exchange (the operator chains after its input). An updating input stays
// one: each row's matches carry its kind (+I/+U as +I, -U/-D as -D).
#pragma once

#include <absl/container/flat_hash_map.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "operators/join_output.h"
#include "operators/join_rows.h"
#include "operators/operator.h"

namespace eddy {

class LookupJoinOperator final : public Operator {
 public:
  explicit LookupJoinOperator(std::shared_ptr<const JoinConfig> config);

  /// Checks the config and reads the table into the index.
  Status open(const OperatorContext& ctx) override;
  Status process(const RecordBatchPtr& batch, Collector& out) override;
  SchemaPtr output_schema() const override { return config_->output_schema; }
  /// skipped_records: the table's malformed rows under on_error: skip.
  OperatorCounters counters() const override;

  /// Table rows held, and distinct keys among them (for tests and summaries).
  size_t table_rows() const { return table_.size(); }
  size_t table_keys() const { return index_.size(); }

 private:
  Status load_table();
  /// The key bytes of every row of `batch` (join_key_bytes' format), the
  /// computed keys evaluated a batch at a time.
  Status left_keys(const RecordBatch& batch);

  std::shared_ptr<const JoinConfig> config_;
  JoinSide left_, right_;
  std::unique_ptr<JoinOutput> output_;
  RowArena table_;  // each table row's stored columns, for the job's life
  absl::flat_hash_map<std::string, std::vector<uint32_t>> index_;  // key bytes -> table_ ids
  uint64_t skipped_ = 0;
  // Reused per batch.
  RowArena arena_;
  std::vector<std::string> keys_;
  std::vector<JoinPair> candidates_, out_;
  std::vector<uint32_t> owner_;  // candidates_[i] belongs to input row owner_[i]
  std::vector<uint8_t> pass_;
  std::string bytes_;
};

}  // namespace eddy
