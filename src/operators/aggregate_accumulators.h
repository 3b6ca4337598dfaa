// Incremental accumulators of the window aggregates (docs/windows.md,
// "Aggregates"): a record updates them and is not kept; slices and sessions
// merge them; a firing window turns them into output values. The accumulator
// structs live in keyed state, so they are msgpack-packable. Used by
// WindowAggregateOperator; hosted by whichever subtask hosts that operator.
#pragma once

#include <msgpack.hpp>

#include <absl/container/inlined_vector.h>

#include <cstdint>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "core/record_batch.h"
#include "core/status.h"
#include "operators/msgpack_inlined_vector.h"
#include "operators/window_config.h"

namespace eddy {

/// The running value of one aggregate over some rows. Which fields are used
/// depends on the function and the input type:
///   count(*), count(col): count;  count(distinct col): distinct();
///   sum, avg: count (non-NULL values) and i (int64 input) or d (float64 input);
///   min, max: count (> 0: a value was seen) and i (int64, timestamp, bool),
///             d (float64) or s() (string).
/// Over an updating input (Retraction::kSupported) min, max and
/// count(distinct) keep counts() instead: each value (encoded by
/// encode_ordered_value) with how many live rows hold it, so a retraction can
/// fall back to the next value; count, sum and avg just subtract.
/// 32 bytes: the string and the value sets, which only string min/max and
/// count(distinct) use, live in an extension made on first use, so a slice of
/// numeric aggregates holds no heap memory (millions of keys each hold a few
/// slices; a checkpoint packs them all). Packed as [count, i, d, s, distinct],
/// with counts as a sixth field when there are any.
class AggregateState {
 public:
  int64_t count = 0;
  int64_t i = 0;
  double d = 0;

  AggregateState() = default;
  AggregateState(const AggregateState& other) { *this = other; }
  AggregateState& operator=(const AggregateState& other);
  AggregateState(AggregateState&&) noexcept = default;
  AggregateState& operator=(AggregateState&&) noexcept = default;

  const std::string& s() const { return text_ ? text_->s : kNoText.s; }
  std::string& s() { return text().s; }
  /// count(distinct col): each distinct non-NULL value, encoded as by
  /// encode_distinct_value (a fixed-width big-endian image, or the string bytes).
  const std::set<std::string>& distinct() const { return text_ ? text_->distinct : kNoText.distinct; }
  std::set<std::string>& distinct() { return text().distinct; }
  /// Retraction::kSupported min, max, count(distinct): value -> live rows.
  const std::map<std::string, int64_t>& counts() const { return text_ ? text_->counts : kNoText.counts; }
  std::map<std::string, int64_t>& counts() { return text().counts; }

  template <class Stream>
  void msgpack_pack(msgpack::packer<Stream>& pk) const {
    const bool with_counts = !counts().empty();
    pk.pack_array(with_counts ? 6 : 5);
    pk.pack(count);
    pk.pack(i);
    pk.pack(d);
    pk.pack(s());
    pk.pack(distinct());
    if (with_counts) pk.pack(counts());
  }
  /// Throws msgpack::type_error on bytes of another shape.
  void msgpack_unpack(const msgpack::object& o);

 private:
  struct Text {
    std::string s;
    std::set<std::string> distinct;
    std::map<std::string, int64_t> counts;
  };
  static const Text kNoText;
  Text& text() {
    if (!text_) text_ = std::make_unique<Text>();
    return *text_;
  }
  std::unique_ptr<Text> text_;
};

/// The accumulators of one window, slice or session: one per aggregate, in
/// config order. Up to two sit inline, so a slice needs no allocation of its
/// own. Packed as [[aggregate, ...]].
struct WindowAccumulator {
  absl::InlinedVector<AggregateState, 2> aggregates;
  MSGPACK_DEFINE(aggregates);
};

/// The result type of `function` over a column of type `input`, or a type error
/// (sum/avg need int64 or float64; min/max accept every type). For the planner.
Result<DataType> aggregate_result_type(AggregateFunction function, DataType input);

/// Whether accumulators can take back rows they counted: kSupported for an
/// aggregate over an updating stream (PIPELINES.md "Changelog streams").
enum class Retraction { kNone, kSupported };

/// Whether rows add to the accumulators (+I, +U) or take back an earlier row (-U, -D).
enum class RowSign { kAdd, kRetract };

/// Updates, merges and finalizes WindowAccumulators for a fixed list of
/// aggregates. Holds no per-window data; the only state it keeps is which rows
/// of the current batch pass each aggregate's FILTER (evaluate_filters).
class AggregateEvaluator {
 public:
  explicit AggregateEvaluator(std::vector<AggregateSpec> specs,
                              Retraction retraction = Retraction::kNone);

