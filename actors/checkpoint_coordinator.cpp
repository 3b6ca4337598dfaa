// Checkpoint coordinator: trigger, acks, metadata, completion, retention.
#include "actors/checkpoint_coordinator.h"

#include <chrono>
#include <cstdio>
#include <deque>
#include <filesystem>
#include <optional>

#include "checkpoint/checkpoint_interval.h"
#include "checkpoint/checkpoint_storage.h"
#include "runtime/task_runner.h"

namespace eddy {
namespace {

using Clock = std::chrono::steady_clock;
using SubtaskKey = std::pair<int32_t, int32_t>;

struct PendingCheckpoint {
  int64_t barrier = 0;  // checkpoint n as n, savepoint n as -n
  std::string dir;
  int64_t timestamp_ms = 0;
  Clock::time_point started;
  std::map<SubtaskKey, SubtaskSnapshot> acks;
  std::map<std::string, std::string> coordinator_states;
  size_t coordinators_pending = 0;
  std::vector<caf::response_promise> savepoint_replies;
};

struct CoordinatorState {
  CheckpointCoordinatorSetup setup;
  int64_t next_id = 1;
  bool periodic = false;
  std::optional<Clock::time_point> last_trigger;  // of a periodic checkpoint
  uint64_t tick = 0;               // the one scheduled tick that counts (savepoints schedule too)
  std::optional<PendingCheckpoint> pending;
  std::deque<caf::response_promise> savepoint_requests;  // waiting for the pending checkpoint
  static const char* name;
};
const char* CoordinatorState::name = "eddy.checkpoint_coordinator";

using self_ptr = caf::stateful_actor<CoordinatorState>*;

const CheckpointSpec& spec(self_ptr self) { return self->state.setup.graph->spec.checkpoints; }
const std::string& root(self_ptr self) { return spec(self).dir; }

size_t subtask_count(const CoordinatorState& st) {
  size_t n = 0;
  for (const auto& v : st.setup.subtasks) n += v.size();
  return n;
}

void schedule_tick(self_ptr self) {
  auto& st = self->state;
  if (!st.periodic) return;
  const auto wait = next_checkpoint_wait(st.last_trigger, Clock::now(), std::chrono::microseconds(spec(self).interval_us));
  self->delayed_send(self, wait, cktick_atom::value, ++st.tick);
}

void abort_pending(self_ptr self, const std::string& reason) {
  auto& st = self->state;
  if (!st.pending) return;
  PendingCheckpoint p = std::move(*st.pending);
  st.pending.reset();
  std::error_code ec;
  std::filesystem::remove_all(p.dir, ec);
  const int64_t id = barrier_id(p.barrier);
  for (auto& rp : p.savepoint_replies)
    rp.deliver(caf::make_error(caf::sec::runtime_error, "savepoint " + std::to_string(id) + " failed: " + reason));
  self->send(st.setup.job_master, ckfailed_atom::value, id, reason);
}

void trigger(self_ptr self, bool savepoint);

void after_checkpoint(self_ptr self) {
  auto& st = self->state;
  if (!st.savepoint_requests.empty()) return trigger(self, true);
  schedule_tick(self);
}

/// Writes the final state of a subtask that ended into this checkpoint.
Result<SubtaskSnapshot> final_state_snapshot(const CoordinatorState& st, const PendingCheckpoint& p,
                                             const SubtaskKey& key, const std::string& bytes) {
  const JobGraph& g = *st.setup.graph;
  const JobVertex& v = g.vertices[static_cast<size_t>(key.first)];
  SubtaskSnapshot s;
  s.vertex = v.name;
  for (int n : v.nodes) s.nodes.push_back(g.nodes[static_cast<size_t>(n)].name);
  s.subtask = key.second;
  s.parallelism = v.parallelism;
  const std::string name = "v" + std::to_string(key.first) + "-" + std::to_string(key.second) + ".state";
  EDDY_ASSIGN_OR_RETURN(s.state_file, CheckpointStorage::write_file(p.dir, name, bytes));
  s.full_bytes = s.incremental_bytes = s.state_file.size;
  return s;
}

void complete(self_ptr self) {
  auto& st = self->state;
  PendingCheckpoint p = std::move(*st.pending);
  st.pending.reset();
  const int64_t id = barrier_id(p.barrier);
  const bool savepoint = barrier_is_savepoint(p.barrier);
  CheckpointMetadata m;
  m.id = id;
  m.savepoint = savepoint;
  m.timestamp_ms = p.timestamp_ms;
  m.job_name = st.setup.graph->spec.name;
  m.max_parallelism = st.setup.graph->spec.max_parallelism;
  m.state_backend = savepoint ? "canonical" : st.setup.graph->spec.state_backend;
  m.operators = st.setup.operators;
  m.coordinator_states = std::move(p.coordinator_states);
  int64_t full = 0, incremental = 0, alignment = 0;
  for (size_t v = 0; v < st.setup.subtasks.size(); ++v) {
    for (size_t i = 0; i < st.setup.subtasks[v].size(); ++i) {
      const SubtaskKey key{static_cast<int32_t>(v), static_cast<int32_t>(i)};
      auto ack = p.acks.find(key);
      SubtaskSnapshot s;
      if (ack != p.acks.end()) {
        s = std::move(ack->second);
      } else {
        auto fin = final_state_snapshot(st, p, key, st.setup.final_states.at(key));
        if (!fin.ok()) {
          st.pending = std::move(p);
          return abort_pending(self, fin.status().message());
        }
        s = std::move(fin).value();
      }
      full += s.full_bytes;
      incremental += s.incremental_bytes;
      alignment = std::max(alignment, s.alignment_us);
      m.subtasks.push_back(std::move(s));
    }
  }
  Status written = CheckpointStorage::write_metadata(p.dir, m);
  if (!written.is_ok()) {
    st.pending = std::move(p);
    return abort_pending(self, written.message());
  }
  const int64_t duration_us =
      std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - p.started).count();
  self->send(st.setup.job_master, ckdone_atom::value, id, savepoint, p.dir, duration_us, full,
             incremental, alignment);
  // Commit notifications. For a savepoint the requester hears back only once
  // every sink committed, so a stop-with-savepoint leaves its output visible.
  auto replies = std::make_shared<std::vector<caf::response_promise>>(std::move(p.savepoint_replies));
  auto waiting = std::make_shared<size_t>(0);
  const std::string dir = p.dir;
  auto deliver = [replies, dir]() {
    for (auto& rp : *replies) rp.deliver(dir);
    replies->clear();
  };
  for (size_t v = 0; v < st.setup.subtasks.size(); ++v) {
    for (size_t i = 0; i < st.setup.subtasks[v].size(); ++i) {
      if (st.setup.final_states.count({static_cast<int32_t>(v), static_cast<int32_t>(i)})) continue;
      const caf::actor& a = st.setup.subtasks[v][i];
      if (replies->empty()) {  // nobody waits; the answer only says the sink committed
        self->request(a, std::chrono::seconds(60), ckdone_atom::value, id).then([](bool) {}, [](caf::error&) {});
        continue;
      }
      ++*waiting;
      self->request(a, std::chrono::seconds(60), ckdone_atom::value, id)
          .then([=](bool) { if (--*waiting == 0) deliver(); },
                [=](caf::error&) { if (--*waiting == 0) deliver(); });
    }
  }
  if (*waiting == 0) deliver();
  if (!savepoint && spec(self).retain > 0) {
    auto kept = CheckpointStorage(root(self), self->state.setup.first_id).retain(spec(self).retain);
    if (!kept.ok())
      std::fprintf(stderr, "eddy: cannot delete old checkpoints in %s: %s\n", root(self).c_str(),
                   kept.status().message().c_str());
  }
  after_checkpoint(self);
}

void check_complete(self_ptr self) {
  auto& st = self->state;
  if (!st.pending || st.pending->coordinators_pending > 0) return;
  for (size_t v = 0; v < st.setup.subtasks.size(); ++v)
    for (size_t i = 0; i < st.setup.subtasks[v].size(); ++i) {
      const SubtaskKey key{static_cast<int32_t>(v), static_cast<int32_t>(i)};
      if (!st.pending->acks.count(key) && !st.setup.final_states.count(key)) return;
    }
  complete(self);
}

void trigger(self_ptr self, bool savepoint) {
  auto& st = self->state;
  if (st.pending) return;
  if (st.setup.final_states.size() == subtask_count(st)) {  // every subtask ended
    for (auto& rp : st.savepoint_requests)
      rp.deliver(caf::make_error(caf::sec::runtime_error, "the job has finished; nothing to save"));
    st.savepoint_requests.clear();
    return;
  }
  const int64_t id = st.next_id++;
  PendingCheckpoint p;
  p.barrier = savepoint ? -id : id;
  p.dir = snapshot_dir_for(root(self), p.barrier);
  p.started = Clock::now();
  p.timestamp_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                       std::chrono::system_clock::now().time_since_epoch()).count();
  if (savepoint) {
    p.savepoint_replies.assign(st.savepoint_requests.begin(), st.savepoint_requests.end());
    st.savepoint_requests.clear();
  }
  std::error_code ec;
  std::filesystem::remove_all(p.dir, ec);
  std::filesystem::create_directories(p.dir, ec);
  if (ec) {
    st.pending = std::move(p);
    return abort_pending(self, "cannot create '" + st.pending->dir + "': " + ec.message());
  }
  p.coordinators_pending = st.setup.source_coordinators.size();
  st.pending = std::move(p);
  const int64_t barrier = st.pending->barrier;
  // Each source coordinator records its unassigned splits, then passes the
  // trigger to its subtasks: whatever split it handed out before is in a
  // subtask's state, whatever after is in its own.
  for (const auto& [v, coord] : st.setup.source_coordinators) {
    self->request(coord, std::chrono::microseconds(spec(self).timeout_us), trigger_atom::value, barrier)
        .then(
            [=](const std::string& node, const std::string& splits) {
              auto& s = self->state;
              if (!s.pending || s.pending->barrier != barrier) return;
              s.pending->coordinator_states[node] = splits;
              --s.pending->coordinators_pending;
              check_complete(self);
            },
            [=](caf::error& err) {
              if (self->state.pending && self->state.pending->barrier == barrier)
                abort_pending(self, "a source coordinator did not answer: " + self->system().render(err));
            });
  }
  self->delayed_send(self, std::chrono::microseconds(spec(self).timeout_us), cktimeout_atom::value, barrier);
  check_complete(self);
}

