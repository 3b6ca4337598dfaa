// Job master: deployment (slot sharing: subtask i of every chain goes to slot i),
// channel wiring, start, checkpoints, failover (restart from the last completed
// checkpoint as the job's RestartBackoff decides), completion and cancellation
// of one job.
#include "actors/job_master.h"

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstdio>
#include <deque>
#include <filesystem>
#include <map>
#include <optional>

#include "actors/checkpoint_coordinator.h"
#include "actors/job_manager.h"
#include "actors/rest_gather.h"
#include "monitor/vertex_id.h"
#include "actors/source_coordinator.h"
#include "checkpoint/checkpoint_storage.h"
#include "core/time_util.h"
#include "plan/operator_signatures.h"
#include "runtime/channel_layout.h"
#include "monitor/health_json.h"
#include "monitor/job_monitor.h"
#include "runtime/metric_history.h"
#include "runtime/restart_backoff.h"
#include "runtime/restore_check.h"

namespace eddy {
namespace {

constexpr auto kDeployTimeout = std::chrono::seconds(30);
// How long a failed job waits for its live subtasks' counters before it reports.
constexpr auto kFinalMetricsTimeout = std::chrono::seconds(1);
// How long REST's stacks and sample requests wait for the task managers.
constexpr auto kStacksTimeout = std::chrono::seconds(10);
constexpr auto kSampleTimeout = std::chrono::seconds(3);
// The answer to a savepoint request that came too late (the client looks for
// "before the savepoint was taken": the job has ended, jobdone follows).
constexpr const char* kFinishedFirst = "the job finished (its output is complete) before the savepoint was taken";

struct JobMasterState {
  uint64_t job_id = 0;
  JobGraphPtr graph;
  JobSubmission submission;
  caf::actor notify;
  caf::actor job_manager;
  // The current attempt; a restart replaces all of it.
  int32_t attempt = 0;
  std::string restore_path;                      // what this attempt restored
  std::vector<caf::actor> owners;                 // the task manager of slot i (subtask i of every vertex)
  std::vector<std::string> owner_names;           // "'tm1' at 10.0.0.7", per slot
  std::vector<caf::actor> used_task_managers;     // of every attempt: told when the job ends
  std::string phase = "CREATED";                  // CREATED | RUNNING | RESTARTING (REST API)
  bool waiting_for_slots = false;
  std::chrono::steady_clock::time_point waiting_since;  // of the current wait for slots
  std::string note;  // what GET /jobs/{id} says while the job runs: why it waits, its last failure
  std::unique_ptr<RestartBackoff> backoff;
  std::vector<std::vector<caf::actor>> subtasks;  // [vertex][index]
  std::vector<std::vector<bool>> finished;
  std::map<std::pair<int32_t, int32_t>, std::vector<OperatorMetrics>> metrics;
  std::map<int, caf::actor> coordinators;  // by vertex
  caf::actor checkpointer;
  // Savepoint requests waiting for the checkpointer, by ticket. Answered when
  // it answers, or with an error when the attempt or the job ends first (the
  // checkpointer is killed then, and a dropped promise would never answer).
  std::map<uint64_t, caf::response_promise> savepoints;
  uint64_t next_savepoint = 0;
  // Every subtask finished while a savepoint was under way: the job ends
  // FINISHED once the coordinator answered (see finish_after_savepoint).
  bool all_finished = false;
  size_t pending = 0;
  size_t running = 0;
  bool restarting = false;
  bool failing = false;  // the job fails once its live subtasks reported their counters
  bool ended = false;
  CheckpointStats stats;
  std::chrono::steady_clock::time_point started = std::chrono::steady_clock::now();
  // For the REST API (monitor/job_view.h): when it started, its last checkpoints and failures.
  int64_t started_ms = 0;  // wall clock
  std::deque<CheckpointRecord> checkpoint_log;
  std::deque<FailureRecord> failure_log;
  bool failures_dropped = false;
  // Metrics (docs/monitoring.md): five minutes of samples and job values; the
  // copy handed to readers (history_atom), made at most once per interval.
  MetricHistory history;
  // Diagnosis, rules and events (monitor/job_monitor.h), fed every interval; null without metrics.
  std::unique_ptr<JobMonitor> monitor;
  int32_t task_managers = -1;  // registered, as the job manager last answered (-1: not yet)
  MetricHistoryPtr history_copy;
  int64_t history_copied_ms = 0;
  // Per vertex, for the summary: pool usage summed over every sample, and how many.
  std::map<int32_t, VertexLoad> pool_sums;
  std::map<int32_t, int64_t> pool_samples;
  static const char* name;
};
const char* JobMasterState::name = "eddy.job_master";

using self_ptr = caf::stateful_actor<JobMasterState>*;

int64_t wall_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch()).count();
}