  /// OK when every spec names a column of `input` whose type the function
  /// accepts and declares the matching output type.
  static Status validate(const std::vector<AggregateSpec>& specs, const Schema& input);

  const std::vector<AggregateSpec>& specs() const { return specs_; }

  /// A fresh accumulator: no rows seen. With Retraction::kSupported it holds
  /// one more state after the aggregates': the live row count (row_count).
  WindowAccumulator make() const;
  /// Retraction::kSupported: rows added minus rows retracted, whatever the
  /// FILTERs said (a group whose count drops to 0 is deleted, as in Flink).
  int64_t row_count(const WindowAccumulator& acc) const;
  /// Evaluates every aggregate's FILTER over `batch`; update() then counts, for
  /// such an aggregate, only the rows where it was TRUE. Call it for each
  /// batch before update() with that batch (a no-op without FILTERs).
  Status evaluate_filters(const RecordBatch& batch);
  /// OK when `acc` (restored from a snapshot) has the shape these specs
  /// build: one AggregateState per spec, each using only the fields its
  /// function and input type use. update, merge and append_results assume
  /// that shape; state of another aggregate list must be refused before them.
  Status check_restored(const WindowAccumulator& acc) const;
  /// Adds rows `rows[0..n)` of `batch` (the operator's input schema) to `acc`,
  /// or with RowSign::kRetract (Retraction::kSupported only) takes them back.
  void update(WindowAccumulator& acc, const RecordBatch& batch, const uint32_t* rows, size_t n,
              RowSign sign = RowSign::kAdd) const;
  /// Adds everything `from` has seen to `into` (slices of a window, merging sessions).
  void merge(WindowAccumulator& into, const WindowAccumulator& from) const;
  /// Appends the final result of aggregate k of `acc` to *columns[k] (a column
  /// of that spec's output_type), for every aggregate.
  void append_results(const WindowAccumulator& acc, std::vector<Column*>& columns) const;

 private:
  void update_one(const AggregateSpec& spec, AggregateState& st, const Column& col,
                  const uint32_t* rows, size_t n) const;
  /// Retraction::kSupported: adds (delta 1) or takes back (delta -1) rows.
  void update_retractable(const AggregateSpec& spec, AggregateState& st, const Column& col,
                          const uint32_t* rows, size_t n, int64_t delta) const;
  /// The rows of rows[0..n) that pass aggregate `a`'s FILTER (all without one).
  const uint32_t* filtered(size_t a, const uint32_t* rows, size_t& n) const;

  std::vector<AggregateSpec> specs_;
  Retraction retraction_;
  /// Per aggregate with a FILTER: 1 for each row of the current batch where it holds.
  std::vector<std::vector<uint8_t>> filter_masks_;
  mutable std::vector<uint32_t> filtered_rows_;  // scratch of filtered()
};

/// The bytes count(distinct) keeps for row `row` of `col` (not NULL). Values of
/// one column never collide; -0.0 and 0.0 are one value, as are all NaNs.
std::string encode_distinct_value(const Column& col, size_t row);
/// Bytes of row `row` of `col` (not NULL) that sort as the values do
/// (float64: NaN above every number, -0.0 as 0.0; strings bytewise), for the
/// value counts of retractable min and max.
std::string encode_ordered_value(const Column& col, size_t row);

}  // namespace eddy
