// SplitDealer: the source coordinator's split bookkeeping without actors.
// Which splits a requesting source subtask gets (its next one, or -- splits
// read together, e.g. Kafka partitions -- all of its own at once), whether a
// subtask without any waits for later ones (unbounded sources) or ends, where
// splits found later by discovery go (sent at once to an owner that is already
// reading, else kept for its request), and what a checkpoint records as not
// handed out. Hosted by the source_coordinator actor, which only translates.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "connectors/source.h"
#include "runtime/split_assignment.h"

namespace eddy {

class SplitDealer {
 public:
  /// Who reads a split read together or found later (SplitEnumerator::owner).
  using Owner = std::function<int32_t(const Split&, int32_t parallelism)>;

  SplitDealer() = default;
  SplitDealer(SplitReading reading, int32_t parallelism, Owner owner);

  /// The splits of a fresh start, in the enumerator's order.
  void start(const std::vector<Split>& splits);
  /// A restore: `resumed` were being read (each subtask reads its share at
  /// once), `rest` had not been handed out.
  void restore(std::vector<Split> resumed, const std::vector<Split>& rest);

  /// What a subtask's request gets.
  struct Grant {
    std::vector<Split> splits;  // empty: none now
    bool wait = false;          // none now, but more may come: stay, idle (unbounded)
  };
  Grant request(int32_t subtask);

  /// Splits found by discovery (ids not in known()): those whose owner is
  /// reading already, to send to it now; the others wait for its request.
  std::vector<std::pair<int32_t, Split>> discovered(std::vector<Split> found);

  /// Splits not handed out: a checkpoint keeps them.
  std::vector<Split> unassigned() const;
  /// Ids of every split dealt, resumed or found: discovery skips them.
  const std::set<std::string>& known() const { return known_; }
  const SplitReading& reading() const { return reading_; }

 private:
  int32_t owner_of(const Split& s) const;

  SplitReading reading_;
  int32_t parallelism_ = 1;
  Owner owner_;
  SplitAssignment splits_;
  std::map<int32_t, std::vector<Split>> resumed_;  // restored splits being read, per subtask
  std::set<std::string> known_;
  std::set<int32_t> reading_subtasks_;  // asked already (read together): later splits are sent to them
};

}  // namespace eddy