/// A subtask's sample: into the history, the summary's pool averages and the
/// counters the progress line and the summary show.
void on_sample(JobMasterState& st, SubtaskSample sample) {
  st.metrics[{sample.vertex, sample.subtask}] = sample.operators;
  VertexLoad& sum = st.pool_sums[sample.vertex];
  sum.in_pool = std::max(sum.in_pool, 0.0) + sample.in_pool_usage;
  sum.out_pool = std::max(sum.out_pool, 0.0) + sample.out_pool_usage;
  ++st.pool_samples[sample.vertex];
  st.history.add(std::move(sample));
}

/// Per summary row (graph node), its vertex's load: the time split of its
/// subtasks' latest samples (their whole attempt), pool usage averaged over
/// every sample of the run.
std::vector<VertexLoad> vertex_loads(const JobMasterState& st) {
  std::vector<VertexLoad> by_vertex(st.graph->vertices.size());
  for (size_t v = 0; v < by_vertex.size(); ++v) {
    const auto vid = static_cast<int32_t>(v);
    int64_t busy = 0, bp = 0, all = 0;
    for (int32_t i = 0; i < st.history.subtasks(vid); ++i) {
      if (const SubtaskSample* s = st.history.latest(vid, i)) {
        busy += s->busy_ns;
        bp += s->backpressured_ns;
        all += s->busy_ns + s->backpressured_ns + s->idle_ns;
      }
    }
    VertexLoad& l = by_vertex[v];
    if (all > 0) {
      l.busy = static_cast<double>(busy) / static_cast<double>(all);
      l.backpressured = static_cast<double>(bp) / static_cast<double>(all);
    }
    auto n = st.pool_samples.find(vid);
    if (n != st.pool_samples.end() && n->second > 0) {
      const VertexLoad& sum = st.pool_sums.at(vid);
      l.in_pool = sum.in_pool / static_cast<double>(n->second);
      l.out_pool = sum.out_pool / static_cast<double>(n->second);
    }
  }
  std::vector<VertexLoad> rows;
  for (const auto& node : st.graph->nodes) rows.push_back(by_vertex[static_cast<size_t>(node.vertex)]);
  return rows;
}

/// The job-level metrics of docs/monitoring.md, as of now.
void add_job_metrics(JobMasterState& st) {
  const CheckpointStats& c = st.stats;
  const int64_t uptime_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                                std::chrono::steady_clock::now() - st.started).count();
  st.history.add_job(wall_ms(), {{"lastCheckpointDuration", static_cast<double>(c.last_duration_us / 1000)},
                                 {"lastCheckpointSize", static_cast<double>(c.last_incremental_bytes)},
                                 {"lastCheckpointFullSize", static_cast<double>(c.last_full_bytes)},
                                 {"numberOfCompletedCheckpoints", static_cast<double>(c.completed)},
                                 {"numberOfFailedCheckpoints", static_cast<double>(c.failed)},
                                 {"totalNumberOfCheckpoints", static_cast<double>(c.completed + c.failed)},
                                 {"numRestarts", static_cast<double>(c.restarts)},
                                 {"uptime", static_cast<double>(uptime_ms)}});
}

/// The history for readers: a copy, renewed at most once per interval.
MetricHistoryPtr history_for_readers(JobMasterState& st) {
  const int64_t now = wall_ms();
  const int64_t interval_ms = std::max<int64_t>(st.graph->spec.metrics_interval_us / 1000, 1);
  if (!st.history_copy || now - st.history_copied_ms >= interval_ms) {
    st.history_copy = std::make_shared<const MetricHistory>(st.history);
    st.history_copied_ms = now;
  }
  return st.history_copy;
}

JobResult make_result(JobMasterState& st, std::string state, std::string message) {
  JobResult r;
  r.job_id = st.job_id;
  r.name = st.graph->spec.name;
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
  r.checkpoints = st.stats;
  r.load = vertex_loads(st);
  return r;
}

/// Answers every waiting savepoint request with `why` it was not taken.
void drop_savepoints(self_ptr self, const std::string& why) {
  auto waiting = std::move(self->state.savepoints);
  self->state.savepoints.clear();
  for (auto& [ticket, rp] : waiting) rp.deliver(caf::make_error(caf::sec::runtime_error, why));
}

/// Stops every actor of the current attempt.
void stop_attempt(self_ptr self) {
  auto& st = self->state;
  for (auto& vertex : st.subtasks)
    for (auto& a : vertex)
      if (a) self->send_exit(a, caf::exit_reason::kill);
  for (auto& [v, c] : st.coordinators) self->send_exit(c, caf::exit_reason::kill);
  if (st.checkpointer) self->send_exit(st.checkpointer, caf::exit_reason::kill);
  st.subtasks.clear();
  st.finished.clear();
  st.coordinators.clear();
  st.checkpointer = nullptr;
  st.pending = st.running = 0;
  st.all_finished = false;
  if (!st.owners.empty()) self->send(st.job_manager, release_atom::value, st.job_id);
  st.owners.clear();
  st.owner_names.clear();
}

