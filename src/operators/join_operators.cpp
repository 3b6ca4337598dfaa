// make_join_operator and the keyed state every join operator opens with.
#include "operators/join_operators.h"

#include "operators/join_interval_operator.h"
#include "operators/join_regular_operator.h"
#include "operators/join_window_operator.h"
#include "operators/keyed_operator_support.h"
#include "operators/async_lookup_join_operator.h"
#include "operators/lookup_join_operator.h"

namespace eddy {

Result<OperatorPtr> make_join_operator(std::shared_ptr<const JoinConfig> config) {
  if (!config) return Status::invalid("join: no config");
  switch (config->kind) {
    case JoinKind::kRegular: return OperatorPtr(std::make_unique<RegularJoinOperator>(std::move(config)));
    case JoinKind::kInterval: return OperatorPtr(std::make_unique<IntervalJoinOperator>(std::move(config)));
    case JoinKind::kWindow: return OperatorPtr(std::make_unique<WindowJoinOperator>(std::move(config)));
    case JoinKind::kLookup:
      if (config->lookup_service)
        return OperatorPtr(std::make_unique<AsyncLookupJoinOperator>(std::move(config)));
      return OperatorPtr(std::make_unique<LookupJoinOperator>(std::move(config)));
  }
  return Status::invalid("join: unknown kind");
}

Result<KeyedStateBackend*> join_keyed_state(const OperatorContext& ctx,
                                            std::unique_ptr<KeyedStateBackend>& owned) {
  if (ctx.keyed_state != nullptr) return ctx.keyed_state;
  EDDY_ASSIGN_OR_RETURN(KeyGroupRange range, owned_key_groups(ctx));
  owned = std::make_unique<KeyedStateBackend>(ctx.max_parallelism, range, ctx.state);
  EDDY_RETURN_IF_ERROR(owned->open_status());
  return owned.get();
}

}  // namespace eddy
