// InputGate (see input_gate.h).
#include "runtime/input_gate.h"

#include <string>

namespace eddy {

InputGate::InputGate(std::vector<int> channel_inputs, int inputs, int32_t exclusive, int32_t floating,
                     CreditSender send_credit)
    : channel_inputs_(std::move(channel_inputs)),
      channels_(channel_inputs_.size()),
      inputs_(static_cast<size_t>(inputs)),
      all_(std::make_unique<WatermarkTracker>(static_cast<int>(channel_inputs_.size()))),
      unheard_(static_cast<int>(channel_inputs_.size())),
      open_(static_cast<int>(channel_inputs_.size())),
      send_credit_(std::move(send_credit)) {
  for (size_t c = 0; c < channels_.size(); ++c) {
    Input& in = inputs_[static_cast<size_t>(channel_inputs_[c])];
    channels_[c].input = channel_inputs_[c];
    channels_[c].local = static_cast<int>(in.channels.size());
    in.channels.push_back(static_cast<int>(c));
  }
  for (Input& in : inputs_) {
    const int n = static_cast<int>(in.channels.size());
    in.open = n;
    in.credits = std::make_unique<InputCredits>(n, exclusive, floating);
    in.watermarks = std::make_unique<WatermarkTracker>(n);
  }
}

void InputGate::send(const Input& in, CreditGrants& grants) {
  for (const auto& [local, n] : grants) send_credit_(in.channels[static_cast<size_t>(local)], n);
  grants.clear();
}

void InputGate::start() {
  for (const Input& in : inputs_) {
    auto grants = in.credits->initial_grants();
    for (size_t local = 0; local < grants.size(); ++local) {
      const int c = in.channels[local];
      if (grants[local] > 0 && !channels_[static_cast<size_t>(c)].finished) send_credit_(c, grants[local]);
    }
  }
}

void InputGate::heard_from(int channel) {
  Channel& ch = channels_[static_cast<size_t>(channel)];
  if (ch.heard) return;
  ch.heard = true;
  --unheard_;
}

bool InputGate::hold_if_blocked(InputItem& item) {
  // Behind older pending input an item queues there first, so each channel's order holds.
  Channel& ch = channels_[static_cast<size_t>(item.channel)];
  if (!ch.blocked || !pending_.empty()) return false;
  ch.held.push_back(std::move(item));
  return true;
}

Status InputGate::receive_batch(int channel, RecordBatchPtr batch, int32_t backlog) {
  if (channel < 0 || channel >= channels())
    return Status::internal("batch on unknown input channel " + std::to_string(channel));
  const Channel& ch = channels_[static_cast<size_t>(channel)];
  Input& in = inputs_[static_cast<size_t>(ch.input)];
  EDDY_RETURN_IF_ERROR(in.credits->on_batch(ch.local, backlog, grants_));
  send(in, grants_);
  heard_from(channel);
  InputItem item{channel, std::move(batch), std::nullopt};
  if (!hold_if_blocked(item)) pending_.push_back(std::move(item));
  return Status::ok();
}

Result<bool> InputGate::receive_event(int channel, const StreamEvent& event) {
  if (channel < 0 || channel >= channels())
    return Status::internal("event on unknown input channel " + std::to_string(channel));
  const bool first = !channels_[static_cast<size_t>(channel)].heard;
  heard_from(channel);
  // A channel's first message is its initial status (or end of input, from a
  // source without a split): nothing of that channel precedes it, so it applies
  // at once, ahead of other channels' queued input.
  if (first && (event.kind == EventKind::kIdleStatus || event.kind == EventKind::kEndOfInput)) return true;
  InputItem item{channel, nullptr, event};
  if (hold_if_blocked(item)) return false;
  if (!pending_.empty() || unheard_ > 0) {
    pending_.push_back(std::move(item));
    return false;
  }
  return true;
}

std::optional<InputItem> InputGate::next(bool backpressured) {
  while (!pending_.empty() && !backpressured && unheard_ == 0) {
    InputItem item = std::move(pending_.front());
    pending_.pop_front();
    Channel& ch = channels_[static_cast<size_t>(item.channel)];
    if (!ch.blocked) return item;
    ch.held.push_back(std::move(item));
  }
  return std::nullopt;
}

void InputGate::release(int channel) {
  const Channel& ch = channels_[static_cast<size_t>(channel)];
  Input& in = inputs_[static_cast<size_t>(ch.input)];
  in.credits->on_release(ch.local, grants_);
  send(in, grants_);
}

InputChange InputGate::change(int channel, std::optional<int64_t> in_wm, std::optional<int64_t> all_wm) const {
  InputChange c;
  c.input = channels_[static_cast<size_t>(channel)].input;
  c.input_watermark = in_wm;
  c.watermark = all_wm;
  return c;
}

InputChange InputGate::on_watermark(int channel, int64_t watermark) {
  const Channel& ch = channels_[static_cast<size_t>(channel)];
  auto in_wm = inputs_[static_cast<size_t>(ch.input)].watermarks->on_watermark(ch.local, watermark);
  return change(channel, in_wm, all_->on_watermark(channel, watermark));
}

InputChange InputGate::on_idle(int channel, bool idle) {
  const Channel& ch = channels_[static_cast<size_t>(channel)];
  auto in_wm = inputs_[static_cast<size_t>(ch.input)].watermarks->on_idle(ch.local, idle);
  return change(channel, in_wm, all_->on_idle(channel, idle));
}

InputChange InputGate::on_end_of_input(int channel) {
  Channel& ch = channels_[static_cast<size_t>(channel)];
  Input& in = inputs_[static_cast<size_t>(ch.input)];
  if (ch.finished) return change(channel, std::nullopt, std::nullopt);
  ch.finished = true;
  --in.open;
  --open_;
  in.credits->on_finished(ch.local, grants_);
  send(in, grants_);
  auto in_wm = in.watermarks->on_finished(ch.local);
  InputChange c = change(channel, in_wm, all_->on_finished(channel));
  c.input_ended = in.open == 0;
  c.all_ended = open_ == 0;
  return c;
}

void InputGate::block(int channel) {
  Channel& ch = channels_[static_cast<size_t>(channel)];
  ch.blocked = true;
  inputs_[static_cast<size_t>(ch.input)].credits->block(ch.local);
}

void InputGate::unblock(const std::vector<int>& channels) {
  std::deque<InputItem> released;
  for (int c : channels) {
    Channel& ch = channels_[static_cast<size_t>(c)];
    if (!ch.blocked) continue;
    ch.blocked = false;
    Input& in = inputs_[static_cast<size_t>(ch.input)];
    in.credits->unblock(ch.local, grants_);
    send(in, grants_);
    for (auto& item : ch.held) released.push_back(std::move(item));
    ch.held.clear();
  }
  // Held input is older than anything of its channel still pending.
  pending_.insert(pending_.begin(), std::make_move_iterator(released.begin()),
                  std::make_move_iterator(released.end()));
}

int64_t InputGate::channel_watermark(int channel) const { return all_->channel_watermark(channel); }

int64_t InputGate::input_watermark(int input) const {
  return inputs_[static_cast<size_t>(input)].watermarks->current();
}

int32_t InputGate::queued(int channel) const {
  const Channel& ch = channels_[static_cast<size_t>(channel)];
  return inputs_[static_cast<size_t>(ch.input)].credits->in_use(ch.local);
}

int32_t InputGate::pooled_buffers() const {
  int32_t n = 0;
  for (const Input& in : inputs_) n += in.credits->floating_available();
  return n;
}

int32_t InputGate::outstanding_credits() const {
  int32_t n = 0;
  for (const Input& in : inputs_)
    for (int local = 0; local < in.credits->channels(); ++local) n += in.credits->outstanding(local);
  return n;
}

int32_t InputGate::buffers_in_use() const {
  int32_t n = 0;
  for (int c = 0; c < channels(); ++c) n += queued(c);
  return n;
}

int32_t InputGate::total_buffers() const {
  int32_t n = 0;
  for (const Input& in : inputs_) n += in.credits->total_buffers();
  return n;
}

}  // namespace eddy