/// Tells the job manager (and so the REST API) what the job is doing.
void set_phase(self_ptr self, const std::string& phase) {
  auto& st = self->state;
  if (st.phase == phase) return;
  st.phase = phase;
  self->send(st.job_manager, jobstate_atom::value, st.job_id, phase);
}

/// What REST shows of the job now (monitor/job_view.h).
JobViewPtr make_view(JobMasterState& st, const std::string& state, const std::string& message) {
  auto v = std::make_shared<JobView>();
  v->job_id = st.job_id;
  v->id_text = format_job_id(st.job_id);
  v->name = st.graph->spec.name;
  v->state = state;
  v->message = message;
  v->start_ms = st.started_ms;
  v->now_ms = wall_ms();
  if (st.ended) v->end_ms = v->now_ms;
  v->graph = st.graph;
  v->history = history_for_readers(st);
  v->metrics_interval_ms = st.graph->spec.metrics_interval_us / 1000;
  v->attempt = st.attempt;
  for (size_t i = 0; i < st.owners.size(); ++i)
    v->slots.push_back({to_string(st.owners[i].node()) + "/" + std::to_string(st.owners[i].id()),
                        i < st.owner_names.size() ? st.owner_names[i] : "", ""});
  for (size_t vx = 0; vx < st.graph->vertices.size(); ++vx) {
    std::vector<std::string> states(static_cast<size_t>(st.graph->vertices[vx].parallelism), state);
    for (size_t i = 0; i < states.size() && vx < st.finished.size(); ++i)
      states[i] = st.finished[vx][i] ? "FINISHED" : state == "RUNNING" && st.pending > 0 ? "DEPLOYING" : state;
    v->subtask_states.push_back(std::move(states));
  }
  const JobResult r = make_result(st, state, message);
  v->operators = r.metrics;
  v->counts = {st.stats.completed, st.stats.failed, 0, st.stats.last_duration_us / 1000, st.stats.last_full_bytes,
               st.stats.last_incremental_bytes, st.stats.restored_from};
  v->restarts = st.stats.restarts;
  v->checkpoints.assign(st.checkpoint_log.begin(), st.checkpoint_log.end());
  v->failures.assign(st.failure_log.begin(), st.failure_log.end());
  v->failures_truncated = st.failures_dropped;
  return v;
}

/// Keeps a completed or failed checkpoint for GET /jobs/{id}/checkpoints.
void log_checkpoint(JobMasterState& st, CheckpointRecord record) {
  st.checkpoint_log.push_back(std::move(record));
  if (st.checkpoint_log.size() > kCheckpointsKept) st.checkpoint_log.pop_front();
}

/// The task managers running subtasks of `vertex`, each once.
std::vector<caf::actor> vertex_owners(const JobMasterState& st, int32_t vertex) {
  std::vector<caf::actor> out;
  if (vertex < 0 || static_cast<size_t>(vertex) >= st.graph->vertices.size()) return out;
  const int32_t n = st.graph->vertices[static_cast<size_t>(vertex)].parallelism;
  for (int32_t i = 0; i < n && static_cast<size_t>(i) < st.owners.size(); ++i)
    if (std::find(out.begin(), out.end(), st.owners[static_cast<size_t>(i)]) == out.end())
      out.push_back(st.owners[static_cast<size_t>(i)]);
  return out;
}

/// Keeps `failure` for GET /jobs/{id}/exceptions.
void log_failure(JobMasterState& st, const TaskFailure& failure) {
  st.failure_log.push_back({wall_ms(), std::string(failure_kind_name(failure.kind)) + " failure",
                            failure.describe(), failure.operator_name, ""});
  if (st.failure_log.size() > kFailuresKept) {
    st.failure_log.pop_front();
    st.failures_dropped = true;
  }
}

/// The job ended: its open events resolve; their webhooks get a bounded wait.
void monitor_finish(JobMasterState& st, const std::string& state) {
  std::string why = "the job ended " + state;
  for (auto& c : why) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  st.monitor->finish(wall_ms(), why, 2000);
}

/// One interval of the monitor; the savepoints its rules ask for go through
/// the same request a client makes.
void monitor_tick(self_ptr self) {
  auto& st = self->state;
  const int savepoints = st.monitor->tick(wall_ms(), st.history, ClusterFacts{st.task_managers});
  // The count for the next interval (JOB_MANAGER_NUM_TASK_MANAGERS_DECREASE).
  self->request(st.job_manager, std::chrono::seconds(5), tms_atom::value)
      .then([=](const std::vector<TaskManagerInfo>& tms) { self->state.task_managers = static_cast<int32_t>(tms.size()); },
            [](caf::error&) {});  // unknown stays unknown
  const std::string job = st.graph->spec.name;
  for (int i = 0; i < savepoints; ++i)
    self->request(caf::actor_cast<caf::actor>(self), caf::infinite, savepoint_atom::value, false)
        .then([=](const std::string& path) {
                std::fprintf(stderr, "eddy: job '%s': the monitor's savepoint is at %s\n", job.c_str(), path.c_str());
              },
              [=](caf::error& err) {
                std::fprintf(stderr, "eddy: job '%s': the monitor's savepoint failed: %s\n", job.c_str(),
                             self->system().render(err).c_str());
              });
}

