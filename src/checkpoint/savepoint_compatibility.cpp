// check_compatible: whether a pipeline can take over the state in a savepoint
// (or checkpoint). Called by the job master before any task starts, so an
// incompatible restore is refused with every difference listed at once.
#include <map>

#include "checkpoint/checkpoint_storage.h"

namespace eddy {
namespace {

/// "(int64, string)"
std::string key_list(const std::vector<std::string>& types) {
  std::string out = "(";
  for (size_t i = 0; i < types.size(); ++i) out += (i > 0 ? ", " : "") + types[i];
  return out + ")";
}

/// "keyed by (int64)" or "not keyed".
std::string keying(const std::vector<std::string>& types, bool with_by) {
  if (types.empty()) return "not keyed";
  return std::string(with_by ? "keyed by " : "by ") + key_list(types);
}

}  // namespace

Status check_compatible(const CheckpointMetadata& snapshot,
                        const std::vector<OperatorSignature>& pipeline) {
  const std::string what = snapshot.savepoint ? "savepoint" : "checkpoint";
  std::map<std::string, const OperatorSignature*> by_name;
  for (const auto& op : pipeline) by_name.emplace(op.name, &op);

  std::vector<std::string> problems;
  for (const auto& old : snapshot.operators) {
    if (!old.has_state) continue;  // stateless operators may come and go
    const auto found = by_name.find(old.name);
    if (found == by_name.end()) {
      problems.push_back("the " + what + " has state of operator '" + old.name +
                         "', which the pipeline does not have");
      continue;
    }
    const OperatorSignature& now = *found->second;
    if (now.kind != old.kind) {
      problems.push_back("operator '" + old.name + "' is a '" + old.kind + "' in the " + what +
                         " but a '" + now.kind + "' in the pipeline");
      continue;
    }
    if (!now.has_state) {
      problems.push_back("operator '" + old.name + "' has state in the " + what +
                         " but keeps none in the pipeline");
      continue;
    }
    if (now.key_types != old.key_types) {
      // "keyed by (int64) in the savepoint but by (string) in the pipeline"
      const bool both_keyed = !old.key_types.empty() && !now.key_types.empty();
      problems.push_back("operator '" + old.name + "' is " + keying(old.key_types, true) +
                         " in the " + what + " but " +
                         keying(now.key_types, /*with_by=*/!both_keyed) + " in the pipeline");
    }
  }
  if (problems.empty()) return Status::ok();
  std::string message = problems.front();
  for (size_t i = 1; i < problems.size(); ++i) message += "; " + problems[i];
  return Status::invalid(message);
}

}  // namespace eddy
