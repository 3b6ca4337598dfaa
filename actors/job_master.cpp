// Job master: deployment (slot sharing: subtask i of every chain goes to slot i),
// channel wiring, start, completion, failure and cancellation of one job.
#include "actors/job_master.h"

#include <chrono>
#include <map>

#include "actors/source_coordinator.h"
#include "runtime/channel_layout.h"

namespace eddy {
namespace {

constexpr auto kDeployTimeout = std::chrono::seconds(30);

struct JobMasterState {
  uint64_t job_id = 0;
  JobGraphPtr graph;
  JobSubmission submission;
  std::vector<SlotOffer> slots;
  caf::actor notify;
  caf::actor job_manager;
  std::vector<std::vector<caf::actor>> subtasks;  // [vertex][index]
  std::vector<std::vector<bool>> finished;
  std::map<std::pair<int32_t, int32_t>, std::vector<OperatorMetrics>> metrics;
  std::map<int, caf::actor> coordinators;  // by vertex
  size_t pending = 0;
  size_t running = 0;
  bool ended = false;
  std::chrono::steady_clock::time_point started = std::chrono::steady_clock::now();
  static const char* name;
};
const char* JobMasterState::name = "eddy.job_master";

using self_ptr = caf::stateful_actor<JobMasterState>*;

JobResult make_result(JobMasterState& st, std::string state, std::string message) {
  JobResult r;
  r.job_id = st.job_id;
  r.state = std::move(state);
  r.message = std::move(message);
  r.duration_us = std::chrono::duration_cast<std::chrono::microseconds>(
                      std::chrono::steady_clock::now() - st.started).count();
  std::vector<std::vector<OperatorMetrics>> parts;
  for (const auto& [key, m] : st.metrics) parts.push_back(m);
  // Present operators in pipeline order, with their parallelism.
  auto merged = merge_metrics(parts);
  for (const auto& node : st.graph->nodes) {
    OperatorMetrics row{node.name};
    for (const auto& m : merged)
      if (m.name == node.name) row = m;
    r.metrics.push_back(row);
    r.parallelism.push_back(node.parallelism);
  }
  return r;
}

void end_job(self_ptr self, std::string state, std::string message) {
  auto& st = self->state;
  if (st.ended) return;
  st.ended = true;
  for (auto& vertex : st.subtasks)
    for (auto& a : vertex)
      if (a) self->send_exit(a, caf::exit_reason::kill);
  for (auto& [v, c] : st.coordinators) self->send_exit(c, caf::exit_reason::kill);
  JobResult result = make_result(st, std::move(state), std::move(message));
  for (const auto& offer : st.slots) self->send(offer.task_manager, jobdone_atom::value, st.job_id);
  self->send(st.notify, jobdone_atom::value, result);
  if (st.job_manager != st.notify) self->send(st.job_manager, jobdone_atom::value, result);
  self->quit();
}

std::string subtask_label(const JobMasterState& st, int32_t vertex, int32_t index) {
  const JobVertex& v = st.graph->vertices[static_cast<size_t>(vertex)];
  return "'" + v.name + "' (subtask " + std::to_string(index + 1) + "/" +
         std::to_string(v.parallelism) + ")";
}

SubtaskWiring wiring_for(const JobMasterState& st, int v, int32_t i) {
  auto actor_of = [&](const ChannelPeer& p) {
    return st.subtasks[static_cast<size_t>(p.vertex)][static_cast<size_t>(p.subtask)];
  };
  SubtaskWiring w;
  for (const auto& edge : output_peers(*st.graph, v, i)) {
    std::vector<caf::actor> consumers;
    std::vector<int32_t> channels;
    for (const auto& peer : edge) {
      consumers.push_back(actor_of(peer));
      channels.push_back(peer.channel);
    }
    w.consumers.push_back(std::move(consumers));
    w.consumer_channels.push_back(std::move(channels));
  }
  for (const auto& peer : input_peers(*st.graph, v, i)) {
    w.producers.push_back(actor_of(peer));
    w.producer_edges.push_back(peer.edge_pos);
    w.producer_channels.push_back(peer.channel);
  }
  auto c = st.coordinators.find(v);
  if (c != st.coordinators.end()) w.coordinator = c->second;
  return w;
}

void start_all(self_ptr self) {
  for (auto& vertex : self->state.subtasks)
    for (auto& a : vertex) self->send(a, start_atom::value);
}

void wire_all(self_ptr self) {
  auto& st = self->state;
  for (const auto& v : st.graph->vertices)
    if (v.is_source())
      st.coordinators[v.id] = spawn_source_coordinator(self->system(), st.graph, v.nodes.front());
  st.pending = st.running;
  for (size_t v = 0; v < st.subtasks.size(); ++v) {
    for (size_t i = 0; i < st.subtasks[v].size(); ++i) {
      auto w = wiring_for(st, static_cast<int>(v), static_cast<int32_t>(i));
      self->request(st.subtasks[v][i], kDeployTimeout, wire_atom::value, std::move(w))
          .then(
              [=](bool ok) {
                if (!ok || self->state.ended) return;  // the subtask reports its own failure
                if (--self->state.pending == 0) start_all(self);
              },
              [=](caf::error& err) {
                end_job(self, "FAILED", "wiring " + subtask_label(self->state, static_cast<int32_t>(v),
                                                                  static_cast<int32_t>(i)) +
                                            " failed: " + self->system().render(err));
              });
    }
  }
}

void deploy_all(self_ptr self) {
  auto& st = self->state;
  std::vector<caf::actor> slot_owner;
  for (const auto& offer : st.slots)
    for (int32_t s = 0; s < offer.slots; ++s) slot_owner.push_back(offer.task_manager);
  const int32_t needed = st.graph->max_vertex_parallelism();
  if (static_cast<int32_t>(slot_owner.size()) < needed) {
    return end_job(self, "FAILED", "not enough task slots: the job needs " + std::to_string(needed) +
                                       " (its largest parallelism), the cluster offers " +
                                       std::to_string(slot_owner.size()) +
                                       "; add task managers or slots (--taskmanagers, --slots)");
  }
  const auto& vertices = st.graph->vertices;
  st.subtasks.resize(vertices.size());
  st.finished.resize(vertices.size());
  for (size_t v = 0; v < vertices.size(); ++v) {
    st.subtasks[v].resize(static_cast<size_t>(vertices[v].parallelism));
    st.finished[v].assign(static_cast<size_t>(vertices[v].parallelism), false);
    st.pending += static_cast<size_t>(vertices[v].parallelism);
  }
  st.running = st.pending;
  for (size_t v = 0; v < vertices.size(); ++v) {
    for (int32_t i = 0; i < vertices[v].parallelism; ++i) {
      TaskDeployment d{st.job_id, st.submission, static_cast<int32_t>(v), i,
                       caf::actor_cast<caf::actor>(self)};
      self->request(slot_owner[static_cast<size_t>(i)], kDeployTimeout, deploy_atom::value, d)
          .then(
              [=](const caf::actor& subtask) {
                auto& s = self->state;
                s.subtasks[v][static_cast<size_t>(i)] = subtask;
                self->monitor(subtask);
                if (--s.pending == 0) wire_all(self);
              },
              [=](caf::error& err) {
                end_job(self, "FAILED", "deploying " + subtask_label(self->state, static_cast<int32_t>(v), i) +
                                            " failed: " + self->system().render(err));
              });
    }
  }
}

caf::behavior job_master_actor(self_ptr self, uint64_t job_id, JobGraphPtr graph,
                               JobSubmission submission, std::vector<SlotOffer> slots,
                               caf::actor notify, caf::actor job_manager) {
  auto& st = self->state;
  st.job_id = job_id;
  st.graph = std::move(graph);
  st.submission = std::move(submission);
  st.slots = std::move(slots);
  st.notify = std::move(notify);
  st.job_manager = std::move(job_manager);
  self->set_down_handler([=](caf::down_msg& dm) {
    auto& s = self->state;
    if (s.ended) return;  // a subtask that quits unfinished, for whatever reason, fails the job
    for (size_t v = 0; v < s.subtasks.size(); ++v)
      for (size_t i = 0; i < s.subtasks[v].size(); ++i)
        if (s.subtasks[v][i] && s.subtasks[v][i].address() == dm.source && !s.finished[v][i])
          return end_job(self, "FAILED", subtask_label(s, static_cast<int32_t>(v), static_cast<int32_t>(i)) +
                                             " died: " + to_string(dm.reason));
  });
  self->set_exception_handler([=](std::exception_ptr& eptr) -> caf::error {
    std::string what = "unknown exception";
    try {
      if (eptr) std::rethrow_exception(eptr);
    } catch (const std::exception& e) {
      what = e.what();
    } catch (...) {
    }
    end_job(self, "FAILED", "the job master failed: " + what);
    return caf::exit_reason::unhandled_exception;
  });
  deploy_all(self);
  return {
      [=](report_atom, int32_t vertex, int32_t index, const std::vector<OperatorMetrics>& m) {
        self->state.metrics[{vertex, index}] = m;
      },
      [=](finished_atom, int32_t vertex, int32_t index, const std::vector<OperatorMetrics>& m) {
        auto& s = self->state;
        s.metrics[{vertex, index}] = m;
        if (s.finished[static_cast<size_t>(vertex)][static_cast<size_t>(index)]) return;
        s.finished[static_cast<size_t>(vertex)][static_cast<size_t>(index)] = true;
        if (--s.running == 0) end_job(self, "FINISHED", "");
      },
      [=](failed_atom, int32_t vertex, int32_t index, const std::string& message) {
        end_job(self, "FAILED", subtask_label(self->state, vertex, index) + " failed: " + message);
      },
      [=](cancel_atom) { end_job(self, "CANCELED", "canceled on request"); },
      [=](metrics_atom) -> JobResult { return make_result(self->state, "RUNNING", ""); },
  };
}

}  // namespace

caf::actor spawn_job_master(caf::actor_system& sys, uint64_t job_id, JobGraphPtr graph,
                            JobSubmission submission, std::vector<SlotOffer> slots,
                            caf::actor notify, caf::actor job_manager) {
  return sys.spawn(job_master_actor, job_id, std::move(graph), std::move(submission),
                   std::move(slots), std::move(notify), std::move(job_manager));
}

}  // namespace eddy