void end_job(self_ptr self, std::string state, std::string message) {
  auto& st = self->state;
  if (st.ended) return;
  st.ended = true;
  drop_savepoints(self, state == "FINISHED" ? kFinishedFirst
                       : "the job " + std::string(state == "FAILED" ? "failed" : "was canceled") +
                             " before the savepoint was taken");
  self->send(st.job_manager, view_atom::value, st.job_id, make_view(st, state, message));
  stop_attempt(self);
  if (st.monitor) monitor_finish(st, state);
  JobResult result = make_result(st, std::move(state), std::move(message));
  if (st.monitor && st.monitor->health()->timestamp_ms > 0)  // it diagnosed at least once
    result.health = health_summary_line(*st.monitor->health());
  for (const auto& tm : st.used_task_managers) self->send(tm, jobdone_atom::value, st.job_id);
  self->send(st.notify, jobdone_atom::value, result);
  if (st.job_manager != st.notify) self->send(st.job_manager, jobdone_atom::value, result);
  self->quit();
}

/// A savepoint request got its answer after every subtask finished: the job
/// ends, FINISHED unless a stop with a savepoint took one.
void finish_after_savepoint(self_ptr self) {
  if (self->state.all_finished && self->state.savepoints.empty() && !self->state.ended)
    end_job(self, "FINISHED", "");
}

std::string subtask_label(const JobMasterState& st, int32_t vertex, int32_t index) {
  const JobVertex& v = st.graph->vertices[static_cast<size_t>(vertex)];
  return "'" + v.name + "' (subtask " + std::to_string(index + 1) + " of " +
         std::to_string(v.parallelism) + ")";
}

/// True when the message being handled comes from the current attempt's subtask (v, i).
bool from_current(self_ptr self, int32_t v, int32_t i) {
  auto& st = self->state;
  if (v < 0 || static_cast<size_t>(v) >= st.subtasks.size() || i < 0 ||
      static_cast<size_t>(i) >= st.subtasks[static_cast<size_t>(v)].size())
    return false;
  const caf::actor& a = st.subtasks[static_cast<size_t>(v)][static_cast<size_t>(i)];
  return a && self->current_sender() == caf::actor_cast<caf::strong_actor_ptr>(a);
}

void deploy_all(self_ptr self);

int64_t steady_now_us() {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::steady_clock::now().time_since_epoch()).count();
}

/// Fails the job, once the live subtasks of the attempt reported their
/// counters (within kFinalMetricsTimeout): the summary shows them as they
/// were at the failure, not as last reported.
void fail_job(self_ptr self, std::string message) {
  auto& st = self->state;
  if (st.ended || st.failing) return;
  st.failing = true;
  auto pending = std::make_shared<size_t>(1);
  auto done = [=] {
    if (--*pending == 0) end_job(self, "FAILED", message);
  };
  for (size_t v = 0; v < st.subtasks.size(); ++v)
    for (size_t i = 0; i < st.subtasks[v].size(); ++i) {
      if (!st.subtasks[v][i] || st.finished[v][i]) continue;
      ++*pending;
      const std::pair<int32_t, int32_t> key{static_cast<int32_t>(v), static_cast<int32_t>(i)};
      self->request(st.subtasks[v][i], kFinalMetricsTimeout, metrics_atom::value)
          .then(
              [=](const std::vector<OperatorMetrics>& m) {
                self->state.metrics[key] = m;
                done();
              },
              [=](caf::error&) { done(); });
    }
  done();
}

/// A failure of the job: restart from the last completed checkpoint when the
/// restart strategy and the failure allow it, else fail the job.
void on_failure(self_ptr self, const TaskFailure& failure) {
  auto& st = self->state;
  if (st.ended || st.restarting || st.failing) return;
  log_failure(st, failure);
  const auto decision = st.backoff->on_failure(failure, steady_now_us());
  const std::string what = failure.describe();
  if (!decision.restart) return fail_job(self, decision.why_not.empty() ? what : what + " (" + decision.why_not + ")");
  st.stats.restarts = st.backoff->restarts();
  st.restarting = true;
  st.waiting_for_slots = false;
  set_phase(self, "RESTARTING");
  drop_savepoints(self, "the savepoint was abandoned: the job restarts after " + what);
  stop_attempt(self);
  st.note = "restart " + std::to_string(st.stats.restarts) + " after: " + what;
  std::fprintf(stderr, "eddy: job '%s': %s; restart %d (%s) in %s\n", st.graph->spec.name.c_str(), what.c_str(),
               st.stats.restarts, restart_strategy_name(st.backoff->spec().strategy),
               format_duration_us(decision.delay_us).c_str());
  self->delayed_send(self, std::chrono::microseconds(decision.delay_us), restart_atom::value);
}

