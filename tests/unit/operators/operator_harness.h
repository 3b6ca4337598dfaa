// A test harness that drives any Operator without actors or threads: feeds
// batches, watermarks and processing time, collects main and side output, and
// provides a fake TimerService whose clock the test moves. Plus helpers to
// build batches from rows, to read output back as text rows, and to write
// window aggregate configs the way the planner fills them.
#pragma once

#include <doctest/doctest.h>

#include <algorithm>
#include <cstdint>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "core/record_batch.h"
#include "operators/aggregate_accumulators.h"
#include "operators/keyed_operator_support.h"
#include "operators/operator.h"
#include "operators/window_aggregate_operator.h"
#include "operators/window_config.h"
#include "state/keyed_state_backend.h"

namespace doctest {
/// Prints expected and actual rows when a CHECK on them fails.
template <>
struct StringMaker<std::vector<std::string>> {
  static String convert(const std::vector<std::string>& rows) {
    std::string out = "{";
    for (size_t i = 0; i < rows.size(); ++i) out += (i ? ", \"" : "\"") + rows[i] + "\"";
    return String((out + "}").c_str());
  }
};
}  // namespace doctest

namespace eddy::testing {

/// One cell of a test row: NULL, an integer (int64 or timestamp columns), a
/// double, a bool or a string. Overloads instead of a variant so that a plain
/// `1` is an integer, not an ambiguous conversion.
struct Cell {
  enum class Kind { kNull, kInt, kDouble, kBool, kString } kind = Kind::kNull;
  int64_t i = 0;
  double d = 0;
  bool b = false;
  std::string s;

  Cell(std::nullptr_t) {}  // NOLINT: implicit for row literals
  Cell(int v) : kind(Kind::kInt), i(v) {}  // NOLINT
  Cell(long v) : kind(Kind::kInt), i(v) {}  // NOLINT
  Cell(long long v) : kind(Kind::kInt), i(v) {}  // NOLINT
  Cell(double v) : kind(Kind::kDouble), d(v) {}  // NOLINT
  Cell(bool v) : kind(Kind::kBool), b(v) {}  // NOLINT
  Cell(const char* v) : kind(Kind::kString), s(v) {}  // NOLINT
  Cell(std::string v) : kind(Kind::kString), s(std::move(v)) {}  // NOLINT
};

using Row = std::vector<Cell>;

inline SchemaPtr schema_of(std::vector<Field> fields) {
  return std::make_shared<Schema>(std::move(fields));
}

/// A batch of `schema` holding `rows` (each cell of its column's type, or nullptr).
inline RecordBatchPtr batch_of(const SchemaPtr& schema, const std::vector<Row>& rows) {
  BatchBuilder b(schema);
  for (const Row& row : rows) {
    REQUIRE(row.size() == schema->size());
    for (size_t c = 0; c < row.size(); ++c) {
      Column& col = b.column(c);
      const Cell& cell = row[c];
      if (cell.kind == Cell::Kind::kNull) {
        col.append_null();
        continue;
      }
      switch (col.type()) {
        case DataType::kInt64:
        case DataType::kTimestamp: REQUIRE(cell.kind == Cell::Kind::kInt); col.append_int(cell.i); break;
        case DataType::kFloat64:
          REQUIRE((cell.kind == Cell::Kind::kDouble || cell.kind == Cell::Kind::kInt));
          col.append_double(cell.kind == Cell::Kind::kInt ? static_cast<double>(cell.i) : cell.d);
          break;
        case DataType::kBool: REQUIRE(cell.kind == Cell::Kind::kBool); col.append_bool(cell.b); break;
        case DataType::kString: REQUIRE(cell.kind == Cell::Kind::kString); col.append_string(cell.s); break;
      }
    }
    b.commit_rows(1);
  }
  return b.finish();
}

/// A TimerService whose clock only moves when the test says so.
class FakeTimerService final : public TimerService {
 public:
  int64_t now_ms() const override { return now; }
  void register_processing_timer(int64_t at_ms) override { pending.insert(at_ms); }

  int64_t now = 0;
  std::multiset<int64_t> pending;  // registered, not yet delivered
  size_t registered_total() const { return delivered + pending.size(); }
  size_t delivered = 0;
};

/// Drives one operator and records what it emits.
class OperatorHarness final : public Collector {
 public:
  explicit OperatorHarness(Operator& op, OperatorContext ctx = {}) : op_(op), ctx_(std::move(ctx)) {
    if (ctx_.timers == nullptr) ctx_.timers = &timers;
  }

