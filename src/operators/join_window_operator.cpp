// WindowJoinOperator: buffers rows per (key, window end), fires by watermark
// (join_window_operator.h).
#include "operators/join_window_operator.h"

#include <algorithm>

#include "operators/join_operators.h"
#include "state/key_encoding.h"

namespace eddy {

WindowJoinOperator::WindowJoinOperator(std::shared_ptr<const JoinConfig> config)
    : config_(std::move(config)) {}

Status WindowJoinOperator::open(const OperatorContext& ctx) {
  const JoinConfig& c = *config_;
  if (c.kind != JoinKind::kWindow) return Status::invalid("window join: config is not a window join");
  if (c.left_updating || c.right_updating)
    return Status::invalid("window join: both inputs must be append-only");
  const int64_t slide = c.window.type == WindowType::kTumbling ? c.window.size_ms : c.window.slide_ms;
  if (c.window.type == WindowType::kSession)
    return Status::invalid("window join: session windows are not supported (tumbling or sliding)");
  if (c.window.size_ms <= 0 || slide <= 0 || c.window.size_ms > kMaxWindowDuration || slide > c.window.size_ms)
    return Status::invalid("window join: window size and slide must be positive, the slide at most the size");
  EDDY_ASSIGN_OR_RETURN(auto sides, join_sides(c));
  sides_[kLeftInput] = std::move(sides.first);
  sides_[kRightInput] = std::move(sides.second);
  output_ = std::make_unique<JoinOutput>(config_, sides_[kLeftInput], sides_[kRightInput]);
  EDDY_RETURN_IF_ERROR(output_->check());
  windows_ = std::make_unique<SliceAssigner>(c.window.size_ms, slide);
  EDDY_ASSIGN_OR_RETURN(backend_, join_keyed_state(ctx, owned_backend_));
  rows_[kLeftInput] = &backend_->list_state<std::string>(kLeftState);
  rows_[kRightInput] = &backend_->list_state<std::string>(kRightState);
  return Status::ok();
}

Status WindowJoinOperator::process(const RecordBatchPtr& batch, Collector& out) {
  return Status::internal("a join reads two inputs: process_input, not process");
}

Status WindowJoinOperator::process_input(int input, const RecordBatchPtr& batch, Collector& out) {
  if (backend_ == nullptr) return Status::internal("window join: process_input() before open()");
  if (input != kLeftInput && input != kRightInput)
    return Status::internal("window join: no input " + std::to_string(input));
  for (size_t r = 0; r < batch->num_rows; ++r) EDDY_RETURN_IF_ERROR(buffer_row(input, *batch, r));
  return backend_->io_status();
}

Status WindowJoinOperator::buffer_row(int s, const RecordBatch& batch, size_t r) {
  const JoinSide& own = sides_[s];
  const Column& time = batch.columns[static_cast<size_t>(own.time_column)];
  if (time.is_null(r) || time.ints[r] < -kWindowTimeLimit || time.ints[r] > kWindowTimeLimit) {
    ++skipped_records_;
    return Status::ok();
  }
  const int64_t t = time.ints[r] + (s == kLeftInput ? config_->left_time_offset_ms : config_->right_time_offset_ms);
  // Late as a window aggregate judges it: by what fired and by its own input's watermark.
  const int64_t due = std::max(fired_through_, watermark_[s]);
  if (due != INT64_MIN && windows_->last_window_end(t) <= due) {
    ++late_records_;
    return Status::ok();
  }
  join_key_bytes(own, batch, r, key_);
  if (join_key_has_null(key_) && !own.outer) return Status::ok();  // joins nothing, shows nowhere
  backend_->set_current_key(key_, key_group_of_row(batch, own.keys, r, backend_->max_parallelism()));
  bytes_.clear();
  join_row_bytes(own, batch, r, bytes_);
  for (int64_t end = windows_->first_window_end_after(t); end <= windows_->last_window_end(t);
       end += windows_->slide()) {
    if (end <= fired_through_) continue;
    rows_[s]->add(bytes_, end);
    due_.schedule(end, backend_->current_key_group(), key_);
  }
  return Status::ok();
}

Status WindowJoinOperator::on_input_watermark(int input, int64_t watermark_ms, Collector& out) {
  if (input == kLeftInput || input == kRightInput)
    watermark_[input] = std::max(watermark_[input], watermark_ms);
  return Status::ok();
}

Status WindowJoinOperator::on_watermark(int64_t watermark_ms, Collector& out) {
  if (backend_ == nullptr) return Status::internal("window join: on_watermark() before open()");
  if (watermark_ms <= fired_through_) return Status::ok();
  fired_through_ = watermark_ms;
  arena_.clear();
  fired_.clear();
  fired_rows_.clear();
  candidates_.clear();
  int64_t end = 0;
  int32_t kg = 0;
  std::string key;
  while (due_.pop_due(watermark_ms, end, kg, key)) {
    backend_->set_current_key(key, kg);
    take_window(end);
  }
  EDDY_RETURN_IF_ERROR(backend_->io_status());
  return emit_fired(out);
}

/// Moves the current key's window `end` out of state into fired_ and its candidate pairs.
void WindowJoinOperator::take_window(int64_t end) {
  Fired f;
  f.end = end;
  uint32_t* bounds[2][2] = {{&f.left_first, &f.left_end}, {&f.right_first, &f.right_end}};
  for (int s : {kLeftInput, kRightInput}) {
    *bounds[s][0] = static_cast<uint32_t>(fired_rows_.size());
    if (const auto* rows = rows_[s]->get(end))
      for (const std::string& row : *rows) fired_rows_.push_back(arena_.add(row));
    *bounds[s][1] = static_cast<uint32_t>(fired_rows_.size());
    rows_[s]->clear(end);
  }
  f.pairs_first = static_cast<uint32_t>(candidates_.size());
  if (!join_key_has_null(backend_->current_key())) {
    for (uint32_t l = f.left_first; l < f.left_end; ++l)
      for (uint32_t r = f.right_first; r < f.right_end; ++r) {
        JoinPair p;
        p.left = fired_rows_[l];
        p.right = fired_rows_[r];
        p.window_end = end;
        candidates_.push_back(p);
      }
  }
  f.pairs_end = static_cast<uint32_t>(candidates_.size());
  if (f.left_end > f.left_first || f.right_end > f.right_first) fired_.push_back(f);
}

/// Per fired window: the pairs the residual keeps, then the rows without one, padded.
Status WindowJoinOperator::emit_fired(Collector& out) {
  EDDY_RETURN_IF_ERROR(output_->residual(arena_, candidates_, pass_));
  out_.clear();
  for (const Fired& f : fired_) {
    ++windows_fired_;
    matched_.assign(fired_rows_.size(), 0);  // by index into fired_rows_, within this window
    const size_t right_cols = f.right_end - f.right_first;
    for (uint32_t c = f.pairs_first; c < f.pairs_end; ++c) {
      if (!pass_[c]) continue;
      out_.push_back(candidates_[c]);
      const uint32_t i = c - f.pairs_first;
      matched_[f.left_first + i / right_cols] = 1;
      matched_[f.right_first + i % right_cols] = 1;
    }
    for (int s : {kLeftInput, kRightInput}) {
      if (!sides_[s].outer) continue;
      const uint32_t first = s == kLeftInput ? f.left_first : f.right_first;
      const uint32_t last = s == kLeftInput ? f.left_end : f.right_end;
      for (uint32_t i = first; i < last; ++i) {
        if (matched_[i]) continue;
        JoinPair p;
        (s == kLeftInput ? p.left : p.right) = fired_rows_[i];
        p.window_end = f.end;
        out_.push_back(p);
      }
    }
  }
  return output_->emit(arena_, out_, out);
}

Status WindowJoinOperator::snapshot_operator_state(int64_t /*checkpoint_id*/, std::string& out) {
  if (backend_ == nullptr) return Status::internal("window join: snapshot before open()");
  out = pack_fired_through(backend_->key_groups(), fired_through_);
  return Status::ok();
}

Status WindowJoinOperator::restore_operator_state(const std::vector<std::string>& states) {
  EDDY_ASSIGN_OR_RETURN(restored_, unpack_fired_through(states, "window join"));
  return Status::ok();
}

Status WindowJoinOperator::on_state_restored() {
  if (backend_ == nullptr) return Status::internal("window join: restored before open()");
  // Windows at or before the earliest restored firing fired for every key
  // this subtask owns now: none may open again.
  fired_through_ = earliest_fired_through(restored_, backend_->key_groups());
  due_.clear();
  for (auto* rows : rows_)
    rows->for_each([&](int32_t kg, const std::string& key, int64_t end, std::vector<std::string>&) {
      due_.schedule(end, kg, key);
    });
  return backend_->io_status();
}

OperatorCounters WindowJoinOperator::counters() const {
  OperatorCounters c;
  c.late_records = late_records_;
  c.skipped_records = skipped_records_;
  c.windows_fired = windows_fired_;
  if (backend_ != nullptr) c.keys_in_state = backend_->key_count();
  return c;
}

}  // namespace eddy
