// Job manager: task manager registry (registration, heartbeats, loss), slot
// allocation, job submission, cancellation, savepoints, metrics and history.
#include "actors/job_manager.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <map>
#include <random>

#include "actors/job_master.h"
#include "checkpoint/checkpoint_storage.h"
#include "plan/restart_spec.h"
#include "plan/job_graph.h"
#include "runtime/restore_check.h"

namespace eddy {
namespace {

using Clock = std::chrono::steady_clock;
constexpr size_t kEndedJobsKept = 1000;

struct TaskManagerEntry {
  caf::actor actor;
  int32_t slots = 0;
  std::string name;
  std::string host;
  Clock::time_point last_heartbeat = Clock::now();
};

struct JobEntry {
  caf::actor master;        // null once the job ended
  caf::actor notify;        // the submitter, told if the master dies without reporting
  std::vector<caf::actor> slots;  // one task manager per allocated slot
  JobResult result;         // name and state while running; everything once ended
  std::string checkpoint_dir;  // its checkpoints.dir (resolved), empty without checkpoints
  JobViewPtr final_view;       // what REST shows of it once it ended (its master sends it)
};

struct JobManagerState {
  JobManagerOptions options;
  std::vector<TaskManagerEntry> task_managers;
  std::map<uint64_t, JobEntry> jobs;
  std::vector<uint64_t> ended;  // in the order they ended, for trimming
  std::mt19937_64 ids{std::random_device{}()};
  static const char* name;
};
const char* JobManagerState::name = "eddy.job_manager";

using self_ptr = caf::stateful_actor<JobManagerState>*;

/// Who sent the current message, for the log.
std::string who_sent(self_ptr self) { return describe_sender(self->current_sender()); }

/// Every message is obeyed only when an actor of this process sent it: the
/// REST server, eddy local, job masters, the gatekeeper (which passes on task
/// managers' registrations and heartbeats). A remote node's anonymous message
/// arrives without a sender, so a missing sender is not local.
bool from_this_node(self_ptr self, const char* what) {
  const auto& sender = self->current_sender();
  if (sender != nullptr && sender->node() == self->node()) return true;
  std::fprintf(stderr, "eddy jobmanager: ignored a '%s' message from %s: only the job manager's own process may "
                       "send it\n", what, who_sent(self).c_str());
  return false;
}

caf::error no_such_job(uint64_t id) {
  return make_job_error(JobError::kNoSuchJob, "no job with id " + format_job_id(id) + " (GET /jobs lists the jobs)");
}

caf::error job_ended_error(uint64_t id, const JobResult& r, const std::string& what) {
  return make_job_error(JobError::kJobEnded, "job " + format_job_id(id) + " has ended (" + r.state + "): " + what);
}

caf::error not_local() {
  return caf::make_error(caf::sec::invalid_argument, "only the job manager's own process may ask this");
}

int32_t used_slots(const JobManagerState& st, const caf::actor& tm) {
  int32_t n = 0;
  for (const auto& [id, job] : st.jobs)
    for (const auto& s : job.slots) n += s == tm ? 1 : 0;
  return n;
}

std::string describe(const TaskManagerEntry& tm) {
  return "'" + tm.name + "'" + (tm.host.empty() ? "" : " at " + tm.host);
}

/// Forgets a task manager; the jobs with slots on it fail over.
void drop_task_manager(self_ptr self, const caf::actor_addr& who, const std::string& why) {
  auto& st = self->state;
  auto it = std::find_if(st.task_managers.begin(), st.task_managers.end(),
                         [&](const TaskManagerEntry& e) { return e.actor.address() == who; });
  if (it == st.task_managers.end()) return;
  const caf::actor tm = it->actor;
  const std::string what = "task manager " + describe(*it) + " was lost: " + why;
  if (st.options.cluster_mode) std::fprintf(stderr, "eddy jobmanager: %s\n", what.c_str());
  st.task_managers.erase(it);
  for (auto& [id, job] : st.jobs) {
    if (std::find(job.slots.begin(), job.slots.end(), tm) == job.slots.end()) continue;
    job.slots.erase(std::remove(job.slots.begin(), job.slots.end(), tm), job.slots.end());
    if (job.master) self->send(job.master, tmlost_atom::value, tm, what);
  }
}

void schedule_heartbeat_check(self_ptr self) {
  const int64_t timeout = self->state.options.heartbeat_timeout_us;
  if (timeout > 0)
    self->delayed_send(self, std::chrono::microseconds(std::max<int64_t>(timeout / 4, 1000)), hbcheck_atom::value);
}

void job_ended(self_ptr self, const JobResult& result) {
  auto& st = self->state;
  auto it = st.jobs.find(result.job_id);
  if (it == st.jobs.end() || !it->second.master) return;
  it->second.result = result;
  it->second.master = nullptr;
  it->second.slots.clear();
  st.ended.push_back(result.job_id);
  if (st.ended.size() > kEndedJobsKept) {
    st.jobs.erase(st.ended.front());
    st.ended.erase(st.ended.begin());
  }
}

/// Plans a submission. With a restore path: adopts the snapshot's key-group
/// count when the file sets none (as Flink), and checks that the pipeline can
/// take the snapshot's state; `notes` gets what the check skipped or could not check.
Result<JobGraphPtr> plan_submission(const JobManagerOptions& opts, JobSubmission& job, std::vector<std::string>& notes) {
  PlanOptions options;
  options.parallelism = job.parallelism;
  options.checkpoint_base = job.checkpoint_base;
  options.max_parallelism = job.max_parallelism;
  options.default_monitor = opts.monitor;
  // A cluster's source coordinators list the input files here; task managers write the sinks elsewhere.
  options.files = opts.cluster_mode ? FileChecks::kSources : FileChecks::kNone;
  EDDY_ASSIGN_OR_RETURN(JobGraphPtr graph, load_pipeline_text(job.file_name, job.text, options));
  if (job.restore_path.empty()) return graph;
  EDDY_ASSIGN_OR_RETURN(CheckpointMetadata meta, CheckpointStorage::read_verified(job.restore_path));
  if (auto adopted = snapshot_max_parallelism(*graph, meta)) {
    options.max_parallelism = job.max_parallelism = *adopted;
    EDDY_ASSIGN_OR_RETURN(graph, load_pipeline_text(job.file_name, job.text, options));
  }
  const NonRestoredState non_restored =
      job.allow_non_restored_state ? NonRestoredState::kSkip : NonRestoredState::kRefuse;
  EDDY_RETURN_IF_ERROR(check_restore(*graph, job.restore_path, meta, non_restored, &notes));
  return graph;
}

caf::result<JobAccepted> submit(self_ptr self, JobSubmission job, const caf::actor& notify) {
  auto& st = self->state;
  if (job.checkpoint_base.empty()) job.checkpoint_base = st.options.checkpoint_base;
  if (job.wait_for_slots) job.slot_request_timeout_us = st.options.slot_request_timeout_us;
  JobAccepted accepted;
  auto graph = plan_submission(st.options, job, accepted.notes);
  if (!graph.ok()) return caf::make_error(caf::sec::invalid_argument, graph.status().message());
  const std::string& dir = (*graph)->spec.checkpoints.dir;
  if (st.options.start_checkpoint_runs && !dir.empty()) {
    for (const auto& [other, e] : st.jobs)
      if (e.master && e.checkpoint_dir == dir)
        return caf::make_error(caf::sec::invalid_argument, "job " + format_job_id(other) + " (" + e.result.name +
                                                               ") is running with the same checkpoints.dir " + dir +
                                                               ": give this job a directory of its own");
    auto run = CheckpointStorage::start_run(dir);
    if (!run.ok()) return caf::make_error(caf::sec::invalid_argument, run.status().message());
    job.first_checkpoint_id = run->first_id;
    job.run_tag = run->tag;
  }
  uint64_t id = 0;
  while (id == 0 || st.jobs.count(id) != 0) id = st.ids();
  auto master = spawn_job_master(self->system(), id, *graph, job, notify, caf::actor_cast<caf::actor>(self));
  self->monitor(master);
  JobEntry& e = st.jobs[id];
  e.master = master;
  e.notify = notify;
  e.result.job_id = id;
  e.result.name = (*graph)->spec.name;
  e.result.state = "CREATED";
  e.checkpoint_dir = dir;
  if (st.options.cluster_mode)
    for (const auto& note : accepted.notes)
      std::fprintf(stderr, "eddy jobmanager: job %s: %s\n", format_job_id(id).c_str(), note.c_str());
  accepted.id = id;
  return accepted;
}

/// n slots spread over the task managers, most free slots first (like
/// Flink's cluster.evenly-spread-out-slots), with the name of each slot's
/// task manager, or an error saying what is missing.
caf::result<std::vector<caf::actor>, std::vector<std::string>> allocate(self_ptr self, uint64_t job_id, int32_t n) {
  auto& st = self->state;
  auto job = st.jobs.find(job_id);
  if (job == st.jobs.end() || !job->second.master)
    return caf::make_error(caf::sec::invalid_argument, "no such running job");
  job->second.slots.clear();
  std::vector<int32_t> free;
  int32_t total = 0, total_free = 0;
  for (const auto& tm : st.task_managers) {
    free.push_back(tm.slots - used_slots(st, tm.actor));
    total += tm.slots;
    total_free += free.back();
  }
  if (total_free < n) {
    const size_t tms = st.task_managers.size();
    return caf::make_error(caf::sec::invalid_argument,
                           "the job needs " + std::to_string(n) + (n == 1 ? " task slot" : " task slots") +
                               " (its largest parallelism), the "
                               "cluster has " + std::to_string(total_free) + " free of " + std::to_string(total) +
                               " on " + std::to_string(tms) + " task manager" + (tms == 1 ? "" : "s"));
  }
  std::vector<caf::actor> out;
  std::vector<std::string> names;
  for (int32_t k = 0; k < n; ++k) {
    size_t best = 0;
    for (size_t i = 1; i < free.size(); ++i)
      if (free[i] > free[best]) best = i;
    --free[best];
    out.push_back(st.task_managers[best].actor);
    names.push_back(describe(st.task_managers[best]));
  }
  job->second.slots = out;
  return {std::move(out), std::move(names)};
}

std::vector<TaskManagerInfo> task_manager_infos(const JobManagerState& st) {
  std::vector<TaskManagerInfo> out;
  const auto now = Clock::now();
  for (const auto& tm : st.task_managers) {
    TaskManagerInfo i;
    i.id = to_string(tm.actor.node()) + "/" + std::to_string(tm.actor.id());
    i.name = tm.name;
    i.host = tm.host;
    i.slots = tm.slots;
    i.free_slots = tm.slots - used_slots(st, tm.actor);
    i.since_heartbeat_ms =
        std::chrono::duration_cast<std::chrono::milliseconds>(now - tm.last_heartbeat).count();
    out.push_back(std::move(i));
  }
  return out;
}

/// A job that ended: the view its master sent last, or its result alone.
JobViewPtr ended_view(const JobEntry& e) {
  if (e.final_view) return e.final_view;
  auto v = std::make_shared<JobView>();
  v->job_id = e.result.job_id;
  v->id_text = format_job_id(e.result.job_id);
  v->name = e.result.name;
  v->state = e.result.state;
  v->message = e.result.message;
  v->operators = e.result.metrics;
  return v;
}

/// Passes a request on to the master of running job `id`; an ended job's
/// vertices have no subtasks left to ask.
template <class T, class... Ts>
caf::result<T> ask_master(self_ptr self, uint64_t id, std::chrono::seconds timeout, Ts... xs) {
  auto it = self->state.jobs.find(id);
  if (it == self->state.jobs.end()) return no_such_job(id);
  if (!it->second.master) return job_ended_error(id, it->second.result, "its subtasks are gone");
  auto rp = self->make_response_promise<T>();
  self->request(it->second.master, timeout, xs...)
      .then([rp](T& answer) mutable { rp.deliver(std::move(answer)); },
            [=](caf::error& err) mutable {
              auto now = self->state.jobs.find(id);
              if (err == caf::sec::request_receiver_down && now != self->state.jobs.end())
                rp.deliver(job_ended_error(id, now->second.result, "it ended while asked"));
              else
                rp.deliver(std::move(err));
            });
  return rp;
}

caf::behavior job_manager_actor(self_ptr self, JobManagerOptions options) {
  self->state.options = std::move(options);
  self->set_down_handler([=](caf::down_msg& dm) {
    auto& jobs = self->state.jobs;
    for (auto& [id, job] : jobs) {
      if (!job.master || job.master.address() != dm.source) continue;
      JobResult r = job.result;  // the master died without reporting: its job failed
      r.state = "FAILED";
      r.message = "the job master stopped: " + to_string(dm.reason);
      self->send(job.notify, jobdone_atom::value, r);
      job_ended(self, r);
      return;
    }
    drop_task_manager(self, dm.source, exit_reason_text(dm.reason));
  });
  schedule_heartbeat_check(self);
  return {
      [=](register_atom, const caf::actor& tm, int32_t slots, const std::string& name,
          const std::string& host) -> caf::result<bool> {
        auto& st = self->state;
        if (!from_this_node(self, "register")) return not_local();
        if (!tm) return caf::make_error(caf::sec::invalid_argument, "no task manager handle");
        for (auto& e : st.task_managers)
          if (e.actor == tm) {
            e.last_heartbeat = Clock::now();
            return true;
          }
        self->monitor(tm);
        TaskManagerEntry e{tm, slots, name, host};
        if (st.options.cluster_mode)  // a cluster: membership is news; eddy local's is not
          std::fprintf(stderr, "eddy jobmanager: task manager %s registered with %d slots\n", describe(e).c_str(),
                       slots);
        st.task_managers.push_back(std::move(e));
        return true;
      },
      [=](heartbeat_atom, const caf::actor& tm) -> caf::result<bool> {
        if (!from_this_node(self, "heartbeat")) return not_local();
        for (auto& e : self->state.task_managers)
          if (e.actor == tm) {
            e.last_heartbeat = Clock::now();
            return true;
          }
        return false;  // unknown (dropped after silence): it must register again
      },
      [=](hbcheck_atom) {
        if (!from_this_node(self, "hbcheck")) return;
        auto& st = self->state;
        const auto limit = std::chrono::microseconds(st.options.heartbeat_timeout_us);
        const auto now = Clock::now();
        std::vector<caf::actor_addr> silent;
        for (const auto& e : st.task_managers)
          if (now - e.last_heartbeat > limit) silent.push_back(e.actor.address());
        for (const auto& who : silent)
          drop_task_manager(self, who, "no heartbeat for " + duration_setting_text(st.options.heartbeat_timeout_us) +
                                           " (heartbeat.timeout)");
        schedule_heartbeat_check(self);
      },
      [=](submit_atom, const JobSubmission& job, const caf::actor& notify) -> caf::result<JobAccepted> {
        if (!from_this_node(self, "submit")) return not_local();
        return submit(self, job, notify);
      },
      [=](allocate_atom, uint64_t job_id, int32_t n) -> caf::result<std::vector<caf::actor>, std::vector<std::string>> {
        if (!from_this_node(self, "allocate")) return not_local();
        return allocate(self, job_id, n);
      },
      [=](release_atom, uint64_t job_id) {
        if (!from_this_node(self, "release")) return;
        auto it = self->state.jobs.find(job_id);
        if (it != self->state.jobs.end()) it->second.slots.clear();
      },
      [=](jobstate_atom, uint64_t job_id, const std::string& state) {
        if (!from_this_node(self, "jobstate")) return;
        auto it = self->state.jobs.find(job_id);
        if (it != self->state.jobs.end() && it->second.master)
          it->second.result.state = state;
      },
      [=](cancel_atom, uint64_t id) -> caf::result<bool> {
        if (!from_this_node(self, "cancel")) return not_local();
        auto it = self->state.jobs.find(id);
        if (it == self->state.jobs.end()) return no_such_job(id);
        if (!it->second.master) return job_ended_error(id, it->second.result, "there is nothing to cancel");
        self->send(it->second.master, cancel_atom::value);
        return true;
      },
      [=](savepoint_atom, uint64_t id, bool stop) -> caf::result<std::string> {
        if (!from_this_node(self, "savepoint")) return not_local();
        auto it = self->state.jobs.find(id);
        if (it == self->state.jobs.end()) return no_such_job(id);
        if (!it->second.master) return job_ended_error(id, it->second.result, "a savepoint needs a running job");
        auto rp = self->make_response_promise<std::string>();
        self->request(it->second.master, caf::infinite, savepoint_atom::value, stop)
            .then([rp](const std::string& path) mutable { rp.deliver(path); },
                  [=](caf::error& err) mutable {
                    auto now = self->state.jobs.find(id);
                    // deliver() returns a value: a `return rp.deliver(...)` here made the lambda
                    // non-void, and falling off its end crashed the job manager.
                    if (err == caf::sec::request_receiver_down && now != self->state.jobs.end())
                      rp.deliver(job_ended_error(id, now->second.result, "it ended before the savepoint was taken"));
                    else
                      rp.deliver(std::move(err));
                  });
        return rp;
      },
      [=](metrics_atom, uint64_t id) -> caf::result<JobResult> {
        if (!from_this_node(self, "metrics")) return not_local();
        auto it = self->state.jobs.find(id);
        if (it == self->state.jobs.end()) return no_such_job(id);
        if (!it->second.master) return it->second.result;
        auto rp = self->make_response_promise<JobResult>();
        self->request(it->second.master, std::chrono::seconds(5), metrics_atom::value)
            .then([rp](const JobResult& r) mutable { rp.deliver(r); },
                  [=](caf::error& err) mutable {
                    // The master ended between the ask and its answer. It reported
                    // (or its down message told) before the bounce came back, so
                    // this job's record is final by now.
                    auto now = self->state.jobs.find(id);
                    if (err == caf::sec::request_receiver_down && now != self->state.jobs.end())
                      rp.deliver(now->second.result);
                    else
                      rp.deliver(std::move(err));
                  });
        return rp;
      },
      [=](list_atom) -> caf::result<std::vector<JobResult>> {
        if (!from_this_node(self, "list")) return not_local();
        std::vector<JobResult> out;
        for (const auto& [id, job] : self->state.jobs) out.push_back(job.result);
        return out;
      },
      [=](tms_atom) -> caf::result<std::vector<TaskManagerInfo>> {
        if (!from_this_node(self, "tms")) return not_local();
        return task_manager_infos(self->state);
      },
      [=](jobdone_atom, const JobResult& result) {
        if (from_this_node(self, "jobdone")) job_ended(self, result);
      },
      [=](view_atom, uint64_t id, const JobViewPtr& view) {
        if (!from_this_node(self, "view")) return;
        auto it = self->state.jobs.find(id);
        if (it != self->state.jobs.end()) it->second.final_view = view;
      },
      [=](view_atom, uint64_t id) -> caf::result<JobViewPtr> {
        if (!from_this_node(self, "view")) return not_local();
        auto it = self->state.jobs.find(id);
        if (it == self->state.jobs.end()) return no_such_job(id);
        if (!it->second.master) return ended_view(it->second);
        return ask_master<JobViewPtr>(self, id, std::chrono::seconds(5), view_atom::value);
      },
      [=](stacks_atom, uint64_t id, int32_t vertex) -> caf::result<std::vector<std::string>> {
        if (!from_this_node(self, "stacks")) return not_local();
        return ask_master<std::vector<std::string>>(self, id, std::chrono::seconds(15), stacks_atom::value, vertex);
      },
      [=](sample_atom, uint64_t id, int32_t vertex, int32_t rows) -> caf::result<std::vector<std::string>> {
        if (!from_this_node(self, "sample")) return not_local();
        return ask_master<std::vector<std::string>>(self, id, std::chrono::seconds(5), sample_atom::value, vertex, rows);
      },
      [=](health_atom, uint64_t id) -> caf::result<std::string> {
        if (!from_this_node(self, "health")) return not_local();
        return ask_master<std::string>(self, id, std::chrono::seconds(5), health_atom::value);
      },
      [=](events_atom, uint64_t id) -> caf::result<std::string> {
        if (!from_this_node(self, "events")) return not_local();
        return ask_master<std::string>(self, id, std::chrono::seconds(5), events_atom::value);
      },
      [=](slots_count_atom) -> caf::result<int32_t> {
        if (!from_this_node(self, "slotcount")) return not_local();
        int32_t total = 0;
        for (const auto& tm : self->state.task_managers) total += tm.slots;
        return total;
      },
  };
}

}  // namespace

caf::actor spawn_job_manager(caf::actor_system& sys, JobManagerOptions options) {
  return sys.spawn(job_manager_actor, std::move(options));
}

std::string format_job_id(uint64_t id) {
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(id));
  return buf;
}

uint64_t parse_job_id(const std::string& text) {
  if (text.empty() || text.size() > 16) return 0;
  uint64_t id = 0;
  for (char c : text) {
    int d = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
    if (d < 0) return 0;
    id = id * 16 + static_cast<uint64_t>(d);
  }
  return id;
}

}  // namespace eddy
