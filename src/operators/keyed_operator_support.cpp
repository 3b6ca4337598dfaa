// Shared checks of the keyed operators.
#include "operators/keyed_operator_support.h"

#include "state/keyed_state_backend.h"

namespace eddy {

Result<KeyGroupRange> owned_key_groups(const OperatorContext& ctx) {
  if (ctx.max_parallelism <= 0 || ctx.parallelism <= 0 || ctx.parallelism > ctx.max_parallelism ||
      ctx.subtask_index < 0 || ctx.subtask_index >= ctx.parallelism)
    return Status::invalid("subtask " + std::to_string(ctx.subtask_index) + " of " +
                           std::to_string(ctx.parallelism) + " with max_parallelism " +
                           std::to_string(ctx.max_parallelism) + " owns no key groups");
  return key_group_range_for_subtask(ctx.max_parallelism, ctx.parallelism, ctx.subtask_index);
}

Result<KeyedStateBackend*> host_keyed_state(const OperatorContext& ctx, KeyGroupRange range) {
  KeyedStateBackend* ks = ctx.keyed_state;
  if (ks == nullptr)
    return Status::internal("operator '" + ctx.operator_name + "' keeps keyed state, but its host gave it none");
  if (ks->key_groups().start != range.start || ks->key_groups().end != range.end)
    return Status::internal("operator '" + ctx.operator_name + "' got keyed state of other key groups than it owns");
  return ks;
}

Status check_columns_in(const std::vector<int>& columns, const Schema& input, const std::string& what) {
  for (int c : columns)
    if (c < 0 || static_cast<size_t>(c) >= input.size())
      return Status::invalid(what + " " + std::to_string(c) + " is not in the input (" +
                             input.to_string() + ")");
  return Status::ok();
}

Status check_output_types(const Schema& produced, const Schema& planned, const std::string& what) {
  bool same = produced.size() == planned.size();
  for (size_t i = 0; same && i < produced.size(); ++i)
    same = produced.field(i).type == planned.field(i).type;
  if (!same)
    return Status::invalid(what + " output schema (" + planned.to_string() +
                           ") does not have the types of (" + produced.to_string() + ")");
  return Status::ok();
}

}  // namespace eddy