caf::behavior coordinator_actor(self_ptr self, CheckpointCoordinatorSetup setup) {
  self->state.next_id = setup.next_id;
  self->state.setup = std::move(setup);
  return {
      [=](start_atom) {
        auto& st = self->state;
        st.periodic = spec(self).enabled && spec(self).interval_us > 0;
        schedule_tick(self);
      },
      [=](cktick_atom, uint64_t tick) {
        if (self->state.pending || tick != self->state.tick) return;
        self->state.last_trigger = Clock::now();
        trigger(self, false);
      },
      [=](cktimeout_atom, int64_t barrier) {
        auto& st = self->state;
        if (!st.pending || st.pending->barrier != barrier) return;
        std::fprintf(stderr, "eddy: checkpoint %lld expired after %s before every subtask acknowledged it\n",
                     static_cast<long long>(barrier_id(barrier)),
                     std::to_string(spec(self).timeout_us / 1000000).append("s").c_str());
        abort_pending(self, "timed out");
        after_checkpoint(self);
      },
      [=](savepoint_atom) -> caf::result<std::string> {
        auto& st = self->state;
        if (root(self).empty())
          return caf::make_error(caf::sec::invalid_argument,
                                 "savepoints need a directory: set checkpoints.dir in the pipeline file");
        auto rp = self->make_response_promise<std::string>();
        st.savepoint_requests.push_back(rp);
        if (!st.pending) trigger(self, true);
        return rp;
      },
      [=](ack_atom, int64_t barrier, int32_t vertex, int32_t index, const SubtaskSnapshot& snap) {
        auto& st = self->state;
        if (!st.pending || st.pending->barrier != barrier) return;
        st.pending->acks[{vertex, index}] = snap;
        check_complete(self);
      },
      [=](decline_atom, int64_t barrier, int32_t vertex, int32_t index, const std::string& reason) {
        auto& st = self->state;
        if (!st.pending || st.pending->barrier != barrier) return;
        const JobVertex& v = st.setup.graph->vertices[static_cast<size_t>(vertex)];
        const std::string why = "'" + v.name + "' (subtask " + std::to_string(index + 1) + ") could not write its state: " + reason;
        std::fprintf(stderr, "eddy: checkpoint %lld failed: %s\n", static_cast<long long>(barrier_id(barrier)),
                     why.c_str());
        abort_pending(self, why);
        after_checkpoint(self);
      },
      [=](final_atom, int32_t vertex, int32_t index, const std::string& bytes) {
        self->state.setup.final_states[{vertex, index}] = bytes;
        check_complete(self);
      },
  };
}

}  // namespace

caf::actor spawn_checkpoint_coordinator(caf::actor_system& sys, CheckpointCoordinatorSetup setup) {
  return sys.spawn<caf::detached>(coordinator_actor, std::move(setup));  // writes files
}

}  // namespace eddy
