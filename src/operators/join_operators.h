// The join operators' entry point: the planner builds a JoinConfig and gets the
// regular, interval or window join operator for its kind. Also what every join
// operator does in open() to get its keyed state.
#pragma once

#include <memory>

#include "operators/join_config.h"
#include "operators/operator.h"
#include "state/keyed_state_backend.h"

namespace eddy {

/// The operator for config->kind (JoinKind): RegularJoinOperator,
/// IntervalJoinOperator or WindowJoinOperator. Errors in the config surface
/// here when they do not depend on the context, else in open().
Result<OperatorPtr> make_join_operator(std::shared_ptr<const JoinConfig> config);

/// The keyed state a join operator uses: ctx.keyed_state when the host hands
/// one in; otherwise (hosts that predate it) a backend of its own, in `owned`,
/// for the subtask's key groups and ctx.state.
Result<KeyedStateBackend*> join_keyed_state(const OperatorContext& ctx,
                                            std::unique_ptr<KeyedStateBackend>& owned);

}  // namespace eddy
