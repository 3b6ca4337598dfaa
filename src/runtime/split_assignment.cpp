// SplitAssignment: round-robin dealing of splits to source subtasks.
#include "runtime/split_assignment.h"

#include <algorithm>

namespace eddy {

SplitAssignment::SplitAssignment(const std::vector<Split>& splits, int32_t parallelism)
    : queues_(static_cast<size_t>(std::max<int32_t>(parallelism, 1))) {
  for (size_t k = 0; k < splits.size(); ++k) queues_[k % queues_.size()].push_back(splits[k]);
}

SplitAssignment::SplitAssignment(int32_t parallelism)
    : queues_(static_cast<size_t>(std::max<int32_t>(parallelism, 1))) {}

void SplitAssignment::add(Split split, int32_t subtask) {
  const size_t q = subtask < 0 ? 0 : static_cast<size_t>(subtask) % queues_.size();
  queues_[q].push_back(std::move(split));
}

std::vector<Split> SplitAssignment::take_all(int32_t subtask) {
  std::vector<Split> out;
  while (auto s = next(subtask)) out.push_back(std::move(*s));
  return out;
}

std::optional<Split> SplitAssignment::next(int32_t subtask) {
  if (subtask < 0 || static_cast<size_t>(subtask) >= queues_.size()) return std::nullopt;
  auto& q = queues_[static_cast<size_t>(subtask)];
  if (q.empty()) return std::nullopt;
  Split s = std::move(q.front());
  q.pop_front();
  return s;
}

std::vector<Split> SplitAssignment::remaining() const {
  std::vector<Split> out;
  size_t longest = 0;
  for (const auto& q : queues_) longest = std::max(longest, q.size());
  for (size_t round = 0; round < longest; ++round)
    for (const auto& q : queues_)
      if (round < q.size()) out.push_back(q[round]);
  return out;
}

}  // namespace eddy
