// Source coordinator: lazy enumeration, then one split per request.
#include "actors/source_coordinator.h"

#include <deque>

#include "plan/operator_factory.h"

namespace eddy {
namespace {

struct CoordinatorState {
  JobGraphPtr graph;
  int node = 0;
  bool enumerated = false;
  std::deque<Split> splits;
  static const char* name;
};
const char* CoordinatorState::name = "eddy.source_coordinator";

Status enumerate(CoordinatorState& st) {
  const LogicalNode& n = st.graph->nodes[static_cast<size_t>(st.node)];
  EDDY_ASSIGN_OR_RETURN(auto enumerator, make_split_enumerator(*st.graph, st.node));
  EDDY_ASSIGN_OR_RETURN(auto splits, enumerator->enumerate(n.parallelism));
  st.splits.assign(splits.begin(), splits.end());
  st.enumerated = true;
  return Status::ok();
}

caf::behavior coordinator_actor(caf::stateful_actor<CoordinatorState>* self, JobGraphPtr graph,
                                int node) {
  self->state.graph = std::move(graph);
  self->state.node = node;
  return {
      [=](split_atom, int32_t /*subtask*/) -> caf::result<SplitReply> {
        auto& st = self->state;
        if (!st.enumerated) {
          Status s = enumerate(st);
          SplitReply failed;
          if (!s.is_ok()) {
            failed.error = s.message();
            return failed;
          }
        }
        SplitReply reply;
        if (!st.splits.empty()) {
          reply.has_split = true;
          reply.split = std::move(st.splits.front());
          st.splits.pop_front();
        }
        return reply;
      },
  };
}

}  // namespace

caf::actor spawn_source_coordinator(caf::actor_system& sys, JobGraphPtr graph, int source_node) {
  return sys.spawn<caf::detached>(coordinator_actor, std::move(graph), source_node);
}

}  // namespace eddy
