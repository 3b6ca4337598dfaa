#include "runtime/restore_check.h"

#include "checkpoint/checkpoint_storage.h"
#include "plan/operator_signatures.h"

namespace eddy {

Status check_restore(const JobGraph& graph, const std::string& dir, const CheckpointMetadata& meta) {
  const std::string what = (meta.savepoint ? "savepoint " : "checkpoint ") + dir;
  if (meta.max_parallelism != graph.spec.max_parallelism)
    return Status::invalid(what + " was taken with max_parallelism " +
                           std::to_string(meta.max_parallelism) + ", the pipeline has " +
                           std::to_string(graph.spec.max_parallelism) +
                           "; keyed state cannot move between different key-group counts");
  if (!meta.savepoint && meta.state_backend != graph.spec.state_backend)
    return Status::invalid(what + " holds state.backend " + meta.state_backend +
                           " state, the pipeline uses " + graph.spec.state_backend +
                           "; take a savepoint to change backends");
  std::vector<OperatorSignature> now;
  for (const auto& s : operator_signatures(graph))
    now.push_back(OperatorSignature{s.name, s.kind, s.has_state, s.key_types});
  Status compatible = check_compatible(meta, now);
  if (!compatible.is_ok()) return Status::invalid(what + ": " + compatible.message());
  return Status::ok();
}

}  // namespace eddy