/// The checkpoint a restart continues from: this run's newest that verifies
/// (with a message for each one that does not), else what the job started
/// from. An error when the run completed checkpoints and none verifies: its
/// sinks committed output up to them, and starting over would write it again.
Result<std::string> restore_point(self_ptr self) {
  auto& st = self->state;
  const std::string& root = st.graph->spec.checkpoints.dir;
  if (root.empty()) return st.submission.restore_path;
  CheckpointStorage storage(root, st.submission.first_checkpoint_id);
  std::vector<std::string> warnings;
  auto latest = storage.latest(warnings);
  for (const auto& w : warnings) std::fprintf(stderr, "eddy: %s\n", w.c_str());
  if (!latest.ok()) return latest.status();
  if (*latest) return (*latest)->first;
  if (!storage.completed_ids().empty())
    return Status::io_error("no checkpoint of this run in " + root + " verifies (see the lines above), and starting "
                            "over would write committed output again; nothing was deleted");
  return st.submission.restore_path;
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
  w.checkpointer = st.checkpointer;
  return w;
}

void start_all(self_ptr self) {
  auto& st = self->state;
  for (const auto& [v, coord] : st.coordinators)
    self->send(coord, sources_atom::value, st.subtasks[static_cast<size_t>(v)]);
  for (auto& vertex : st.subtasks)
    for (auto& a : vertex) self->send(a, start_atom::value);
  if (st.checkpointer) self->send(st.checkpointer, start_atom::value);
  set_phase(self, "RUNNING");
}

void wire_all(self_ptr self) {
  auto& st = self->state;
  for (const auto& v : st.graph->vertices) {
    if (!v.is_source()) continue;
    auto coord = spawn_source_coordinator(self->system(), st.graph, v.nodes.front(), st.restore_path);
    self->monitor(coord);
    st.coordinators[v.id] = coord;
  }
  const std::string& root = st.graph->spec.checkpoints.dir;
  if (!root.empty()) {
    CheckpointCoordinatorSetup setup;
    setup.graph = st.graph;
    setup.job_master = caf::actor_cast<caf::actor>(self);
    setup.next_id = CheckpointStorage::next_id(root);
    setup.first_id = st.submission.first_checkpoint_id;
    setup.subtasks = st.subtasks;
    for (const auto& [v, c] : st.coordinators) setup.source_coordinators[v] = c;
    setup.operators = checkpoint_signatures(*st.graph);  // with state layouts
    st.checkpointer = spawn_checkpoint_coordinator(self->system(), std::move(setup));
    self->monitor(st.checkpointer);
  }
  st.pending = st.running;
  const int32_t attempt = st.attempt;
  for (size_t v = 0; v < st.subtasks.size(); ++v) {
    for (size_t i = 0; i < st.subtasks[v].size(); ++i) {
      auto w = wiring_for(st, static_cast<int>(v), static_cast<int32_t>(i));
      self->request(st.subtasks[v][i], kDeployTimeout, wire_atom::value, std::move(w))
          .then(
              [=](bool ok) {
                auto& s = self->state;
                if (!ok || s.ended || s.attempt != attempt || s.restarting) return;  // failures report themselves
                if (--s.pending == 0) start_all(self);
              },
              [=](caf::error& err) {
                if (self->state.attempt != attempt) return;
                on_failure(self, lost_failure("wiring " + subtask_label(self->state, static_cast<int32_t>(v),
                                                                        static_cast<int32_t>(i)) +
                                                  " failed: " + error_text(self->system(), err)));
              });
    }
  }
}

int64_t fault_for(const JobMasterState& st, int32_t vertex, int32_t index) {
  const JobVertex& v = st.graph->vertices[static_cast<size_t>(vertex)];
  for (const auto& f : st.submission.faults) {
    if (f.subtask != index || f.attempt != st.attempt) continue;
    for (int n : v.nodes)
      if (st.graph->nodes[static_cast<size_t>(n)].name == f.node) return f.records;
  }
  return -1;
}

void deploy_on(self_ptr self, std::vector<caf::actor> owners, std::vector<std::string> names);

