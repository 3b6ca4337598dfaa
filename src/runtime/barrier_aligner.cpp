// BarrierAligner (see barrier_aligner.h).
#include "runtime/barrier_aligner.h"

#include <algorithm>

namespace eddy {

BarrierAligner::BarrierAligner(int channels)
    : blocked_(static_cast<size_t>(channels), false), ended_(static_cast<size_t>(channels), false) {}

BarrierAligner::Step BarrierAligner::on_barrier(int channel, int64_t barrier) {
  Step step;
  const int64_t id = barrier_id(barrier);
  if (aligning_ != 0 && id < barrier_id(aligning_)) return step;  // of an abandoned checkpoint
  if (aligning_ == 0 && id <= last_id_) return step;               // of one completed or abandoned
  if (aligning_ != 0 && id > barrier_id(aligning_)) step.released = release();  // overtaken
  if (aligning_ == 0) {
    aligning_ = barrier;
    last_id_ = id;
    step.started = true;
  }
  if (!blocked_[static_cast<size_t>(channel)]) {
    blocked_[static_cast<size_t>(channel)] = true;
    ++blocked_count_;
    step.block = true;
  }
  step.aligned = complete_if_aligned();
  return step;
}

std::optional<int64_t> BarrierAligner::on_end_of_input(int channel) {
  if (!ended_[static_cast<size_t>(channel)]) {
    ended_[static_cast<size_t>(channel)] = true;
    ++ended_count_;
  }
  return complete_if_aligned();
}

void BarrierAligner::on_triggered(int64_t barrier) { last_id_ = std::max(last_id_, barrier_id(barrier)); }

std::optional<int64_t> BarrierAligner::complete_if_aligned() const {
  // A blocked channel cannot end before it is released: its end is held too.
  if (aligning_ == 0 || blocked_count_ + ended_count_ < static_cast<int>(blocked_.size())) return std::nullopt;
  return aligning_;
}

std::vector<int> BarrierAligner::release() {
  std::vector<int> released;
  for (size_t c = 0; c < blocked_.size(); ++c) {
    if (!blocked_[c]) continue;
    blocked_[c] = false;
    released.push_back(static_cast<int>(c));
  }
  blocked_count_ = 0;
  aligning_ = 0;
  return released;
}

}  // namespace eddy
