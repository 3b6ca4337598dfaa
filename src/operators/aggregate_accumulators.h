// Incremental accumulators of the window aggregates (docs/windows.md,
// "Aggregates"): a record updates them and is not kept; slices and sessions
// merge them; a firing window turns them into output values. The accumulator
// structs live in keyed state, so they are msgpack-packable. Used by
// WindowAggregateOperator; hosted by whichever subtask hosts that operator.
#pragma once

#include <msgpack.hpp>

#include <cstdint>
#include <set>
#include <string>
#include <vector>

#include "core/record_batch.h"
#include "core/status.h"
#include "operators/window_config.h"

namespace eddy {

/// The running value of one aggregate over some rows. Which fields are used
/// depends on the function and the input type:
///   count(*), count(col): count;  count(distinct col): distinct;
///   sum, avg: count (non-NULL values) and i (int64 input) or d (float64 input);
///   min, max: count (> 0: a value was seen) and i (int64, timestamp, bool),
///             d (float64) or s (string).
struct AggregateState {
  int64_t count = 0;
  int64_t i = 0;
  double d = 0;
  std::string s;
  /// count(distinct col): each distinct non-NULL value, encoded as by
  /// encode_distinct_value (a fixed-width big-endian image, or the string bytes).
  std::set<std::string> distinct;
  MSGPACK_DEFINE(count, i, d, s, distinct);
};

/// The accumulators of one window, slice or session: one per aggregate, in config order.
struct WindowAccumulator {
  std::vector<AggregateState> aggregates;
  MSGPACK_DEFINE(aggregates);
};

/// The result type of `function` over a column of type `input`, or a type error
/// (sum/avg need int64 or float64; min/max accept every type). For the planner.
Result<DataType> aggregate_result_type(AggregateFunction function, DataType input);

/// Updates, merges and finalizes WindowAccumulators for a fixed list of
/// aggregates. Immutable after construction; holds no per-window data.
class AggregateEvaluator {
 public:
  explicit AggregateEvaluator(std::vector<AggregateSpec> specs);

  /// OK when every spec names a column of `input` whose type the function
  /// accepts and declares the matching output type.
  static Status validate(const std::vector<AggregateSpec>& specs, const Schema& input);

  const std::vector<AggregateSpec>& specs() const { return specs_; }

  /// A fresh accumulator: no rows seen.
  WindowAccumulator make() const;
  /// Adds rows `rows[0..n)` of `batch` (the operator's input schema) to `acc`.
  void update(WindowAccumulator& acc, const RecordBatch& batch, const uint32_t* rows,
              size_t n) const;
  /// Adds everything `from` has seen to `into` (slices of a window, merging sessions).
  void merge(WindowAccumulator& into, const WindowAccumulator& from) const;
  /// Appends the final result of aggregate k of `acc` to *columns[k] (a column
  /// of that spec's output_type), for every aggregate.
  void append_results(const WindowAccumulator& acc, std::vector<Column*>& columns) const;

 private:
  void update_one(const AggregateSpec& spec, AggregateState& st, const Column& col,
                  const uint32_t* rows, size_t n) const;

  std::vector<AggregateSpec> specs_;
};

/// The bytes count(distinct) keeps for row `row` of `col` (not NULL). Values of
/// one column never collide; -0.0 and 0.0 are one value, as are all NaNs.
std::string encode_distinct_value(const Column& col, size_t row);

}  // namespace eddy
