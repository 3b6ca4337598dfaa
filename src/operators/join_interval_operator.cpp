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
  partners_.clear();
  probes_.clear();
  out_.clear();
  keys_.resize(std::max(keys_.size(), batch->num_rows));
  for (size_t r = 0; r < batch->num_rows; ++r) EDDY_RETURN_IF_ERROR(probe_row(input, *batch, r));
  EDDY_RETURN_IF_ERROR(output_->residual(arena_, candidates_, pass_));
  EDDY_RETURN_IF_ERROR(settle(input));
  return output_->emit(arena_, out_, out);
}

/// Row r of input s: late, or probed against the other input's rows in range.
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
  Probe p;
  p.time = t;
  std::string& key = keys_[probes_.size()];
  join_key_bytes(own, batch, r, key);
  if (join_key_has_null(key) && !own.outer) return Status::ok();  // matches nothing, shows nowhere
  bytes_.clear();
  join_row_bytes(own, batch, r, bytes_);
  p.row = arena_.add(bytes_);
  p.first = p.end = static_cast<uint32_t>(candidates_.size());
  if (!join_key_has_null(key)) {
    p.key_group = key_group_of_row(batch, own.keys, r, backend_->max_parallelism());
    backend_->set_current_key(key, p.key_group);
    const int o = 1 - s;
    const bool stays = rows_[o]->values_stay_put();  // this batch changes only rows_[s]
    const size_t flag = sides_[o].outer ? 1 : 0;     // an outer side's rows start with their flag
    EDDY_RETURN_IF_ERROR(rows_[o]->for_each_in(
        probe_lo(s, t), probe_hi(s, t), [&](int64_t other_t, const std::vector<std::string>& rows) {
          for (size_t i = 0; i < rows.size(); ++i) {
            const std::string_view row = std::string_view(rows[i]).substr(flag);
            const uint32_t other = stays ? arena_.refer(row) : arena_.add(row);
            JoinPair pair;
            pair.left = s == kLeftInput ? p.row : other;
            pair.right = s == kLeftInput ? other : p.row;
            pair.time = std::max(t, other_t);
            candidates_.push_back(pair);
            partners_.push_back({other_t, static_cast<uint32_t>(i), flag == 1 && rows[i][0] == 1});
          }
        }));
    p.end = static_cast<uint32_t>(candidates_.size());
    const int64_t expires = saturating_add(t, expiry_offset(s));
    p.store = watermark_[o] == kNoWatermark || expires >= watermark_[o];  // else no partner can come
  }
  probes_.push_back(p);
  return Status::ok();
}

Status IntervalJoinOperator::settle(int s) {
  const int o = 1 - s;
  for (size_t i = 0; i < probes_.size(); ++i) {
    const Probe& p = probes_[i];
    bool matched = false;
    for (uint32_t c = p.first; c < p.end; ++c) {
      if (!pass_[c]) continue;
      out_.push_back(candidates_[c]);
      matched = true;
    }
    if (p.key_group < 0) {  // a NULL key: an outer side shows it at once
      out_.push_back(padded(s, p.row, p.time));
      continue;
    }
    backend_->set_current_key(keys_[i], p.key_group);
    if (sides_[o].outer) {  // its partners have a partner now
      for (uint32_t c = p.first; c < p.end; ++c) {
        if (!pass_[c] || partners_[c].matched) continue;
        const uint32_t index = partners_[c].index;
        EDDY_RETURN_IF_ERROR(rows_[o]->update(partners_[c].time, [&](std::vector<std::string>& rows) {
          if (index < rows.size()) rows[index][0] = 1;
        }));
      }
    }
    if (p.store) {
      bytes_.clear();
      if (sides_[s].outer) bytes_.push_back(matched ? 1 : 0);
      bytes_.append(arena_.get(p.row));
      EDDY_RETURN_IF_ERROR(rows_[s]->add(p.time, bytes_));
      expiry_[s].schedule(saturating_add(p.time, expiry_offset(s)), p.key_group, keys_[i]);
    } else if (sides_[s].outer && !matched) {
      out_.push_back(padded(s, p.row, p.time));
    }
  }
  return backend_->io_status();
}

JoinPair IntervalJoinOperator::padded(int s, uint32_t id, int64_t time) const {
  JoinPair pair;
  (s == kLeftInput ? pair.left : pair.right) = id;
  pair.time = time;
  return pair;
}

Status IntervalJoinOperator::on_input_watermark(int input, int64_t watermark_ms, Collector& out) {
  if (backend_ == nullptr) return Status::internal("interval join: watermark before open()");
  if (input != kLeftInput && input != kRightInput)
    return Status::internal("interval join: no input " + std::to_string(input));
  if (watermark_ms <= watermark_[input]) return Status::ok();
  watermark_[input] = watermark_ms;
  return cleanup(1 - input, watermark_ms, out);
}

Status IntervalJoinOperator::on_watermark(int64_t watermark_ms, Collector& out) {
  for (int input : {kLeftInput, kRightInput})
    EDDY_RETURN_IF_ERROR(on_input_watermark(input, watermark_ms, out));
  return Status::ok();
}

/// Drops the rows of input s whose time + expiry_offset(s) is below the other
/// input's watermark; an outer side emits those that never joined, padded.
Status IntervalJoinOperator::cleanup(int s, int64_t other_watermark, Collector& out) {
  const bool end = other_watermark == kEndOfTimeWatermark;
  const int64_t through = end ? INT64_MAX : other_watermark - 1;  // due: expires < watermark
  const int64_t keep_from = end ? INT64_MAX : saturating_add(other_watermark, -expiry_offset(s));
  arena_.clear();
  out_.clear();
  while (expiry_[s].pop_due(through, due_)) {
    for (const auto& [kg, key] : due_) {
      backend_->set_current_key(key, kg);
      if (sides_[s].outer && keep_from != INT64_MIN) {
        EDDY_RETURN_IF_ERROR(rows_[s]->for_each_in(
            INT64_MIN, keep_from - 1, [&](int64_t t, const std::vector<std::string>& rows) {
              for (const std::string& row : rows)
                if (row[0] == 0) out_.push_back(padded(s, arena_.add(std::string_view(row).substr(1)), t));
            }));
      }
      EDDY_RETURN_IF_ERROR(rows_[s]->erase_below(keep_from));
    }
  }
  EDDY_RETURN_IF_ERROR(backend_->io_status());
  return output_->emit(arena_, out_, out);
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

int64_t IntervalJoinOperator::watermark_delay_ms() const {
  if (config_->type == JoinType::kInner) return 0;
  // A padded row of input s leaves state when the other watermark passes its
  // time + expiry_offset(s), rounded up to its expiry slot's end.
  int64_t late_by = 0;
  for (int s : {kLeftInput, kRightInput})
    if (sides_[s].outer) late_by = std::max(late_by, expiry_offset(s));
  return saturating_add(late_by, expiry_[kLeftInput].slot_ms());
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
