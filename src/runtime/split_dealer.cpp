// SplitDealer (split_dealer.h).
#include "runtime/split_dealer.h"

#include <algorithm>

namespace eddy {

SplitDealer::SplitDealer(SplitReading reading, int32_t parallelism, Owner owner)
    : reading_(reading), parallelism_(std::max<int32_t>(parallelism, 1)), owner_(std::move(owner)),
      splits_(parallelism_) {}

int32_t SplitDealer::owner_of(const Split& s) const {
  const int32_t o = owner_ ? owner_(s, parallelism_) : s.index % parallelism_;
  return ((o % parallelism_) + parallelism_) % parallelism_;
}

void SplitDealer::start(const std::vector<Split>& splits) {
  for (const auto& s : splits) known_.insert(s.id);
  if (!reading_.together) {
    splits_ = SplitAssignment(splits, parallelism_);
    return;
  }
  splits_ = SplitAssignment(parallelism_);
  for (const auto& s : splits) splits_.add(s, owner_of(s));
}

void SplitDealer::restore(std::vector<Split> resumed, const std::vector<Split>& rest) {
  for (size_t k = 0; k < resumed.size(); ++k) {
    known_.insert(resumed[k].id);
    const int32_t to = reading_.together ? owner_of(resumed[k]) : static_cast<int32_t>(k % static_cast<size_t>(parallelism_));
    resumed_[to].push_back(std::move(resumed[k]));
  }
  start(rest);
}

SplitDealer::Grant SplitDealer::request(int32_t subtask) {
  Grant g;
  auto mine = resumed_.find(subtask);
  if (mine != resumed_.end()) {
    g.splits = std::move(mine->second);
    resumed_.erase(mine);
  }
  if (reading_.together) {
    for (auto& s : splits_.take_all(subtask)) g.splits.push_back(std::move(s));
    reading_subtasks_.insert(subtask);
  } else if (g.splits.empty()) {
    if (auto next = splits_.next(subtask)) g.splits.push_back(std::move(*next));
  }
  g.wait = g.splits.empty() && reading_.unbounded;
  return g;
}

std::vector<std::pair<int32_t, Split>> SplitDealer::discovered(std::vector<Split> found) {
  std::vector<std::pair<int32_t, Split>> now;
  for (Split& s : found) {
    if (!known_.insert(s.id).second) continue;
    const int32_t owner = owner_of(s);
    if (reading_subtasks_.count(owner)) now.emplace_back(owner, std::move(s));
    else splits_.add(std::move(s), owner);
  }
  return now;
}

std::vector<Split> SplitDealer::unassigned() const {
  std::vector<Split> out;
  for (const auto& [subtask, dealt] : resumed_) out.insert(out.end(), dealt.begin(), dealt.end());
  const std::vector<Split> rest = splits_.remaining();
  out.insert(out.end(), rest.begin(), rest.end());
  return out;
}

}  // namespace eddy
