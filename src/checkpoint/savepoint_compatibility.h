// Savepoint compatibility: whether a pipeline can take over the state a
// savepoint (or checkpoint) holds, operator by operator: same kind, same key
// types, and the same state layout (aggregates, window, top-n, formats; see
// OperatorSignature::layout). Called by runtime/restore_check before anything
// runs, so an incompatible restore is refused with every difference at once.
#pragma once

#include <string>
#include <vector>

#include "checkpoint/checkpoint_metadata.h"
#include "core/status.h"

namespace eddy {

/// What to do with state of operators the pipeline does not have, or has
/// without state: Flink's --allow-non-restored-state.
enum class NonRestoredState {
  kRefuse,  // a difference like any other (the default)
  kSkip,    // left behind, each with a note saying whose
};

/// Refuses (Status::invalid naming each difference, "; "-separated) when the
/// snapshot holds state of an operator the pipeline lacks or keeps no state
/// in (unless `non_restored` is kSkip), when an operator of the same name now
/// has another kind, other key types or another state layout. Stateless
/// operators may come and go, and new stateful ones start empty. `notes`
/// (if given) receives one line per skipped operator, and one for operators
/// whose layout the snapshot did not record (metadata format version 1):
/// those restore unchecked.
Status check_compatible(const CheckpointMetadata& snapshot, const std::vector<OperatorSignature>& pipeline,
                        NonRestoredState non_restored = NonRestoredState::kRefuse,
                        std::vector<std::string>* notes = nullptr);

/// The differences between two layouts of operator `name`, one message each:
/// "operator 'totals': the savepoint's aggregates are [n: count(*)], the
/// pipeline's are [n: count(*), hi: max(price)]". `what` is "savepoint" or
/// "checkpoint". An aspect only one side has is "none" on the other.
/// "argument types" differences are left out when anything else differs
/// (they follow the aggregates' columns). Empty when the layouts are the same.
std::vector<std::string> layout_differences(const std::string& name, const std::string& what,
                                            const std::vector<StateLayoutItem>& before,
                                            const std::vector<StateLayoutItem>& now);

}  // namespace eddy
