// SplitAssignment: which source subtask reads which split. Splits are dealt
// round robin in the order the enumerator lists them -- split k to subtask
// k % parallelism -- and each subtask reads its own one after the other, in
// that order. So what a subtask reads, and with it its watermarks and which
// records are late, depends on the splits and the parallelism, never on which
// subtask asked first (Flink's file source hands splits out on request).
// Hosted by the source_coordinator actor; CAF-free.
#pragma once

#include <cstdint>
#include <deque>
#include <optional>
#include <vector>

#include "connectors/source.h"

namespace eddy {

class SplitAssignment {
 public:
  SplitAssignment() = default;
  /// Deals `splits`, in order, among `parallelism` subtasks.
  SplitAssignment(const std::vector<Split>& splits, int32_t parallelism);
  /// No splits yet, for `parallelism` subtasks: add() deals them.
  explicit SplitAssignment(int32_t parallelism);

  /// Gives `split` to `subtask` (sources whose enumerator picks the owner:
  /// SplitEnumerator::owner, e.g. Kafka partition p to subtask p % parallelism).
  void add(Split split, int32_t subtask);
  /// Every split of `subtask` not taken yet (splits read together).
  std::vector<Split> take_all(int32_t subtask);

  /// The next split of `subtask`, or nullopt once it has taken all of its own.
  std::optional<Split> next(int32_t subtask);
  /// The splits no subtask has taken yet, round robin over the subtasks (the
  /// first left of each, then the second, ...): dealt again at the same
  /// parallelism, each subtask gets its own back when all have as many left.
  std::vector<Split> remaining() const;

 private:
  std::vector<std::deque<Split>> queues_;  // per subtask, in reading order
};

}  // namespace eddy
