// Builds a join's output a column at a time: pairs of row bytes (RowArena ids,
// or NULL padding) become a batch of JoinConfig::joined_schema, on which the
// residual condition is evaluated for a whole batch of candidate pairs at
// once, and from which select, the "op" column, the interval join's event
// time and the window join's bounds make the output batch. Used by every join operator.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "operators/join_config.h"
#include "operators/join_rows.h"
#include "operators/operator.h"

namespace eddy {

/// One output (or candidate) row: the left and right rows (RowArena ids,
/// RowArena::kNull for a NULL-padded side), whether it retracts (-D) or adds
/// (+I), its event time (interval joins) and window end (window joins).
struct JoinPair {
  uint32_t left = RowArena::kNull;
  uint32_t right = RowArena::kNull;
  bool retract = false;
  int64_t time = 0;
  int64_t window_end = 0;
};

class JoinOutput {
 public:
  /// `left`, `right`: the checked sides of `config` (join_sides).
  JoinOutput(std::shared_ptr<const JoinConfig> config, const JoinSide& left, const JoinSide& right);

  /// Checks output_schema against what select, op and window columns make.
  Status check() const;
  /// The pairs as rows of joined_schema (padding as NULLs).
  Result<std::shared_ptr<RecordBatch>> joined(const RowArena& rows,
                                              const std::vector<JoinPair>& pairs) const;
  /// pass[i] = whether the residual holds for pair i (all true without one).
  Status residual(const RowArena& rows, const std::vector<JoinPair>& pairs,
                  std::vector<uint8_t>& pass) const;
  /// Emits the pairs, in order, as one output batch (nothing when empty).
  Status emit(const RowArena& rows, const std::vector<JoinPair>& pairs, Collector& out) const;

 private:
  /// config.select evaluated over `joined`, whose referenced columns it takes.
  Result<std::vector<Column>> select(RecordBatch& joined) const;

  std::shared_ptr<const JoinConfig> config_;
  /// Per side (left, right): the joined_schema columns its state bytes hold,
  /// in their order, and those it leaves NULL (nobody reads them).
  std::vector<size_t> stored_[2], unread_[2];
};

}  // namespace eddy