  /// Opens the operator; one that keeps keyed state gets a backend for the
  /// key groups of its subtask first, as a TaskRunner gives it (unless the
  /// context brings one).
  Status open() {
    if (op_.uses_keyed_state() && ctx_.keyed_state == nullptr) {
      auto range = owned_key_groups(ctx_);
      if (!range.ok()) return range.status();
      backend_ = std::make_unique<KeyedStateBackend>(ctx_.max_parallelism, *range, ctx_.state);
      if (!backend_->open_status().is_ok()) return backend_->open_status();
      ctx_.keyed_state = backend_.get();
    }
    return op_.open(ctx_);
  }
  /// The operator's keyed state (null before open() or when it keeps none).
  KeyedStateBackend* keyed_state() const { return ctx_.keyed_state; }
  Status push(const RecordBatchPtr& batch) { return op_.process(batch, *this); }
  Status watermark(int64_t w) { return op_.on_watermark(w, *this); }
  /// Moves the fake clock to `now` and delivers every timer due by then, as a
  /// host does: one on_processing_time(now) call if any timer is due.
  Status advance_time(int64_t now) {
    timers.now = now;
    bool due = false;
    while (!timers.pending.empty() && *timers.pending.begin() <= now) {
      timers.pending.erase(timers.pending.begin());
      ++timers.delivered;
      due = true;
    }
    return due ? op_.on_processing_time(now, *this) : Status::ok();
  }
  /// finish() alone, without the end-of-time watermark before it.
  Status finish_only() { return op_.finish(*this); }
  /// End of a bounded input: the end-of-time watermark, then finish().
  Status end_input() {
    Status st = op_.on_watermark(kEndOfTimeWatermark, *this);
    if (!st.is_ok()) return st;
    return op_.finish(*this);
  }

  Status emit(RecordBatchPtr batch) override {
    if (batch && batch->num_rows > 0) main.push_back(std::move(batch));
    return Status::ok();
  }
  Status emit_side(int index, RecordBatchPtr batch) override {
    if (batch && batch->num_rows > 0) side[index].push_back(std::move(batch));
    return Status::ok();
  }

  /// Main output so far as rows "a | b | c" (RecordBatch::to_debug_string), in emit order.
  std::vector<std::string> rows() const { return rows_of(main); }
  /// The same, sorted: for results whose order the operator does not promise.
  std::vector<std::string> sorted_rows() const {
    auto r = rows();
    std::sort(r.begin(), r.end());
    return r;
  }
  std::vector<std::string> side_rows(int index) const {
    auto it = side.find(index);
    return it == side.end() ? std::vector<std::string>{} : rows_of(it->second);
  }
  /// Drops the output recorded so far.
  void clear_output() {
    main.clear();
    side.clear();
  }

  static std::vector<std::string> rows_of(const std::vector<RecordBatchPtr>& batches) {
    std::vector<std::string> out;
    for (const auto& b : batches) {
      const std::string text = b->to_debug_string();
      size_t pos = 0;
      while (pos < text.size()) {
        const size_t nl = text.find('\n', pos);
        out.push_back(text.substr(pos, nl - pos));
        pos = nl + 1;
      }
    }
    return out;
  }

  FakeTimerService timers;
  std::vector<RecordBatchPtr> main;
  std::map<int, std::vector<RecordBatchPtr>> side;

 private:
  Operator& op_;
  OperatorContext ctx_;
  std::unique_ptr<KeyedStateBackend> backend_;  // the keyed state open() made
};

// --- window aggregate configs ------------------------------------------------

inline WindowSpec tumbling(int64_t size) { return {WindowType::kTumbling, size, 0, 0}; }
inline WindowSpec sliding(int64_t size, int64_t slide) { return {WindowType::kSliding, size, slide, 0}; }
inline WindowSpec session(int64_t gap) { return {WindowType::kSession, 0, 0, gap}; }
inline WindowSpec cumulate(int64_t size, int64_t step) { return {WindowType::kCumulate, size, 0, 0, step}; }

/// One `aggregate:` entry: output column, function, input column ("" for count(*)).
struct Call {
  std::string output;
  AggregateFunction function;
  std::string column;
};

/// The config the planner builds: column names resolved to indices, types
/// from the input schema, the output schema from window_output_schema.
/// `time_column` "" means processing time.
inline WindowAggregateConfig window_config(SchemaPtr input, const std::vector<std::string>& keys,
                                           const std::string& time_column, WindowSpec window,
                                           const std::vector<Call>& calls,
                                           int64_t allowed_lateness = 0, bool late_output = false) {
  WindowAggregateConfig c;
  c.input_schema = input;
  for (const auto& k : keys) {
    REQUIRE(input->index_of(k) >= 0);
    c.key_columns.push_back(input->index_of(k));
  }
  c.time_column = time_column.empty() ? -1 : input->index_of(time_column);
  c.window = window;
  for (const Call& call : calls) {
    AggregateSpec a;
    a.output = call.output;
    a.function = call.function;
    if (!call.column.empty()) {
      a.input_column = input->index_of(call.column);
      REQUIRE(a.input_column >= 0);
      a.input_type = input->field(static_cast<size_t>(a.input_column)).type;
    }
    auto type = aggregate_result_type(a.function, a.input_type);
    REQUIRE(type.ok());
    a.output_type = *type;
    c.aggregates.push_back(a);
  }
  c.allowed_lateness_ms = allowed_lateness;
  c.late_output = late_output;
  c.output_schema = window_output_schema(*input, c.key_columns, c.aggregates, FinalColumn::kAbsent,
                                         window_output_updating(c) ? OpColumn::kPresent : OpColumn::kAbsent);
  return c;
}

}  // namespace eddy::testing
