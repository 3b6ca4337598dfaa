// Job manager: task manager registry, job submission, cancellation, metrics.
#include "actors/job_manager.h"

#include <map>

#include "actors/job_master.h"
#include "checkpoint/checkpoint_storage.h"
#include "plan/job_graph.h"
#include "runtime/restore_check.h"

namespace eddy {
namespace {

struct TaskManagerEntry {
  caf::actor actor;
  int32_t slots = 0;
  std::string name;
};

struct RunningJob {
  caf::actor master;
  caf::actor notify;  // the client, told if the master dies without reporting
};

struct JobManagerState {
  std::vector<TaskManagerEntry> task_managers;
  std::map<uint64_t, RunningJob> jobs;  // running jobs by id
  uint64_t next_job_id = 1;
  static const char* name;
};
const char* JobManagerState::name = "eddy.job_manager";

using self_ptr = caf::stateful_actor<JobManagerState>*;

caf::behavior job_manager_actor(self_ptr self) {
  self->set_down_handler([=](caf::down_msg& dm) {
    auto& jobs = self->state.jobs;
    for (auto it = jobs.begin(); it != jobs.end(); ++it) {
      if (it->second.master.address() != dm.source) continue;
      JobResult r;  // the master died without reporting: its job failed
      r.job_id = it->first;
      r.state = "FAILED";
      r.message = "the job master stopped: " + to_string(dm.reason);
      self->send(it->second.notify, jobdone_atom::value, r);
      jobs.erase(it);
      return;
    }
    auto& tms = self->state.task_managers;
    tms.erase(std::remove_if(tms.begin(), tms.end(),
                             [&](const TaskManagerEntry& e) { return e.actor.address() == dm.source; }),
              tms.end());
  });
  return {
      [=](register_atom, const caf::actor& tm, int32_t slots, const std::string& name) {
        self->monitor(tm);
        self->state.task_managers.push_back({tm, slots, name});
      },
      [=](submit_atom, const JobSubmission& job, const caf::actor& notify) -> caf::result<uint64_t> {
        PlanOptions options;
        options.parallelism = job.parallelism;
        auto graph = load_pipeline_text(job.file_name, job.text, options);
        if (!graph.ok()) return caf::make_error(caf::sec::invalid_argument, graph.status().message());
        if (!job.restore_path.empty()) {
          auto meta = CheckpointStorage::read_verified(job.restore_path);
          Status ok = meta.ok() ? check_restore(**graph, job.restore_path, *meta) : meta.status();
          if (!ok.is_ok()) return caf::make_error(caf::sec::invalid_argument, ok.message());
        }
        std::vector<SlotOffer> slots;
        for (const auto& tm : self->state.task_managers) slots.push_back({tm.actor, tm.slots});
        const uint64_t id = self->state.next_job_id++;
        auto master = spawn_job_master(self->system(), id, *graph, job, std::move(slots), notify,
                                       caf::actor_cast<caf::actor>(self));
        self->monitor(master);
        self->state.jobs[id] = RunningJob{master, notify};
        return id;
      },
      [=](cancel_atom, uint64_t id) -> bool {
        auto it = self->state.jobs.find(id);
        if (it == self->state.jobs.end()) return false;
        self->send(it->second.master, cancel_atom::value);
        return true;
      },
      [=](savepoint_atom, uint64_t id, bool stop) -> caf::result<std::string> {
        auto it = self->state.jobs.find(id);
        if (it == self->state.jobs.end()) return caf::make_error(caf::sec::invalid_argument, "no such job");
        auto rp = self->make_response_promise<std::string>();
        self->request(it->second.master, caf::infinite, savepoint_atom::value, stop)
            .then([rp](const std::string& path) mutable { rp.deliver(path); },
                  [rp](caf::error& err) mutable { rp.deliver(std::move(err)); });
        return rp;
      },
      [=](metrics_atom, uint64_t id) -> caf::result<JobResult> {
        auto it = self->state.jobs.find(id);
        if (it == self->state.jobs.end()) return caf::make_error(caf::sec::invalid_argument, "no such job");
        auto rp = self->make_response_promise<JobResult>();
        self->request(it->second.master, std::chrono::seconds(5), metrics_atom::value)
            .then([rp](const JobResult& r) mutable { rp.deliver(r); },
                  [rp](caf::error& err) mutable { rp.deliver(std::move(err)); });
        return rp;
      },
      [=](jobdone_atom, const JobResult& result) { self->state.jobs.erase(result.job_id); },
      [=](slots_count_atom) -> int32_t {
        int32_t total = 0;
        for (const auto& tm : self->state.task_managers) total += tm.slots;
        return total;
      },
  };
}

}  // namespace

caf::actor spawn_job_manager(caf::actor_system& sys) { return sys.spawn(job_manager_actor); }

}  // namespace eddy
