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
#include "runtime/split_assignment.h"
#include "runtime/task_snapshot.h"
#include "runtime/watermark_alignment.h"

namespace eddy {
namespace {

struct CoordinatorState {
  JobGraphPtr graph;
  int node = 0;
  std::string restore_dir;
  bool enumerated = false;
  SplitAssignment splits;  // split k of the list read by subtask k % parallelism
  // Restored splits that were being read, dealt to the subtasks (k % parallelism):
  // a subtask reads its share of them at the same time, each with its own watermark.
  std::map<int32_t, std::vector<Split>> resumed;
  std::vector<caf::actor> subtasks;
  // Sources whose splits are read together (Kafka): how, what they know, and
  // who already asked (later splits are sent to those; see SplitReading).
  std::unique_ptr<SplitEnumerator> enumerator;
  SplitReading reading;
  std::set<std::string> known;  // ids of every split dealt, read or restored
  std::set<int32_t> asked;
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

/// Splits read together go to their owner (SplitEnumerator::owner), not round robin.
SplitAssignment deal(CoordinatorState& st, const std::vector<Split>& splits) {
  const int32_t p = source_parallelism(st);
  for (const auto& s : splits) st.known.insert(s.id);
  if (!st.reading.together) return SplitAssignment(splits, p);
  SplitAssignment a(p);
  for (const auto& s : splits) a.add(s, st.enumerator->owner(s, p));
  return a;
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
  const int32_t parallelism = source_parallelism(st);
  for (size_t k = 0; k < resumed_all.size(); ++k) {
    st.known.insert(resumed_all[k].id);
    const int32_t to = st.reading.together ? st.enumerator->owner(resumed_all[k], parallelism)
                                           : static_cast<int32_t>(k % static_cast<size_t>(parallelism));
    st.resumed[to].push_back(std::move(resumed_all[k]));
  }
  auto it = meta.coordinator_states.find(node);
  if (it != meta.coordinator_states.end()) {
    EDDY_ASSIGN_OR_RETURN(auto rest, decode_splits(it->second));
    st.splits = deal(st, rest);
  } else {
    return Status::invalid("the snapshot in " + st.restore_dir + " has no read position of source '" +
                           node + "'");
  }
  st.enumerated = true;
  return Status::ok();
}

Status enumerate(CoordinatorState& st) {
  EDDY_ASSIGN_OR_RETURN(st.enumerator, make_split_enumerator(*st.graph, st.node));
  st.reading = st.enumerator->reading();
  if (!st.restore_dir.empty()) return restore(st);
  const LogicalNode& n = st.graph->nodes[static_cast<size_t>(st.node)];
  EDDY_ASSIGN_OR_RETURN(auto splits, st.enumerator->enumerate(n.parallelism));
  st.splits = deal(st, splits);
  st.enumerated = true;
  return Status::ok();
}

/// What subtask `subtask` reads now: its next split, or (read together) all it has.
SplitReply next_splits(CoordinatorState& st, int32_t subtask) {
  SplitReply reply;
  std::vector<Split> mine;
  auto resumed = st.resumed.find(subtask);
  if (resumed != st.resumed.end()) {
    mine = std::move(resumed->second);
    st.resumed.erase(resumed);
  }
  if (st.reading.together) {
    for (auto& s : st.splits.take_all(subtask)) mine.push_back(std::move(s));
    st.asked.insert(subtask);
  } else if (mine.empty()) {
    if (auto next = st.splits.next(subtask)) mine.push_back(std::move(*next));
  }
  if (!mine.empty()) {
    reply.has_split = true;
    reply.split = mine.front();
    reply.more.assign(mine.begin() + 1, mine.end());
  } else {
    reply.wait = st.reading.unbounded;
  }
  return reply;
}

/// New splits (partitions): to their owner at once when it is reading, else kept for its request.
void discover(caf::stateful_actor<CoordinatorState>* self) {
  auto& st = self->state;
  auto found = st.enumerator->discover(st.known);
  if (!found.ok()) {  // the cluster may be back next time; reading goes on meanwhile
    std::fprintf(stderr, "eddy: source '%s': looking for new partitions: %s\n", node_name(st).c_str(),
                 found.status().message().c_str());
  } else {
    const int32_t p = source_parallelism(st);
    for (Split& s : *found) {
      st.known.insert(s.id);
      const int32_t owner = st.enumerator->owner(s, p);
      if (st.asked.count(owner) && static_cast<size_t>(owner) < st.subtasks.size()) {
        SplitReply pushed;
        pushed.has_split = true;
        pushed.split = std::move(s);
        self->send(st.subtasks[static_cast<size_t>(owner)], split_atom::value, pushed);
      } else {
        st.splits.add(std::move(s), owner);
      }
    }
  }
  self->delayed_send(self, std::chrono::milliseconds(st.reading.discovery_interval_ms), discover_atom::value);
}

/// Enumerates on first need; starts discovery for sources that have it.
Status ensure_enumerated(caf::stateful_actor<CoordinatorState>* self) {
  auto& st = self->state;
  if (st.enumerated) return Status::ok();
  EDDY_RETURN_IF_ERROR(enumerate(st));
  if (st.reading.unbounded && st.reading.discovery_interval_ms > 0)
    self->delayed_send(self, std::chrono::milliseconds(st.reading.discovery_interval_ms), discover_atom::value);
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
        return next_splits(self->state, subtask);
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
        std::vector<Split> unassigned;
        for (const auto& [i, dealt] : st.resumed) unassigned.insert(unassigned.end(), dealt.begin(), dealt.end());
        const std::vector<Split> rest = st.splits.remaining();
        unassigned.insert(unassigned.end(), rest.begin(), rest.end());
        std::string bytes = encode_splits(unassigned);
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
