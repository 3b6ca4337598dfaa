// Task manager: registration, heartbeats, subtask
// deployment. Pipelines arrive as text and are planned here once per job, so
// the same code runs on every host. Answers stacks and sample requests for
// the subtasks it runs from the process's registry, not through their
// mailboxes (runtime/subtask_registry.h).
#include "actors/task_manager.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <map>

#include "actors/subtask.h"
#include "monitor/probe_answers.h"
#include "plan/job_graph.h"
#include "state/local_state_dir.h"

namespace eddy {
namespace {

constexpr auto kRegisterTimeout = std::chrono::seconds(10);
// A stacks request waits up to 200 ms per subtask for its thread to answer.
constexpr auto kStacksTimeout = std::chrono::seconds(20);

struct TaskManagerState {
  caf::actor job_manager;
  TaskManagerOptions options;
  bool registered = false;
  std::map<uint64_t, JobGraphPtr> graphs;  // planned pipelines by job id
  std::map<uint64_t, std::vector<caf::actor>> subtasks;  // spawned here, by job id
  static const char* name;
};
const char* TaskManagerState::name = "eddy.task_manager";

using self_ptr = caf::stateful_actor<TaskManagerState>*;

Result<JobGraphPtr> graph_for(TaskManagerState& st, const TaskDeployment& d) {
  auto it = st.graphs.find(d.job_id);
  if (it != st.graphs.end()) return it->second;
  PlanOptions options;
  options.parallelism = d.job.parallelism;
  options.checkpoint_base = d.job.checkpoint_base;
  options.max_parallelism = d.job.max_parallelism;  // the job manager's key-group count, when it adopted one
  EDDY_ASSIGN_OR_RETURN(JobGraphPtr graph, load_pipeline_text(d.job.file_name, d.job.text, options));
  st.graphs.emplace(d.job_id, graph);
  remove_stale_local_dirs(graph->spec.state_localdir);  // a killed task manager's RocksDB files
  return graph;
}

void kill_all_subtasks(self_ptr self) {
  for (auto& [job, actors] : self->state.subtasks)
    for (auto& a : actors) self->send_exit(a, caf::exit_reason::kill);
  self->state.subtasks.clear();
  self->state.graphs.clear();
}

void register_with_job_manager(self_ptr self) {
  auto& st = self->state;
  self->request(st.job_manager, kRegisterTimeout, register_atom::value, caf::actor_cast<caf::actor>(self),
                st.options.slots, st.options.name, st.options.host)
      .then(
          [=](bool) {
            if (!self->state.registered && self->state.options.heartbeat_interval_us > 0)
              std::fprintf(stderr, "eddy taskmanager: registered with the job manager, %d slots\n",
                           self->state.options.slots);
            self->state.registered = true;
          },
          [=](caf::error& err) {
            std::fprintf(stderr, "eddy taskmanager: %s\n", error_text(self->system(), err).c_str());
            self->quit(err);
          });
}

/// True when the current message comes from the job manager's process (its job masters).
bool from_job_manager_node(self_ptr self) {
  const auto& sender = self->current_sender();
  return sender != nullptr && sender->node() == self->state.job_manager.node();
}

/// Takes the stacks on a thread of its own: the signals' answers are awaited
/// there, so this actor (and its heartbeats) never waits for them.
caf::result<std::string> take_stacks(self_ptr self, uint64_t job_id, int32_t vertex) {
  auto worker = self->spawn<caf::detached>([](caf::event_based_actor* w) -> caf::behavior {
    return {[=](stacks_atom, uint64_t job, int32_t v) {
      w->quit();
      return stacks_answer(job, v);
    }};
  });
  auto rp = self->make_response_promise<std::string>();
  self->request(worker, kStacksTimeout, stacks_atom::value, job_id, vertex)
      .then([rp](std::string& answer) mutable { rp.deliver(std::move(answer)); },
            [rp](caf::error& err) mutable { rp.deliver(std::move(err)); });
  return rp;
}

void schedule_heartbeat(self_ptr self) {
  const int64_t every = self->state.options.heartbeat_interval_us;
  if (every > 0) self->delayed_send(self, std::chrono::microseconds(every), heartbeat_atom::value);
}

caf::behavior task_manager_actor(self_ptr self, caf::actor job_manager, TaskManagerOptions options) {
  auto& st = self->state;
  st.job_manager = job_manager;
  st.options = std::move(options);
  self->monitor(job_manager);
  self->set_down_handler([=](caf::down_msg& dm) {
    if (dm.source != self->state.job_manager.address()) return;
    if (self->state.options.heartbeat_interval_us > 0)
      std::fprintf(stderr, "eddy taskmanager: lost the job manager (%s)\n", to_string(dm.reason).c_str());
    kill_all_subtasks(self);
    // One reason for every way of losing it, which the process reads as "connect again".
    self->quit(caf::exit_reason::remote_link_unreachable);
  });
  register_with_job_manager(self);
  schedule_heartbeat(self);
  return {
      [=](deploy_atom, const TaskDeployment& d) -> caf::result<caf::actor> {
        auto& s = self->state;
        // Work comes from the job manager's process only.
        const auto& sender = self->current_sender();
        if (!s.registered || sender == nullptr || sender->node() != s.job_manager.node())
          return caf::make_error(caf::sec::invalid_argument, "deployment refused: not from this task manager's job manager");
        auto graph = graph_for(s, d);
        if (!graph.ok()) return caf::make_error(caf::sec::invalid_argument, graph.status().message());
        caf::actor subtask = spawn_subtask(self->system(), *graph, d);
        s.subtasks[d.job_id].push_back(subtask);
        return subtask;
      },
      [=](jobdone_atom, uint64_t job_id) {
        auto& s = self->state;
        const auto& sender = self->current_sender();
        if (sender == nullptr || sender->node() != s.job_manager.node()) return;
        // The job is over: no subtask of it may outlive it on this host.
        for (auto& a : s.subtasks[job_id]) self->send_exit(a, caf::exit_reason::kill);
        s.subtasks.erase(job_id);
        s.graphs.erase(job_id);
      },
      [=](stacks_atom, uint64_t job_id, int32_t vertex) -> caf::result<std::string> {
        if (!from_job_manager_node(self)) return caf::make_error(caf::sec::invalid_argument, "not from the job manager");
        return take_stacks(self, job_id, vertex);
      },
      [=](sample_atom, uint64_t job_id, int32_t vertex, int32_t rows) -> caf::result<std::string> {
        if (!from_job_manager_node(self)) return caf::make_error(caf::sec::invalid_argument, "not from the job manager");
        return sample_answer(job_id, vertex, static_cast<size_t>(std::max(rows, 1)));
      },
      [=](heartbeat_atom) {
        auto& s = self->state;
        const auto every = std::chrono::microseconds(s.options.heartbeat_interval_us);
        self->request(s.job_manager, every * 2, heartbeat_atom::value, caf::actor_cast<caf::actor>(self))
            .then(
                [=](bool known) {
                  if (known) return;
                  // Dropped after a silence (a pause, a partition): what ran here was
                  // restarted elsewhere, so it stops, and the slots register afresh.
                  std::fprintf(stderr, "eddy taskmanager: the job manager had dropped this task manager; "
                                       "stopping its subtasks and registering again\n");
                  kill_all_subtasks(self);
                  self->state.registered = false;
                  register_with_job_manager(self);
                },
                [](caf::error&) {});  // a late beat; the job manager judges silence
        schedule_heartbeat(self);
      },
  };
}

}  // namespace

caf::actor spawn_task_manager(caf::actor_system& sys, caf::actor job_manager, TaskManagerOptions options) {
  return sys.spawn(task_manager_actor, std::move(job_manager), std::move(options));
}

}  // namespace eddy