/// The job manager has too few free slots (`why` says how many the job needs
/// and the cluster has). Locally the job fails; in a cluster it waits, asking
/// every second, and after slot_request_timeout the wait counts as a failure
/// (restarted under the job's strategy, as Flink's slot.request.timeout).
void wait_for_slots(self_ptr self, const std::string& why) {
  auto& st = self->state;
  const std::string& name = st.graph->spec.name;
  if (!st.submission.wait_for_slots)
    return end_job(self, "FAILED", why + "; add task managers or slots (--taskmanagers, --slots)");
  const auto now = std::chrono::steady_clock::now();
  if (!st.waiting_for_slots) st.waiting_since = now;
  st.waiting_for_slots = true;
  const int64_t waited_us = std::chrono::duration_cast<std::chrono::microseconds>(now - st.waiting_since).count();
  const int64_t limit_us = st.submission.slot_request_timeout_us;
  if (limit_us > 0 && waited_us >= limit_us) {
    st.waiting_for_slots = false;
    TaskFailure f;
    f.kind = FailureKind::kSlots;
    f.message = "no task slots within " + duration_setting_text(limit_us) + " (slot.request_timeout of the job manager): " + why;
    return on_failure(self, f);
  }
  const std::string note = "waiting for task slots: " + why;
  if (note != st.note)
    std::fprintf(stderr, "eddy: job '%s' (%s) is %s; after %s without them the wait counts as a failure (slot.request_timeout)\n", name.c_str(),
                 format_job_id(st.job_id).c_str(), note.c_str(), duration_setting_text(limit_us).c_str());
  st.note = note;
  self->delayed_send(self, std::chrono::seconds(1), retry_atom::value, st.attempt);
}

/// Asks the job manager for slots; in cluster mode waits for them when there are too few.
void deploy_all(self_ptr self) {
  auto& st = self->state;
  const int32_t needed = st.graph->max_vertex_parallelism();
  const int32_t attempt = st.attempt;
  self->request(st.job_manager, kDeployTimeout, allocate_atom::value, st.job_id, needed)
      .then(
          [=](std::vector<caf::actor>& owners, std::vector<std::string>& names) {
            auto& s = self->state;
            if (s.ended || s.failing || s.attempt != attempt || s.restarting) {
              self->send(s.job_manager, release_atom::value, s.job_id);
              return;
            }
            if (s.waiting_for_slots) {
              std::fprintf(stderr, "eddy: job '%s' got its %d slots\n", s.graph->spec.name.c_str(), needed);
              s.note.clear();
            }
            s.waiting_for_slots = false;
            deploy_on(self, std::move(owners), std::move(names));
          },
          [=](caf::error& err) {
            auto& s = self->state;
            if (s.ended || s.failing || s.attempt != attempt || s.restarting) return;
            wait_for_slots(self, error_text(self->system(), err));
          });
}

void deploy_on(self_ptr self, std::vector<caf::actor> slot_owner, std::vector<std::string> names) {
  auto& st = self->state;
  st.owners = slot_owner;
  st.owner_names = std::move(names);
  st.owner_names.resize(st.owners.size());
  for (const auto& tm : slot_owner)
    if (std::find(st.used_task_managers.begin(), st.used_task_managers.end(), tm) == st.used_task_managers.end())
      st.used_task_managers.push_back(tm);
  const auto& vertices = st.graph->vertices;
  st.subtasks.assign(vertices.size(), {});
  st.finished.assign(vertices.size(), {});
  st.pending = 0;
  for (size_t v = 0; v < vertices.size(); ++v) {
    st.subtasks[v].resize(static_cast<size_t>(vertices[v].parallelism));
    st.finished[v].assign(static_cast<size_t>(vertices[v].parallelism), false);
    st.pending += static_cast<size_t>(vertices[v].parallelism);
  }
  st.running = st.pending;
  const int32_t attempt = st.attempt;
  for (size_t v = 0; v < vertices.size(); ++v) {
    for (int32_t i = 0; i < vertices[v].parallelism; ++i) {
      TaskDeployment d{st.job_id, st.submission, static_cast<int32_t>(v), i,
                       caf::actor_cast<caf::actor>(self)};
      d.attempt = attempt;
      d.restore_path = st.restore_path;
      d.fail_after_records = fault_for(st, static_cast<int32_t>(v), i);
      self->request(slot_owner[static_cast<size_t>(i)], kDeployTimeout, deploy_atom::value, d)
          .then(
              [=](const caf::actor& subtask) {
                auto& s = self->state;
                if (s.attempt != attempt || s.restarting || s.ended) {
                  self->send_exit(subtask, caf::exit_reason::kill);
                  return;
                }
                s.subtasks[v][static_cast<size_t>(i)] = subtask;
                self->monitor(subtask);
                if (--s.pending == 0) wire_all(self);
              },
              [=](caf::error& err) {
                if (self->state.attempt != attempt) return;
                on_failure(self, lost_failure("deploying " + subtask_label(self->state, static_cast<int32_t>(v), i) +
                                                  " on task manager " + self->state.owner_names[static_cast<size_t>(i)] +
                                                  " failed: " + error_text(self->system(), err)));
              });
    }
  }
}

