// check_restore and what it needs: the pipeline's signatures in the form the
// checkpoint metadata keeps, and the key-group count a restore plans with.
#include "runtime/restore_check.h"

#include "plan/operator_signatures.h"

namespace eddy {

std::vector<OperatorSignature> checkpoint_signatures(const JobGraph& graph) {
  std::vector<OperatorSignature> out;
  for (const auto& s : operator_signatures(graph)) {
    OperatorSignature sig{s.name, s.kind, s.has_state, s.key_types, {}, kStateLayoutVersion};
    for (const auto& [aspect, value] : s.layout) sig.layout.push_back(StateLayoutItem{aspect, value});
    out.push_back(std::move(sig));
  }
  return out;
}

Status check_restore(const JobGraph& graph, const std::string& dir, const CheckpointMetadata& meta,
                     NonRestoredState non_restored, std::vector<std::string>* notes) {
  const std::string what = (meta.savepoint ? "savepoint " : "checkpoint ") + dir;
  if (meta.max_parallelism != graph.spec.max_parallelism)
    return Status::invalid(what + " was taken with max_parallelism " + std::to_string(meta.max_parallelism) +
                           ", the pipeline has " + std::to_string(graph.spec.max_parallelism) +
                           "; keyed state cannot move between different key-group counts");
  if (!meta.savepoint && meta.state_backend != graph.spec.state_backend)
    return Status::invalid(what + " holds state.backend " + meta.state_backend + " state, the pipeline uses " +
                           graph.spec.state_backend + "; take a savepoint to change backends");
  std::vector<std::string> found;
  Status compatible = check_compatible(meta, checkpoint_signatures(graph), non_restored, &found);
  if (!compatible.is_ok()) return Status::invalid(what + ": " + compatible.message());
  if (notes != nullptr)
    for (auto& n : found) notes->push_back(what + ": " + n);
  return Status::ok();
}

std::optional<int32_t> snapshot_max_parallelism(const JobGraph& graph, const CheckpointMetadata& meta) {
  if (graph.spec.max_parallelism_set || meta.max_parallelism == graph.spec.max_parallelism) return std::nullopt;
  for (const auto& node : graph.nodes)
    if (node.parallelism > meta.max_parallelism) return std::nullopt;  // check_restore says why not
  return meta.max_parallelism;
}

}  // namespace eddy
