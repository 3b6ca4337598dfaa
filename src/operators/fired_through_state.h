// How far an event-time operator has fired its timers (windows), kept as
// operator state with the key groups it owned, so that after a restore, at
// any parallelism, each subtask learns it for the key groups it takes over
// (union distribution). Used by the window aggregate and the window join.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/key_groups.h"
#include "core/status.h"

namespace eddy {

/// Key groups restored from one old subtask, and how far that subtask had
/// fired its timers then.
struct RestoredKeyGroups {
  KeyGroupRange key_groups;
  int64_t timers_fired_through = INT64_MIN;
};

/// [version, first key group, last key group, fired through] as msgpack bytes.
std::string pack_fired_through(KeyGroupRange key_groups, int64_t fired_through);
/// The old subtasks' states from pack_fired_through; `operator_name` names
/// the operator in the error a malformed state gets.
Result<std::vector<RestoredKeyGroups>> unpack_fired_through(const std::vector<std::string>& states,
                                                            const std::string& operator_name);
/// The earliest fired-through time of the old subtasks whose key groups
/// overlap `mine` (INT64_MIN when none does): every timer at or before it has
/// fired for every key this subtask now owns.
int64_t earliest_fired_through(const std::vector<RestoredKeyGroups>& restored, KeyGroupRange mine);

}  // namespace eddy
