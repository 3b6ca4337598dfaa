// Credit accounting of one input gate: exclusive buffers per channel plus a
// floating pool handed out by announced backlog (see input_credits.h).
#include "net/input_credits.h"

#include <algorithm>
#include <cassert>
#include <queue>
#include <string>

namespace eddy {

InputCredits::InputCredits(int channels, int exclusive_per_channel, int floating_buffers)
    : channels_(static_cast<size_t>(std::max(channels, 0))),
      pending_(channels_.size(), 0),
      exclusive_(std::max(exclusive_per_channel, 1)),
      pool_(std::max(floating_buffers, 0)) {
  for (Channel& ch : channels_) ch.outstanding = exclusive_;
  total_ = exclusive_ * static_cast<int32_t>(channels_.size()) + pool_;
}

std::vector<int32_t> InputCredits::initial_grants() const {
  return std::vector<int32_t>(channels_.size(), exclusive_);
}

Status InputCredits::on_batch(int channel, int32_t backlog, CreditGrants& grants) {
  if (channel < 0 || channel >= channels())
    return Status::invalid("batch on unknown input channel " + std::to_string(channel));
  Channel& ch = channels_[static_cast<size_t>(channel)];
  const std::string where = "input channel " + std::to_string(channel);
  if (ch.finished) return Status::invalid("batch on " + where + " after its end of input");
  if (ch.outstanding <= 0) return Status::invalid("batch on " + where + " without credit");
  if (backlog < 0) return Status::invalid("negative backlog announced on " + where);
  --ch.outstanding;
  ++ch.in_use;
  ch.backlog = backlog;
  distribute_pool();
  emit(grants);
  return Status::ok();
}

void InputCredits::on_release(int channel, CreditGrants& grants) {
  assert(channel >= 0 && channel < channels());
  Channel& ch = channels_[static_cast<size_t>(channel)];
  assert(ch.in_use > 0 && "released a buffer that holds no batch");
  --ch.in_use;
  if (ch.finished) {
    ++pool_;
  } else if (ch.blocked) {
    ++ch.withheld;
  } else {
    place_free_buffer(channel);
  }
  distribute_pool();
  emit(grants);
}

void InputCredits::on_finished(int channel, CreditGrants& grants) {
  assert(channel >= 0 && channel < channels());
  Channel& ch = channels_[static_cast<size_t>(channel)];
  if (ch.finished) return;
  // The producer sends nothing after end of input, so its unused credits are free buffers.
  pool_ += ch.outstanding + ch.withheld;
  ch.outstanding = ch.withheld = ch.floating_held = ch.backlog = 0;
  ch.blocked = false;
  ch.finished = true;
  distribute_pool();
  emit(grants);
}

void InputCredits::block(int channel) {
  assert(channel >= 0 && channel < channels());
  Channel& ch = channels_[static_cast<size_t>(channel)];
  if (!ch.finished) ch.blocked = true;
}

void InputCredits::unblock(int channel, CreditGrants& grants) {
  assert(channel >= 0 && channel < channels());
  Channel& ch = channels_[static_cast<size_t>(channel)];
  if (!ch.blocked) return;
  ch.blocked = false;
  const int32_t freed = ch.withheld;
  ch.withheld = 0;
  for (int32_t i = 0; i < freed; ++i) place_free_buffer(channel);
  distribute_pool();
  emit(grants);
}

void InputCredits::place_free_buffer(int channel) {
  Channel& ch = channels_[static_cast<size_t>(channel)];
  // Buffers are interchangeable: while the channel holds floating ones, a freed
  // buffer counts as floating, so the exclusive ones are the last to remain.
  if (ch.unmet() > 0 || ch.floating_held == 0) {
    grant(channel, 1);
  } else {
    --ch.floating_held;
    ++pool_;
  }
}

void InputCredits::distribute_pool() {
  if (pool_ == 0) return;
  // One buffer at a time to the largest unmet backlog (ties: lowest channel),
  // so a short pool is shared out evenly among the neediest.
  std::priority_queue<std::pair<int32_t, int>> neediest;  // (unmet, -channel)
  for (size_t c = 0; c < channels_.size(); ++c) {
    const Channel& ch = channels_[c];
    if (!ch.finished && !ch.blocked && ch.unmet() > 0)
      neediest.emplace(ch.unmet(), -static_cast<int>(c));
  }
  while (pool_ > 0 && !neediest.empty()) {
    auto [unmet, neg_channel] = neediest.top();
    neediest.pop();
    --pool_;
    ++channels_[static_cast<size_t>(-neg_channel)].floating_held;
    grant(-neg_channel, 1);
    if (unmet > 1) neediest.emplace(unmet - 1, neg_channel);
  }
}

void InputCredits::grant(int channel, int32_t n) {
  channels_[static_cast<size_t>(channel)].outstanding += n;
  if (pending_[static_cast<size_t>(channel)] == 0) touched_.push_back(channel);
  pending_[static_cast<size_t>(channel)] += n;
}

void InputCredits::emit(CreditGrants& grants) {
  for (int c : touched_) {
    grants.emplace_back(c, pending_[static_cast<size_t>(c)]);
    pending_[static_cast<size_t>(c)] = 0;
  }
  touched_.clear();
}

const InputCredits::Channel& InputCredits::at(int channel) const {
  assert(channel >= 0 && channel < channels());
  return channels_[static_cast<size_t>(channel)];
}

int32_t InputCredits::outstanding(int channel) const { return at(channel).outstanding; }
int32_t InputCredits::in_use(int channel) const { return at(channel).in_use; }
int32_t InputCredits::withheld(int channel) const { return at(channel).withheld; }
int32_t InputCredits::backlog(int channel) const { return at(channel).backlog; }
bool InputCredits::is_blocked(int channel) const { return at(channel).blocked; }
bool InputCredits::is_finished(int channel) const { return at(channel).finished; }

}  // namespace eddy