/// An actor of the current attempt quit unfinished: it fails the attempt. A
/// subtask whose link closed names the task manager that ran it.
void on_down(self_ptr self, const caf::down_msg& dm) {
  auto& s = self->state;
  if (s.ended) return;
  for (size_t v = 0; v < s.subtasks.size(); ++v)
    for (size_t i = 0; i < s.subtasks[v].size(); ++i) {
      if (!s.subtasks[v][i] || s.subtasks[v][i].address() != dm.source || s.finished[v][i]) continue;
      const std::string label = subtask_label(s, static_cast<int32_t>(v), static_cast<int32_t>(i));
      if (dm.reason == caf::exit_reason::remote_link_unreachable && i < s.owner_names.size())
        return on_failure(self, lost_failure("task manager " + s.owner_names[i] + " was lost: " +
                                             exit_reason_text(dm.reason) + "; it ran " + label));
      return on_failure(self, lost_failure(label + " stopped: " + exit_reason_text(dm.reason)));
    }
  for (const auto& [v, c] : s.coordinators)
    if (c.address() == dm.source)
      return on_failure(self, lost_failure("the source coordinator of '" +
                                           s.graph->vertices[static_cast<size_t>(v)].name +
                                           "' stopped: " + exit_reason_text(dm.reason)));
  if (s.checkpointer && s.checkpointer.address() == dm.source)
    on_failure(self, lost_failure("the checkpoint coordinator stopped: " + exit_reason_text(dm.reason)));
}

