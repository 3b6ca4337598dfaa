// WindowAggregateOperator: a batch is split into skipped, late and accepted
// rows; the accepted ones are grouped by key so each key's state is looked up
// once per batch; watermarks and timers fire what is due through the store
// (its keys listed per slice, or per session end in WindowTimers), many
// windows into one output batch. With
// emit_every, a processing-time timer emits the changed open windows of the
// keys in the WindowChanges index.
#include "operators/window_aggregate_operator.h"


#include <algorithm>
#include <numeric>

#include "core/key_groups.h"
#include "operators/changelog_rows.h"
#include "operators/keyed_operator_support.h"
#include "operators/window_assigner.h"
#include "operators/window_sessions.h"
#include "operators/window_slices.h"

namespace eddy {
namespace {

Status check_duration(const char* what, int64_t ms) {
  if (ms <= 0 || ms > kMaxWindowDuration)
    return Status::invalid(std::string("window ") + what + " must be between 1 ms and 2^59 ms, not " +
                           std::to_string(ms) + " ms");
  return Status::ok();
}

/// `ms` in the largest unit that holds it exactly: "100000h", "4s", "1500ms".
std::string duration_text(int64_t ms) {
  static const std::pair<int64_t, const char*> kUnits[] = {{3600000, "h"}, {60000, "m"}, {1000, "s"}};
  for (const auto& [unit, name] : kUnits)
    if (ms != 0 && ms % unit == 0) return std::to_string(ms / unit) + name;
  return std::to_string(ms) + "ms";
}

Status check_window(const WindowSpec& w) {
  switch (w.type) {
    case WindowType::kTumbling: return check_duration("size", w.size_ms);
    case WindowType::kSliding:
      EDDY_RETURN_IF_ERROR(check_duration("size", w.size_ms));
      EDDY_RETURN_IF_ERROR(check_duration("slide", w.slide_ms));
      if (w.slide_ms > w.size_ms)
        return Status::invalid("the slide of a sliding window (" + std::to_string(w.slide_ms) +
                               " ms) must not exceed its size (" + std::to_string(w.size_ms) + " ms)");
      return Status::ok();
    case WindowType::kSession: return check_duration("gap", w.gap_ms);
    case WindowType::kCumulate:
      EDDY_RETURN_IF_ERROR(check_duration("size", w.size_ms));
      return check_duration("step", w.step_ms);
  }
  return Status::invalid("unknown window type");
}

/// A cumulating window's size must hold whole steps: every cycle then starts
/// at a window end, and its windows end on the grid of its slices.
Status check_cumulate_slices(const WindowSpec& w) {
  if (w.size_ms <= 0 || w.step_ms <= 0) return Status::ok();  // refused by check_window
  if (w.size_ms % w.step_ms != 0)
    return Status::invalid("the size of a cumulating window (" + duration_text(w.size_ms) +
                           ") must be a multiple of its step (" + duration_text(w.step_ms) +
                           "): its windows grow by the step until they reach the size");
  if (w.size_ms / w.step_ms <= kMaxSlicesPerWindow) return Status::ok();
  return Status::invalid("a cumulating window of " + duration_text(w.size_ms) + " that grows by " +
                         duration_text(w.step_ms) + " spans " + std::to_string(w.size_ms / w.step_ms) +
                         " slices of " + duration_text(w.step_ms) + " (size / step); at most " +
                         std::to_string(kMaxSlicesPerWindow) + " are allowed, as every record is in up "
                         "to that many windows and each key keeps up to that many slices "
                         "(docs/windows.md, \"Limits\"); check the units of size and step");
}

}  // namespace

Status check_window_slices(const WindowSpec& w) {
  if (w.type == WindowType::kCumulate) return check_cumulate_slices(w);
  if (w.type != WindowType::kSliding || w.size_ms <= 0 || w.slide_ms <= 0) return Status::ok();
  const int64_t slice = std::gcd(w.size_ms, w.slide_ms);
  const int64_t slices = w.size_ms / slice;
  if (slices <= kMaxSlicesPerWindow) return Status::ok();
  return Status::invalid(
      "a sliding window of " + duration_text(w.size_ms) + " that slides by " + duration_text(w.slide_ms) +
      " spans " + std::to_string(slices) + " slices of " + duration_text(slice) +
      " (size / gcd(size, slide)); at most " + std::to_string(kMaxSlicesPerWindow) +
      " are allowed, as every record is in size / slide windows and each key keeps up to that many "
      "slices (docs/windows.md, \"Limits\"); check the units of size and slide, and make the size a "
      "multiple of the slide");
}

Status check_window_retention(const WindowSpec& w, int64_t horizon_ms, const std::string& horizon) {
  if (horizon_ms < 0 || horizon_ms > kMaxWindowDuration) return Status::ok();  // refused elsewhere
  const bool session = w.type == WindowType::kSession;
  const int64_t size = session ? 0 : w.size_ms;
  const int64_t slide = w.type == WindowType::kSliding    ? w.slide_ms
                        : w.type == WindowType::kCumulate ? w.step_ms
                                                          : w.size_ms;
  const int64_t unit = session ? w.gap_ms : std::gcd(w.size_ms, slide);
  if (unit <= 0 || size < 0 || size > kMaxWindowDuration) return Status::ok();
  // A key's open sessions are each at least a gap long and lie within the
  // horizon, give or take a gap at either end.
  const int64_t held = (size + horizon_ms) / unit + (session ? 2 : 0);
  if (held <= kMaxSlicesPerKey) return Status::ok();
  const std::string what =
      session ? "sessions of gap " + duration_text(unit) : "slices of " + duration_text(unit);
  return Status::invalid("with " + horizon + " of " + duration_text(horizon_ms) +
                         ", a key may have to keep " + std::to_string(held) + " " + what +
                         " until its windows fire; at most " + std::to_string(kMaxSlicesPerKey) +
                         " are allowed (docs/windows.md, \"Limits\"); check the units, or use a "
                         "shorter " + horizon);
}

SchemaPtr window_output_schema(const Schema& input, const std::vector<int>& key_columns,
                               const std::vector<AggregateSpec>& aggregates,
                               FinalColumn final_column, OpColumn op_column) {
  std::vector<Field> fields;
  if (op_column == OpColumn::kPresent) fields.push_back({kOpColumn, DataType::kString});
  for (int k : key_columns) fields.push_back(input.field(static_cast<size_t>(k)));
  fields.push_back({"window_start", DataType::kTimestamp});
  fields.push_back({"window_end", DataType::kTimestamp});
  for (const AggregateSpec& a : aggregates) fields.push_back({a.output, a.output_type});
  if (final_column == FinalColumn::kPresent) fields.push_back({"final", DataType::kBool});
  return std::make_shared<Schema>(std::move(fields));
}

bool window_output_updating(const WindowAggregateConfig& config) {
  return config.time_column >= 0 && config.allowed_lateness_ms > 0;
}

Status WindowAggregateOperator::validate(const WindowAggregateConfig& config) {
  if (!config.input_schema || !config.output_schema)
    return Status::invalid("window aggregate config lacks its input or output schema");
  const Schema& in = *config.input_schema;
  EDDY_RETURN_IF_ERROR(check_columns_in(config.key_columns, in, "key column"));
  if (config.time_column >= 0) {
    if (static_cast<size_t>(config.time_column) >= in.size())
      return Status::invalid("time column " + std::to_string(config.time_column) +
                             " is not in the input (" + in.to_string() + ")");
    const DataType t = in.field(static_cast<size_t>(config.time_column)).type;
    if (!is_integer_backed(t))
      return Status::type_error(std::string("the event time column must be a timestamp, not ") +
                                type_name(t));
  }
  EDDY_RETURN_IF_ERROR(check_window(config.window));
  EDDY_RETURN_IF_ERROR(check_window_slices(config.window));
  if (config.allowed_lateness_ms < 0 || config.allowed_lateness_ms > kMaxWindowDuration)
    return Status::invalid("allowed_lateness must be between 0 and 2^59 ms, not " +
                           std::to_string(config.allowed_lateness_ms) + " ms");
  // allowed_lateness only applies on event time.
  const bool event_time = config.time_column >= 0;
  EDDY_RETURN_IF_ERROR(check_window_retention(config.window, event_time ? config.allowed_lateness_ms : 0,
                                              "allowed_lateness"));
  if (config.emit_every_ms < 0 || config.emit_every_ms > kMaxWindowDuration)
    return Status::invalid("emit_every must be between 1 ms and 2^59 ms (or 0: off), not " +
                           std::to_string(config.emit_every_ms) + " ms");
  // A partial row says final = false, a fired window's row final = true; a
  // late record would then change a final row, which no row kind says.
  if (config.emit_every_ms > 0 && window_output_updating(config))
    return Status::invalid("emit_every cannot be combined with allowed_lateness: partial rows (final = "
                           "false) and updates of fired windows (-U/+U) would both revise results; use "
                           "one of them");
  EDDY_RETURN_IF_ERROR(AggregateEvaluator::validate(config.aggregates, in));
  // Names are the planner's; the types and their order are the operator's contract.
  const SchemaPtr expected =
      window_output_schema(in, config.key_columns, config.aggregates,
                           config.emit_every_ms > 0 ? FinalColumn::kPresent : FinalColumn::kAbsent,
                           window_output_updating(config) ? OpColumn::kPresent : OpColumn::kAbsent);
  return check_output_types(*expected, *config.output_schema, "window");
}

WindowAggregateOperator::WindowAggregateOperator(WindowAggregateConfig config)
    : config_(std::move(config)), aggregates_(config_.aggregates) {}

Status WindowAggregateOperator::open(const OperatorContext& ctx) {
  EDDY_RETURN_IF_ERROR(validate(config_));
  if (!event_time() && ctx.timers == nullptr)
    return Status::invalid("processing-time windows need the host's timer service");
  if (emits_partials() && ctx.timers == nullptr)
    return Status::invalid("emit_every needs the host's timer service");
  EDDY_ASSIGN_OR_RETURN(const KeyGroupRange range, owned_key_groups(ctx));
  ctx_ = ctx;
  // Without key_by the planner runs one subtask, which owns every key group;
  // its one key lives in the first.
  global_key_group_ = range.start;
  EDDY_ASSIGN_OR_RETURN(backend_, host_keyed_state(ctx, range));
  TimerService* processing_timers = event_time() ? nullptr : ctx.timers;
  if (emits_partials()) changes_ = std::make_unique<WindowChanges>(*backend_);
  const WindowSpec& w = config_.window;
  switch (w.type) {
    case WindowType::kTumbling:
      store_ = std::make_unique<SliceStore>(SliceAssigner(w.size_ms, w.size_ms), *backend_, processing_timers,
                                            aggregates_, changes_.get(), lateness());
      break;
    case WindowType::kSliding:
      store_ = std::make_unique<SliceStore>(SliceAssigner(w.size_ms, w.slide_ms), *backend_, processing_timers,
                                            aggregates_, changes_.get(), lateness());
      break;
    case WindowType::kCumulate:
      store_ = std::make_unique<SliceStore>(SliceAssigner::cumulating(w.size_ms, w.step_ms), *backend_,
                                            processing_timers, aggregates_, changes_.get(), lateness());
      break;
    case WindowType::kSession:
      timers_ = std::make_unique<WindowTimers>(*backend_, processing_timers);
      store_ = std::make_unique<SessionStore>(w.gap_ms, *backend_, *timers_, aggregates_,
                                              changes_.get(), lateness());
      break;
  }
  output_ = std::make_unique<WindowOutput>(
      config_.output_schema, config_.key_columns.size(), aggregates_,
      emits_partials() ? FinalColumn::kPresent : FinalColumn::kAbsent,
      window_output_updating(config_) ? OpColumn::kPresent : OpColumn::kAbsent);
  return Status::ok();
}

const int64_t* WindowAggregateOperator::classify_rows(const RecordBatch& batch) {
  const size_t n = batch.num_rows;
  accepted_.clear();
  late_.clear();
  const Column* time_col = nullptr;
  const int64_t* times;
  if (event_time()) {
    time_col = &batch.columns[static_cast<size_t>(config_.time_column)];
    times = time_col->ints.data();
    if (config_.time_offset_ms != 0) {  // another window's results: at window_end - 1
      times_.resize(n);
      for (size_t r = 0; r < n; ++r) times_[r] = saturating_add(times[r], config_.time_offset_ms);
      times = times_.data();
    }
  } else {
    times_.assign(n, ctx_.timers->now_ms());
    times = times_.data();
  }
  // Late: every window of the record has fired, or is due by the watermark of
  // the input it came from, which may be ahead of this operator's (the least
  // over its inputs); so lateness does not depend on how far other inputs are.
  int64_t late_through = fired_through_ == INT64_MAX ? INT64_MAX : saturating_add(fired_through_, -lateness());
  if (event_time() && ctx_.input_watermark != nullptr && *ctx_.input_watermark != kNoWatermark)
    late_through = std::max(late_through,
                            saturating_add(*ctx_.input_watermark, -config_.allowed_lateness_ms));
  const bool nothing_due = late_through == INT64_MIN;
  for (size_t r = 0; r < n; ++r) {
    const int64_t t = times[r];
    if ((time_col && time_col->is_null(r)) || t < -kWindowTimeLimit || t > kWindowTimeLimit) {
      ++skipped_records_;
    } else if (!nothing_due && store_->last_window_end(t) <= late_through) {
      late_.push_back(static_cast<uint32_t>(r));
    } else {
      accepted_.push_back(static_cast<uint32_t>(r));
    }
  }
  return times;
}

Status WindowAggregateOperator::process(const RecordBatchPtr& batch, Collector& out) {
  if (!backend_) return Status::internal("window aggregate: process() before open()");
  if (batch->num_rows == 0) return Status::ok();
  if (batch->columns.size() != config_.input_schema->size())
    return Status::internal("window aggregate: a batch of " + std::to_string(batch->columns.size()) +
                            " columns, but the input has " +
                            std::to_string(config_.input_schema->size()));
  const int64_t* times = classify_rows(*batch);
  if (!late_.empty()) {
    late_records_ += late_.size();
    if (config_.late_output)
      EDDY_RETURN_IF_ERROR(out.emit_side(0, batch->take(late_.data(), late_.size())));
  }
  if (accepted_.empty()) return Status::ok();
  EDDY_RETURN_IF_ERROR(aggregates_.evaluate_filters(*batch));  // FILTER (WHERE ...) of the aggregates
  grouper_.group(*batch, config_.key_columns, ctx_.max_parallelism, global_key_group_,
                 accepted_.data(), accepted_.size());
  const KeyGroupRange range = backend_->key_groups();
  for (size_t g = 0; g < grouper_.num_groups(); ++g) {
    const int32_t kg = grouper_.key_group(g);
    if (!range.contains(kg))
      return Status::internal("a record of key group " + std::to_string(kg) + " reached subtask " +
                              std::to_string(ctx_.subtask_index) + ", which owns key groups " +
                              std::to_string(range.start) + ".." + std::to_string(range.end) +
                              ": the input is not partitioned by the window's key");
    backend_->set_current_key(grouper_.key(g), kg);
    EDDY_RETURN_IF_ERROR(store_->add(*batch, times, grouper_.rows(g), grouper_.row_count(g), *output_));
    EDDY_RETURN_IF_ERROR(output_->emit_if_full(out));
  }
  EDDY_RETURN_IF_ERROR(output_->flush(out));  // updates of fired windows (allowed_lateness)
  // Some window is open now: partial results are due every emit_every_ms.
  if (emits_partials() && next_emission_ms_ == kNoEmission) schedule_emission(ctx_.timers->now_ms());
  return Status::ok();
}

Status WindowAggregateOperator::fire_through(int64_t through, Collector& out) {
  const int64_t cleanup = through == INT64_MAX ? INT64_MAX : saturating_add(through, -lateness());
  EDDY_RETURN_IF_ERROR(store_->fire_through(through, cleanup, *output_, out));
  return output_->flush(out);
}

Status WindowAggregateOperator::on_watermark(int64_t watermark_ms, Collector& out) {
  if (!backend_) return Status::internal("window aggregate: on_watermark() before open()");
  if (watermark_ms == kEndOfTimeWatermark) {  // end of input: on processing time too
    watermark_ = watermark_ms;
    fired_through_ = INT64_MAX;
    return fire_through(INT64_MAX, out);
  }
  if (!event_time() || watermark_ms <= watermark_) return Status::ok();
  watermark_ = watermark_ms;
  fired_through_ = watermark_ms;  // windows fire at their end; kept allowed_lateness longer
  return fire_through(fired_through_, out);
}

Status WindowAggregateOperator::on_processing_time(int64_t now_ms, Collector& out) {
  if (!backend_) return Status::internal("window aggregate: on_processing_time() before open()");
  // Windows due now fire first, so a window never gets a partial row in the
  // same call as its final one.
  if (!event_time() && now_ms > fired_through_) {
    fired_through_ = now_ms;
    EDDY_RETURN_IF_ERROR(fire_through(fired_through_, out));
  }
  if (next_emission_ms_ == kNoEmission || now_ms < next_emission_ms_) return Status::ok();
  next_emission_ms_ = kNoEmission;
  EDDY_RETURN_IF_ERROR(emit_partials(out));
  // Window state is all this backend holds: no key in it, no open window, no
  // timer until the next record.
  if (backend_->key_count() > 0) schedule_emission(now_ms);
  return Status::ok();
}

void WindowAggregateOperator::schedule_emission(int64_t now_ms) {
  // Epoch-aligned, as windows are: every subtask emits at the same instants.
  const int64_t every = config_.emit_every_ms;
  next_emission_ms_ = saturating_add(floor_to(now_ms, every), every);
  ctx_.timers->register_processing_timer(next_emission_ms_);
}

Status WindowAggregateOperator::emit_partials(Collector& out) {
  changes_->take_keys(changed_);
  for (const TimerKey& k : changed_) {
    backend_->set_current_key(k.key, k.key_group);
    EDDY_RETURN_IF_ERROR(store_->emit_changed(*output_));
    EDDY_RETURN_IF_ERROR(output_->emit_if_full(out));
  }
  return output_->flush(out);
}

Status WindowAggregateOperator::add_timers_from_state(const std::vector<RestoredKeyGroups>& restored) {
  if (!store_) return Status::ok();
  if (timers_) timers_->clear();
  if (Status shape = store_->add_timers_from_state(restored); !shape.is_ok())
    return Status::invalid("operator '" + ctx_.operator_name + "' cannot use the state it restored: " +
                           shape.message());
  if (!emits_partials()) return Status::ok();
  changes_->add_keys_from_state();
  if (next_emission_ms_ == kNoEmission && backend_->key_count() > 0)
    schedule_emission(ctx_.timers->now_ms());
  return Status::ok();
}

Status WindowAggregateOperator::snapshot_operator_state(int64_t /*checkpoint_id*/, std::string& out) {
  if (!backend_) return Status::internal("window aggregate: snapshot_operator_state() before open()");
  out = pack_fired_through(backend_->key_groups(), fired_through_);
  return Status::ok();
}

Status WindowAggregateOperator::restore_operator_state(const std::vector<std::string>& states) {
  EDDY_ASSIGN_OR_RETURN(restored_, unpack_fired_through(states, ctx_.operator_name));
  return Status::ok();
}

Status WindowAggregateOperator::on_state_restored() {
  if (!backend_) return Status::internal("window aggregate: on_state_restored() before open()");
  return add_timers_from_state(restored_);
}

Status WindowAggregateOperator::finish(Collector& out) {
  if (!backend_) return Status::internal("window aggregate: finish() before open()");
  fired_through_ = INT64_MAX;
  return fire_through(INT64_MAX, out);
}

OperatorCounters WindowAggregateOperator::counters() const {
  OperatorCounters c;
  c.skipped_records = skipped_records_;
  c.late_records = late_records_;
  c.windows_fired = output_ ? output_->windows_fired() : 0;
  c.keys_in_state = backend_ ? backend_->key_count() : 0;
  return c;
}

}  // namespace eddy
