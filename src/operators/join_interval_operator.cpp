// IntervalJoinOperator: probes by time range, expiry driven by the other
// input's watermark (join_interval_operator.h).
#include "operators/join_interval_operator.h"

#include "operators/join_operators.h"
#include "operators/window_assigner.h"
#include "state/key_encoding.h"

namespace eddy {

IntervalJoinOperator::IntervalJoinOperator(std::shared_ptr<const JoinConfig> config)
    : config_(std::move(config)) {}

Status IntervalJoinOperator::open(const OperatorContext& ctx) {
  if (config_->kind != JoinKind::kInterval) return Status::invalid("interval join: config is not an interval join");
  if (config_->type != JoinType::kInner)
    return Status::invalid(std::string("interval join: only inner interval joins are supported, not ") +
                           join_type_name(config_->type));
  if (config_->left_updating || config_->right_updating)
    return Status::invalid("interval join: both inputs must be append-only (an updating input cannot be "
                           "bounded by event time)");
  if (config_->output_updating) return Status::invalid("interval join: its output is append-only");
  if (config_->lower_ms > config_->upper_ms)
    return Status::invalid("interval join: lower bound " + std::to_string(config_->lower_ms) +
                           " ms is above upper bound " + std::to_string(config_->upper_ms) + " ms");
  EDDY_ASSIGN_OR_RETURN(auto sides, join_sides(*config_));
  sides_[kLeftInput] = std::move(sides.first);
  sides_[kRightInput] = std::move(sides.second);
  output_ = std::make_unique<JoinOutput>(config_, sides_[kLeftInput], sides_[kRightInput]);
  EDDY_RETURN_IF_ERROR(output_->check());
  EDDY_ASSIGN_OR_RETURN(backend_, join_keyed_state(ctx, owned_backend_));
  rows_[kLeftInput] = &backend_->sorted_state<std::string>(kLeftState);
  rows_[kRightInput] = &backend_->sorted_state<std::string>(kRightState);
  const int64_t interval = saturating_add(config_->upper_ms, -config_->lower_ms);
  expiry_[kLeftInput] = JoinExpiryIndex(interval);
  expiry_[kRightInput] = JoinExpiryIndex(interval);
  return Status::ok();
}

Status IntervalJoinOperator::process(const RecordBatchPtr& batch, Collector& out) {
  return Status::internal("a join reads two inputs: process_input, not process");
}

int64_t IntervalJoinOperator::probe_lo(int s, int64_t t) const {
  return saturating_add(t, s == kLeftInput ? config_->lower_ms : -config_->upper_ms);
}

int64_t IntervalJoinOperator::probe_hi(int s, int64_t t) const {
  return saturating_add(t, s == kLeftInput ? config_->upper_ms : -config_->lower_ms);
}

Status IntervalJoinOperator::process_input(int input, const RecordBatchPtr& batch, Collector& out) {
  if (backend_ == nullptr) return Status::internal("interval join: process_input() before open()");
  if (input != kLeftInput && input != kRightInput)
    return Status::internal("interval join: no input " + std::to_string(input));
  arena_.clear();
  candidates_.clear();
  out_.clear();
  for (size_t r = 0; r < batch->num_rows; ++r) EDDY_RETURN_IF_ERROR(probe_row(input, *batch, r));
  EDDY_RETURN_IF_ERROR(output_->residual(arena_, candidates_, pass_));
  for (size_t i = 0; i < candidates_.size(); ++i)
    if (pass_[i]) out_.push_back(candidates_[i]);
  return output_->emit(arena_, out_, out);
}

/// Row r of input s: late, or probed against the other input and kept.
Status IntervalJoinOperator::probe_row(int s, const RecordBatch& batch, size_t r) {
  const JoinSide& own = sides_[s];
  const Column& time = batch.columns[static_cast<size_t>(own.time_column)];
  if (time.is_null(r)) {  // no event time: it can be bounded by nothing
    ++skipped_records_;
    return Status::ok();
  }
  const int64_t t = time.ints[r];
  if (watermark_[s] != kNoWatermark && t < watermark_[s]) {
    ++late_records_;
    return Status::ok();
  }
  join_key_bytes(own, batch, r, key_);
  if (join_key_has_null(key_)) return Status::ok();  // inner: matches nothing
  const int32_t kg = key_group_of_row(batch, own.keys, r, backend_->max_parallelism());
  backend_->set_current_key(key_, kg);
  bytes_.clear();
  join_row_bytes(own, batch, r, bytes_);
  const uint32_t id = arena_.add(bytes_);
  const int o = 1 - s;
  const bool stays = rows_[o]->values_stay_put();  // this batch changes only rows_[s]
  EDDY_RETURN_IF_ERROR(rows_[o]->for_each_in(
      probe_lo(s, t), probe_hi(s, t), [&](int64_t other_t, const std::vector<std::string>& rows) {
        for (const std::string& row : rows) {
          JoinPair p;
          const uint32_t other = stays ? arena_.refer(row) : arena_.add(row);
          p.left = s == kLeftInput ? id : other;
          p.right = s == kLeftInput ? other : id;
          p.time = std::max(t, other_t);
          candidates_.push_back(p);
        }
      }));
  const int64_t expires = saturating_add(t, expiry_offset(s));
  if (watermark_[o] != kNoWatermark && expires < watermark_[o]) return Status::ok();  // no partner can come
  EDDY_RETURN_IF_ERROR(rows_[s]->add(t, bytes_));
  expiry_[s].schedule(expires, kg, key_);
  return Status::ok();
}

Status IntervalJoinOperator::on_input_watermark(int input, int64_t watermark_ms, Collector& out) {
  if (backend_ == nullptr) return Status::internal("interval join: watermark before open()");
  if (input != kLeftInput && input != kRightInput)
    return Status::internal("interval join: no input " + std::to_string(input));
  if (watermark_ms <= watermark_[input]) return Status::ok();
  watermark_[input] = watermark_ms;
  return cleanup(1 - input, watermark_ms);
}

Status IntervalJoinOperator::on_watermark(int64_t watermark_ms, Collector& out) {
  for (int input : {kLeftInput, kRightInput})
    EDDY_RETURN_IF_ERROR(on_input_watermark(input, watermark_ms, out));
  return Status::ok();
}

/// Drops the rows of input s whose time + expiry_offset(s) is below the other input's watermark.
Status IntervalJoinOperator::cleanup(int s, int64_t other_watermark) {
  const bool end = other_watermark == kEndOfTimeWatermark;
  const int64_t through = end ? INT64_MAX : other_watermark - 1;  // due: expires < watermark
  const int64_t keep_from = end ? INT64_MAX : saturating_add(other_watermark, -expiry_offset(s));
  while (expiry_[s].pop_due(through, due_)) {
    for (const auto& [kg, key] : due_) {
      backend_->set_current_key(key, kg);
      EDDY_RETURN_IF_ERROR(rows_[s]->erase_below(keep_from));
    }
  }
  return backend_->io_status();
}

Status IntervalJoinOperator::on_state_restored() {
  if (backend_ == nullptr) return Status::internal("interval join: restored before open()");
  for (int s : {kLeftInput, kRightInput}) {
    expiry_[s].clear();
    rows_[s]->for_each([&](int32_t kg, const std::string& key, int64_t t, std::vector<std::string>&) {
      expiry_[s].schedule(saturating_add(t, expiry_offset(s)), kg, key);
    });
  }
  return backend_->io_status();
}

OperatorCounters IntervalJoinOperator::counters() const {
  OperatorCounters c;
  c.late_records = late_records_;
  c.skipped_records = skipped_records_;
  if (backend_ != nullptr) c.keys_in_state = backend_->key_count();
  return c;
}

uint64_t IntervalJoinOperator::entries_visited() const {
  uint64_t n = 0;
  for (const auto* s : rows_)
    if (s != nullptr) n += s->entries_visited();
  return n;
}

size_t IntervalJoinOperator::entries_in_state() const {
  size_t n = 0;
  for (const auto* s : rows_)
    if (s != nullptr) n += s->size();
  return n;
}

}  // namespace eddy