caf::behavior job_master_actor(self_ptr self, uint64_t job_id, JobGraphPtr graph,
                               JobSubmission submission, caf::actor notify, caf::actor job_manager) {
  auto& st = self->state;
  st.job_id = job_id;
  st.started_ms = wall_ms();
  st.graph = std::move(graph);
  st.submission = std::move(submission);
  st.notify = std::move(notify);
  st.job_manager = std::move(job_manager);
  st.restore_path = st.submission.restore_path;
  st.stats.restored_from = st.restore_path;
  st.backoff = std::make_unique<RestartBackoff>(st.graph->spec.restart);
  self->set_down_handler([=](caf::down_msg& dm) { on_down(self, dm); });
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
  if (st.graph->spec.metrics_interval_us > 0) {
    std::vector<std::string> vertex_ids;  // as REST names them (monitor/vertex_id.h)
    for (size_t v = 0; v < st.graph->vertices.size(); ++v) vertex_ids.push_back(vertex_id(*st.graph, static_cast<int>(v)));
    st.monitor = std::make_unique<JobMonitor>(st.graph, std::move(vertex_ids), st.graph->spec.metrics_interval_us / 1000);
    self->send(self, mtick_atom::value);
  }
  return {
      [=](report_atom, SubtaskSample& sample) {
        if (from_current(self, sample.vertex, sample.subtask)) on_sample(self->state, std::move(sample));
      },
      [=](mtick_atom) {
        auto& s = self->state;
        if (s.ended) return;
        add_job_metrics(s);
        monitor_tick(self);
        self->delayed_send(self, std::chrono::microseconds(s.graph->spec.metrics_interval_us), mtick_atom::value);
      },
      [=](history_atom) -> MetricHistoryPtr { return history_for_readers(self->state); },
      [=](health_atom) -> std::string { return self->state.monitor ? self->state.monitor->health_json() : "{}"; },
      [=](events_atom) -> std::string {
        return self->state.monitor ? self->state.monitor->events_json() : R"({"events":[]})";
      },
      [=](finished_atom, int32_t vertex, int32_t index, const std::vector<OperatorMetrics>& m,
          const std::string& final_state) {
        auto& s = self->state;
        if (!from_current(self, vertex, index)) return;
        s.metrics[{vertex, index}] = m;
        if (s.finished[static_cast<size_t>(vertex)][static_cast<size_t>(index)]) return;
        s.finished[static_cast<size_t>(vertex)][static_cast<size_t>(index)] = true;
        if (s.checkpointer) self->send(s.checkpointer, final_atom::value, vertex, index, final_state);
        if (--s.running > 0) return;
        // A savepoint under way completes with the final states (the
        // coordinator has them all now) or says it came too late: wait for
        // its answer, so that whether it was taken does not hang on which
        // of the two messages comes first.
        if (!s.savepoints.empty()) s.all_finished = true;
        else end_job(self, "FINISHED", "");
      },
      [=](failed_atom, int32_t vertex, int32_t index, const TaskFailure& failure,
          const std::vector<OperatorMetrics>& m) {
        if (!from_current(self, vertex, index)) return;
        self->state.metrics[{vertex, index}] = m;  // the counters at the failure
        on_failure(self, failure);
      },
      [=](restart_atom) {
        auto& s = self->state;
        if (s.ended || s.failing) return;
        s.restarting = false;
        ++s.attempt;
        auto point = restore_point(self);
        if (!point.ok()) return fail_job(self, "cannot restart: " + point.status().message());
        s.restore_path = *point;
        if (!s.restore_path.empty())
          std::fprintf(stderr, "eddy: job '%s' restarts from %s\n", s.graph->spec.name.c_str(),
                       s.restore_path.c_str());
        deploy_all(self);
      },
      [=](ckdone_atom, int64_t id, bool savepoint, const std::string& dir, int64_t duration_us,
          int64_t full, int64_t incremental, int64_t alignment_us) {
        auto& c = self->state.stats;
        const int64_t now = wall_ms();
        log_checkpoint(self->state, {id, savepoint, true, now - duration_us / 1000, now, full, incremental,
                                     alignment_us, dir, ""});
        if (savepoint) return;
        ++c.completed;
        c.last_id = id;
        c.total_duration_us += duration_us;
        c.last_duration_us = duration_us;
        c.max_duration_us = std::max(c.max_duration_us, duration_us);
        c.last_full_bytes = full;
        c.last_incremental_bytes = incremental;
        c.max_alignment_us = std::max(c.max_alignment_us, alignment_us);
      },
      [=](ckfailed_atom, int64_t id, const std::string& why) {
        ++self->state.stats.failed;
        const int64_t now = wall_ms();
        log_checkpoint(self->state, {id, false, false, now, now, 0, 0, 0, "", why});
      },
      [=](view_atom) -> JobViewPtr {
        auto& s = self->state;
        return make_view(s, s.phase, s.note);
      },
      [=](stacks_atom, int32_t vertex) -> caf::result<std::vector<std::string>> {
        auto& s = self->state;
        return gather_from(self, vertex_owners(s, vertex), kStacksTimeout, stacks_atom::value, s.job_id, vertex);
      },
      [=](sample_atom, int32_t vertex, int32_t rows) -> caf::result<std::vector<std::string>> {
        auto& s = self->state;
        return gather_from(self, vertex_owners(s, vertex), kSampleTimeout, sample_atom::value, s.job_id, vertex, rows);
      },
      [=](savepoint_atom, bool stop) -> caf::result<std::string> {
        auto& s = self->state;
        if (!s.checkpointer)
          return caf::make_error(caf::sec::invalid_argument,
                                 "savepoints need a directory: set checkpoints.dir in the pipeline file");
        auto rp = self->make_response_promise<std::string>();
        const uint64_t ticket = ++s.next_savepoint;
        s.savepoints.emplace(ticket, rp);
        // The answer counts only while the request waits: once the job or
        // the attempt ended, drop_savepoints answered it.
        auto claim = [=]() -> std::optional<caf::response_promise> {
          auto it = self->state.savepoints.find(ticket);
          if (it == self->state.savepoints.end()) return std::nullopt;
          caf::response_promise waiting = it->second;
          self->state.savepoints.erase(it);
          return waiting;
        };
        self->request(s.checkpointer, caf::infinite, savepoint_atom::value)
            .then(
                [=](const std::string& path) {
                  auto waiting = claim();
                  if (!waiting) return;
                  if (stop) {
                    self->state.stats.savepoint_path = path;
                    end_job(self, "CANCELED", "stopped with a savepoint");
                  }
                  waiting->deliver(path);
                  finish_after_savepoint(self);
                },
                [=](caf::error& err) {
                  auto waiting = claim();
                  if (!waiting) return;
                  if (self->state.all_finished)  // triggered after the last subtask ended: nothing to save
                    waiting->deliver(caf::make_error(caf::sec::runtime_error, kFinishedFirst));
                  else
                    waiting->deliver(std::move(err));
                  finish_after_savepoint(self);
                });
        return rp;
      },
      [=](cancel_atom) { end_job(self, "CANCELED", "canceled on request"); },
      [=](metrics_atom) -> JobResult {
        auto& s = self->state;
        return make_result(s, s.phase, s.note);
      },
      [=](tmlost_atom, const caf::actor& tm, const std::string& what) {
        auto& s = self->state;
        if (s.ended || s.restarting) return;
        if (std::find(s.owners.begin(), s.owners.end(), tm) == s.owners.end()) return;
        on_failure(self, lost_failure(what));
      },
      [=](retry_atom, int32_t attempt) {
        auto& s = self->state;
        if (!s.ended && !s.restarting && !s.failing && s.attempt == attempt && s.waiting_for_slots) deploy_all(self);
      },
  };
}

}  // namespace

caf::actor spawn_job_master(caf::actor_system& sys, uint64_t job_id, JobGraphPtr graph,
                            JobSubmission submission, caf::actor notify, caf::actor job_manager) {
  return sys.spawn(job_master_actor, job_id, std::move(graph), std::move(submission), std::move(notify),
                   std::move(job_manager));
}

}  // namespace eddy
