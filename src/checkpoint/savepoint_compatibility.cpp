// check_compatible: whether a pipeline can take over the state in a savepoint
// (or checkpoint). Called through runtime/restore_check by the job manager
// before any task starts, so an incompatible restore is refused with every
// difference listed at once, and state the pipeline has no place for is
// either refused or, with --allow-non-restored-state, skipped and named.
#include "checkpoint/savepoint_compatibility.h"

#include <algorithm>
#include <map>

namespace eddy {
namespace {

constexpr const char* kArgumentTypes = "argument types";
constexpr const char* kAllowHint = " (restore with --allow-non-restored-state to drop it)";

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

/// "aggregates" are, "window" is.
const char* verb_for(const std::string& aspect) {
  return !aspect.empty() && aspect.back() == 's' ? "are" : "is";
}

const std::string* value_of(const std::vector<StateLayoutItem>& layout, const std::string& aspect) {
  for (const auto& item : layout)
    if (item.aspect == aspect) return &item.value;
  return nullptr;
}

/// State the pipeline has no place for: `refusal` is the problem, or with
/// kSkip a note says it is left behind and `why`.
void non_restored(const std::string& name, const std::string& what, const std::string& refusal,
                  const std::string& why, NonRestoredState mode, std::vector<std::string>& problems,
                  std::vector<std::string>* notes) {
  if (mode == NonRestoredState::kRefuse) {
    problems.push_back(refusal + kAllowHint);
  } else if (notes != nullptr) {
    notes->push_back("skipping the " + what + "'s state of operator '" + name + "', " + why +
                     " (--allow-non-restored-state)");
  }
}

/// The kind, keys and layout of an operator found in both: its problems.
void compare_operator(const OperatorSignature& old, const OperatorSignature& now, const std::string& what,
                      std::vector<std::string>& problems, std::vector<std::string>& unchecked) {
  if (now.kind != old.kind) {
    problems.push_back("operator '" + old.name + "' is a '" + old.kind + "' in the " + what + " but a '" +
                       now.kind + "' in the pipeline");
    return;
  }
  if (now.key_types != old.key_types) {
    // "keyed by (int64) in the savepoint but by (string) in the pipeline"
    const bool both_keyed = !old.key_types.empty() && !now.key_types.empty();
    problems.push_back("operator '" + old.name + "' is " + keying(old.key_types, true) + " in the " + what +
                       " but " + keying(now.key_types, /*with_by=*/!both_keyed) + " in the pipeline");
  }
  if (old.layout_version != now.layout_version) {
    if (!now.layout.empty()) unchecked.push_back(old.name);
    return;
  }
  for (auto& d : layout_differences(old.name, what, old.layout, now.layout)) problems.push_back(std::move(d));
}

std::string unchecked_note(const std::string& what, const std::vector<std::string>& names) {
  std::string list;
  for (size_t i = 0; i < names.size(); ++i) list += (i > 0 ? ", '" : "'") + names[i] + "'";
  return "the " + what + " does not record the state layout of " + list +
         " (it was written by an older eddy): their aggregates, windows, top_n and formats were not checked "
         "against the pipeline; restore it only into the pipeline it was taken from";
}

}  // namespace

std::vector<std::string> layout_differences(const std::string& name, const std::string& what,
                                            const std::vector<StateLayoutItem>& before,
                                            const std::vector<StateLayoutItem>& now) {
  std::vector<std::string> aspects;  // the snapshot's order, then aspects only the pipeline has
  for (const auto& item : before) aspects.push_back(item.aspect);
  for (const auto& item : now)
    if (value_of(before, item.aspect) == nullptr) aspects.push_back(item.aspect);
  std::vector<std::string> differing;
  for (const std::string& aspect : aspects) {
    const std::string* was = value_of(before, aspect);
    const std::string* is = value_of(now, aspect);
    if (was == nullptr || is == nullptr || *was != *is) differing.push_back(aspect);
  }
  // The argument types change with the aggregates' columns: they are worth
  // a line only when nothing else differs (a column's type changed upstream).
  if (differing.size() > 1)
    differing.erase(std::remove(differing.begin(), differing.end(), std::string(kArgumentTypes)), differing.end());
  std::vector<std::string> out;
  for (const std::string& aspect : differing) {
    const std::string* was = value_of(before, aspect);
    const std::string* is = value_of(now, aspect);
    out.push_back("operator '" + name + "': the " + what + "'s " + aspect + " " + verb_for(aspect) + " " +
                  (was ? *was : "none") + ", the pipeline's " + verb_for(aspect) + " " + (is ? *is : "none"));
  }
  return out;
}

Status check_compatible(const CheckpointMetadata& snapshot, const std::vector<OperatorSignature>& pipeline,
                        NonRestoredState non_restored_state, std::vector<std::string>* notes) {
  const std::string what = snapshot.savepoint ? "savepoint" : "checkpoint";
  std::map<std::string, const OperatorSignature*> by_name;
  for (const auto& op : pipeline) by_name.emplace(op.name, &op);

  std::vector<std::string> problems;
  std::vector<std::string> unchecked;
  for (const auto& old : snapshot.operators) {
    if (!old.has_state) continue;  // stateless operators may come and go
    const auto found = by_name.find(old.name);
    if (found == by_name.end()) {
      non_restored(old.name, what, "the " + what + " has state of operator '" + old.name +
                   "', which the pipeline does not have", "which the pipeline does not have",
                   non_restored_state, problems, notes);
      continue;
    }
    const OperatorSignature& now = *found->second;
    if (!now.has_state) {
      const std::string now_kind = now.kind == old.kind ? "" : " (it is a '" + now.kind + "' now)";
      non_restored(old.name, what, "operator '" + old.name + "' has state in the " + what +
                   " but keeps none in the pipeline" + now_kind, "which keeps none in the pipeline" + now_kind,
                   non_restored_state, problems, notes);
      continue;
    }
    compare_operator(old, now, what, problems, unchecked);
  }
  if (notes != nullptr && !unchecked.empty()) notes->push_back(unchecked_note(what, unchecked));
  if (problems.empty()) return Status::ok();
  std::string message = problems.front();
  for (size_t i = 1; i < problems.size(); ++i) message += "; " + problems[i];
  return Status::invalid(message);
}

}  // namespace eddy
