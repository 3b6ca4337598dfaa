// Task manager: slot registration and subtask deployment. Pipelines arrive as
// text and are planned here once per job, so the same code runs on every host.
#include "actors/task_manager.h"

#include <map>

#include "actors/subtask.h"
#include "plan/job_graph.h"

namespace eddy {
namespace {

struct TaskManagerState {
  caf::actor job_manager;
  int32_t slots = 1;
  std::string tm_name;
  std::map<uint64_t, JobGraphPtr> graphs;  // planned pipelines by job id
  std::map<uint64_t, std::vector<caf::actor>> subtasks;  // spawned here, by job id
  static const char* name;
};
const char* TaskManagerState::name = "eddy.task_manager";

Result<JobGraphPtr> graph_for(TaskManagerState& st, const TaskDeployment& d) {
  auto it = st.graphs.find(d.job_id);
  if (it != st.graphs.end()) return it->second;
  PlanOptions options;
  options.parallelism = d.job.parallelism;
  EDDY_ASSIGN_OR_RETURN(JobGraphPtr graph, load_pipeline_text(d.job.file_name, d.job.text, options));
  st.graphs.emplace(d.job_id, graph);
  return graph;
}

caf::behavior task_manager_actor(caf::stateful_actor<TaskManagerState>* self, caf::actor job_manager,
                                 int32_t slots, std::string name) {
  auto& st = self->state;
  st.job_manager = job_manager;
  st.slots = slots;
  st.tm_name = std::move(name);
  self->send(job_manager, register_atom::value, caf::actor_cast<caf::actor>(self), slots, st.tm_name);
  return {
      [=](deploy_atom, const TaskDeployment& d) -> caf::result<caf::actor> {
        auto graph = graph_for(self->state, d);
        if (!graph.ok()) return caf::make_error(caf::sec::invalid_argument, graph.status().message());
        caf::actor subtask = spawn_subtask(self->system(), *graph, d);
        self->state.subtasks[d.job_id].push_back(subtask);
        return subtask;
      },
      [=](jobdone_atom, uint64_t job_id) {
        // The job is over: no subtask of it may outlive it on this host.
        for (auto& a : self->state.subtasks[job_id]) self->send_exit(a, caf::exit_reason::kill);
        self->state.subtasks.erase(job_id);
        self->state.graphs.erase(job_id);
      },
  };
}

}  // namespace

caf::actor spawn_task_manager(caf::actor_system& sys, caf::actor job_manager, int32_t slots,
                              std::string name) {
  return sys.spawn(task_manager_actor, std::move(job_manager), slots, std::move(name));
}

}  // namespace eddy
