// RegularJoinOperator: a join without time bounds (PIPELINES.md "Joins"), as
// Flink's StreamingJoinOperator runs it: every row of either input is kept in
// keyed state under its join key, with a multiplicity and, for an outer side,
// how many partners it has; each row joins every matching row of the other
// input, past or future. Inputs may be updating (retractions retract the rows
// they joined); outer joins emit, retract and re-emit NULL-padded rows as
// partners come and go. Built by make_join_operator; hosted after a hash
// exchange of both inputs on the join key.
#pragma once

#include <cstdint>
#include <memory>
#include <msgpack.hpp>
#include <string>
#include <vector>

#include "operators/join_output.h"
#include "operators/join_rows.h"
#include "operators/operator.h"
#include "state/keyed_state_backend.h"

namespace eddy {

/// A stored row of one input under its join key (the row's bytes are the map key).
struct JoinRowEntry {
  int64_t count = 0;       // how many times the row is present (+I/+U minus -U/-D)
  int64_t matches = 0;     // outer sides: rows of the other input each copy joins with
  int64_t touched_ms = 0;  // processing time it was last added or matched (state_ttl)
  MSGPACK_DEFINE(count, matches, touched_ms);
};

class RegularJoinOperator final : public Operator {
 public:
  explicit RegularJoinOperator(std::shared_ptr<const JoinConfig> config);

  Status open(const OperatorContext& ctx) override;
  int input_count() const override { return 2; }
  Status process(const RecordBatchPtr& batch, Collector& out) override;
  Status process_input(int input, const RecordBatchPtr& batch, Collector& out) override;
  /// state_ttl: drops rows neither added nor matched for state_ttl_ms.
  Status on_processing_time(int64_t now_ms, Collector& out) override;
  bool uses_keyed_state() const override { return true; }
  SchemaPtr output_schema() const override { return config_->output_schema; }
  OperatorCounters counters() const override;

  /// MapState<row bytes, JoinRowEntry> names, one per input, keyed by join key (namespace 0).
  static constexpr const char* kLeftState = "join_left_rows";
  static constexpr const char* kRightState = "join_right_rows";

 private:
  using Rows = MapState<std::string, JoinRowEntry>;
  /// One input row of the batch being processed.
  struct Probe {
    RowChange change = RowChange::kAdd;
    uint32_t row = 0;          // RowArena id
    int32_t key_group = -1;    // -1: a NULL key, matches nothing
    uint32_t first = 0, end = 0;  // its candidate pairs
  };
  Status collect(const JoinSide& own, const RecordBatch& batch, Rows& other_rows);
  void apply(const Probe& p, bool own_left, Rows& own_rows, Rows& other_rows);
  JoinRowEntry* find(Rows& rows, uint32_t id);
  /// The pair (own row, other row) in left/right order.
  JoinPair pair(bool own_left, uint32_t own, uint32_t other, bool retract) const;
  void schedule_cleanup(int64_t at);

  std::shared_ptr<const JoinConfig> config_;
  JoinSide left_, right_;
  std::unique_ptr<JoinOutput> output_;
  OperatorContext ctx_;
  std::unique_ptr<KeyedStateBackend> owned_backend_;
  KeyedStateBackend* backend_ = nullptr;
  Rows* left_rows_ = nullptr;
  Rows* right_rows_ = nullptr;
  int64_t cleanup_at_ = INT64_MAX;  // the processing-time timer registered for state_ttl
  // Reused per batch.
  RowArena arena_;
  std::vector<Probe> probes_;
  std::vector<std::string> keys_;
  std::vector<JoinPair> candidates_, out_;
  std::vector<uint8_t> pass_;
  std::string bytes_;
  std::string lookup_;  // find()'s key buffer
};

}  // namespace eddy
