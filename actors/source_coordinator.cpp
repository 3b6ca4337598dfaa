// Source coordinator: lazy enumeration, then a subtask's next split per request
// (dealt round robin, runtime/split_assignment.h); checkpoints of the splits not
// handed out yet; watermark alignment of its source subtasks.
#include "actors/source_coordinator.h"

#include <cstdio>
#include <map>
#include <set>

#include "checkpoint/checkpoint_storage.h"
#include "checkpoint/checksum.h"
#include "checkpoint/durable_file.h"
#include "plan/operator_factory.h"
#include "plan/source_alignment.h"
#include "runtime/split_dealer.h"
#include "runtime/task_snapshot.h"
#include "runtime/watermark_alignment.h"

namespace eddy {
namespace {

struct CoordinatorState {
  JobGraphPtr graph;
  int node = 0;
  std::string restore_dir;
  bool enumerated = false;
  std::unique_ptr<SplitEnumerator> enumerator;  // kept for discovery (unbounded sources)
  SplitDealer dealer;  // who reads what (runtime/split_dealer.h)
  std::vector<caf::actor> subtasks;
  // Watermark alignment; none when the source does not align (source_alignment.h).
  std::unique_ptr<WatermarkAlignment> alignment;
  static const char* name;
};
const char* CoordinatorState::name = "eddy.source_coordinator";

const std::string& node_name(const CoordinatorState& st) {
  return st.graph->nodes[static_cast<size_t>(st.node)].name;
}

int32_t source_parallelism(const CoordinatorState& st) {
  return std::max(1, st.graph->nodes[static_cast<size_t>(st.node)].parallelism);
}

/// The splits of a restored job: every subtask's unfinished split first, then
/// those not handed out at the checkpoint.
Status restore(CoordinatorState& st) {
  EDDY_ASSIGN_OR_RETURN(CheckpointMetadata meta, CheckpointStorage::read_metadata(st.restore_dir));
  const std::string& node = node_name(st);
  std::vector<Split> resumed_all;
  for (const SubtaskSnapshot& s : meta.subtasks) {
    if (s.nodes.empty() || s.nodes.front() != node) continue;
    const std::string path = st.restore_dir + "/" + s.state_file.path;
    EDDY_ASSIGN_OR_RETURN(std::string bytes, read_whole_file(path));
    if (crc32_of(bytes) != s.state_file.crc)
      return Status::parse_error(path + ": checksum does not match the checkpoint's metadata");
    EDDY_ASSIGN_OR_RETURN(TaskSnapshot t, decode_task_snapshot(bytes));
    for (auto& split : t.source_splits) resumed_all.push_back(std::move(split));
  }
  auto it = meta.coordinator_states.find(node);
  if (it != meta.coordinator_states.end()) {
    EDDY_ASSIGN_OR_RETURN(auto rest, decode_splits(it->second));
    st.dealer.restore(std::move(resumed_all), rest);
  } else {
    return Status::invalid("the snapshot in " + st.restore_dir + " has no read position of source '" +
                           node + "'");
  }
  st.enumerated = true;
  return Status::ok();
}

Status enumerate(CoordinatorState& st) {
  EDDY_ASSIGN_OR_RETURN(st.enumerator, make_split_enumerator(*st.graph, st.node));
  SplitEnumerator* e = st.enumerator.get();
  st.dealer = SplitDealer(e->reading(), source_parallelism(st),
                          [e](const Split& s, int32_t p) { return e->owner(s, p); });
  if (!st.restore_dir.empty()) return restore(st);
  const LogicalNode& n = st.graph->nodes[static_cast<size_t>(st.node)];
  EDDY_ASSIGN_OR_RETURN(auto splits, st.enumerator->enumerate(n.parallelism));
  st.dealer.start(splits);
  st.enumerated = true;
  return Status::ok();
}

/// New splits (partitions): sent at once to an owner that reads already.
void discover(caf::stateful_actor<CoordinatorState>* self) {
  auto& st = self->state;
  auto found = st.enumerator->discover(st.dealer.known());
  if (!found.ok()) {  // the cluster may be back next time; reading goes on meanwhile
    std::fprintf(stderr, "eddy: source '%s': looking for new partitions: %s\n", node_name(st).c_str(),
                 found.status().message().c_str());
  } else {
    for (auto& [owner, split] : st.dealer.discovered(std::move(*found))) {
      if (static_cast<size_t>(owner) >= st.subtasks.size()) continue;
      SplitReply pushed;
      pushed.has_split = true;
      pushed.split = std::move(split);
      self->send(st.subtasks[static_cast<size_t>(owner)], split_atom::value, pushed);
    }
  }
  self->delayed_send(self, std::chrono::milliseconds(st.dealer.reading().discovery_interval_ms), discover_atom::value);
}

/// Enumerates on first need; starts discovery for sources that have it.
Status ensure_enumerated(caf::stateful_actor<CoordinatorState>* self) {
  auto& st = self->state;
  if (st.enumerated) return Status::ok();
  EDDY_RETURN_IF_ERROR(enumerate(st));
  const SplitReading& r = st.dealer.reading();
  if (r.unbounded && r.discovery_interval_ms > 0)
    self->delayed_send(self, std::chrono::milliseconds(r.discovery_interval_ms), discover_atom::value);
  return Status::ok();
}

caf::behavior coordinator_actor(caf::stateful_actor<CoordinatorState>* self, JobGraphPtr graph,
                                int node, std::string restore_dir) {
  self->state.graph = std::move(graph);
  self->state.node = node;
  self->state.restore_dir = std::move(restore_dir);
  const LogicalNode& source = self->state.graph->nodes[static_cast<size_t>(node)];
  if (const int64_t drift = source_alignment_drift_ms(*self->state.graph, node); drift > 0)
    self->state.alignment = std::make_unique<WatermarkAlignment>(source.parallelism, drift);
  return {
      [=](split_atom, int32_t subtask) -> caf::result<SplitReply> {
        Status s = ensure_enumerated(self);
        if (!s.is_ok()) {
          SplitReply failed;
          failed.error = s.message();
          return failed;
        }
        SplitDealer::Grant g = self->state.dealer.request(subtask);
        SplitReply reply;
        reply.wait = g.wait;
        if (!g.splits.empty()) {
          reply.has_split = true;
          reply.split = g.splits.front();
          reply.more.assign(g.splits.begin() + 1, g.splits.end());
        }
        return reply;
      },
      [=](discover_atom) { discover(self); },
      [=](sources_atom, const std::vector<caf::actor>& subtasks) { self->state.subtasks = subtasks; },
      [=](align_atom, int32_t subtask, int64_t watermark, bool active, bool held) {
        auto& st = self->state;
        if (!st.alignment) return;
        // Everyone hears a new limit (a subtask must know when to stop); a
        // held one hears the current one, which may already release it.
        if (st.alignment->report(subtask, watermark, active)) {
          for (const auto& a : st.subtasks) self->send(a, align_atom::value, st.alignment->limit());
        } else if (held && subtask >= 0 && static_cast<size_t>(subtask) < st.subtasks.size()) {
          self->send(st.subtasks[static_cast<size_t>(subtask)], align_atom::value, st.alignment->limit());
        }
      },
      [=](trigger_atom, int64_t barrier) -> caf::result<std::string, std::string> {
        auto& st = self->state;
        if (Status s = ensure_enumerated(self); !s.is_ok())
          return caf::make_error(caf::sec::runtime_error, s.message());
        // Dealt restored splits not yet asked for are unassigned too.
        std::string bytes = encode_splits(st.dealer.unassigned());
        // After the snapshot, in this actor's order: a split handed out before
        // it reached its subtask before this trigger does.
        for (const auto& a : st.subtasks) self->send(a, trigger_atom::value, barrier);
        return caf::result<std::string, std::string>(node_name(st), std::move(bytes));
      },
  };
}

}  // namespace

caf::actor spawn_source_coordinator(caf::actor_system& sys, JobGraphPtr graph, int source_node,
                                    std::string restore_dir) {
  return sys.spawn<caf::detached>(coordinator_actor, std::move(graph), source_node,
                                  std::move(restore_dir));
}

}  // namespace eddy
