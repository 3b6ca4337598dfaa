// Checks shared by the keyed operators (window aggregate, keyed aggregate, top-n):
// which key groups a subtask owns, and that a planned output schema has the
// column types the operator produces. Called from their validate() and open().
#pragma once

#include <string>
#include <vector>

#include "core/key_groups.h"
#include "core/status.h"
#include "operators/operator.h"

namespace eddy {

/// The key groups subtask ctx.subtask_index of ctx.parallelism owns, or why it owns none.
Result<KeyGroupRange> owned_key_groups(const OperatorContext& ctx);

/// The keyed state the host handed in (OperatorContext::keyed_state), which
/// must cover `range`, the key groups the subtask owns.
Result<KeyedStateBackend*> host_keyed_state(const OperatorContext& ctx, KeyGroupRange range);

/// Every index of `columns` names a column of `input`; `what` says what they are ("key column").
Status check_columns_in(const std::vector<int>& columns, const Schema& input, const std::string& what);

/// `planned` must have the column types of `produced`, in order (names are the
/// planner's to choose). `what` names the operator in the message.
Status check_output_types(const Schema& produced, const Schema& planned, const std::string& what);

}  // namespace eddy
