// The process's registry of running subtasks: a list under a mutex (tens of
// entries; read only when someone asks for stacks or samples).
#include "runtime/subtask_registry.h"

#include <algorithm>

#include "runtime/stack_capture.h"

namespace eddy {

SubtaskRegistry& SubtaskRegistry::instance() {
  static SubtaskRegistry registry;
  return registry;
}

void SubtaskRegistry::add(const std::shared_ptr<RegisteredSubtask>& entry) {
  std::lock_guard<std::mutex> lock(mu_);
  entries_.push_back(entry);
}

void SubtaskRegistry::remove(const std::shared_ptr<RegisteredSubtask>& entry) {
  std::lock_guard<std::mutex> lock(mu_);
  entries_.erase(std::remove(entries_.begin(), entries_.end(), entry), entries_.end());
}

std::string activity_detail(Activity a, int32_t edge, int32_t channel, int64_t aux,
                            const std::vector<std::string>& output_names) {
  switch (a) {
    case Activity::kBackpressured: {
      if (edge < 0) return "backpressured: output ready, no credit";
      std::string d = "backpressured on output edge " + std::to_string(edge);
      if (channel >= 0) d += " channel " + std::to_string(channel);
      if (static_cast<size_t>(edge) < output_names.size()) {
        d += " (to " + output_names[static_cast<size_t>(edge)];
        if (channel >= 0) d += "[" + std::to_string(channel) + "]";
        d += ")";
      }
      return d;
    }
    case Activity::kAligning: return "aligning checkpoint " + std::to_string(aux);
    case Activity::kSnapshotting: return "snapshotting checkpoint " + std::to_string(aux);
    case Activity::kFiringTimers: return "firing timers";
    case Activity::kProcessing: return "processing";
    case Activity::kIdle: return "idle: waiting for input";
  }
  return "";
}

std::vector<SubtaskActivityView> SubtaskRegistry::activities(uint64_t job_id, int32_t vertex,
                                                             int64_t now_steady_ns) const {
  std::vector<SubtaskActivityView> out;
  std::lock_guard<std::mutex> lock(mu_);
  for (const auto& e : entries_) {
    if (e->job_id != job_id || e->vertex != vertex) continue;
    SubtaskActivityView v;
    v.vertex = e->vertex;
    v.subtask = e->subtask;
    v.attempt = e->attempt;
    v.thread_id = e->thread_id.load(std::memory_order_relaxed);
    if (const SubtaskActivity* a = e->activity) {
      const Activity now = a->current();
      v.activity = activity_name(now);
      v.detail = activity_detail(now, a->edge(), a->channel(), a->aux(), e->output_names);
      v.for_ms = a->since_ns() > 0 ? std::max<int64_t>(0, (now_steady_ns - a->since_ns()) / 1000000) : 0;
    } else {
      v.activity = "starting";
      v.detail = "deployed, not yet running";
    }
    out.push_back(std::move(v));
  }
  std::sort(out.begin(), out.end(), [](const auto& x, const auto& y) { return x.subtask < y.subtask; });
  return out;
}

std::vector<std::shared_ptr<SampleTap>> SubtaskRegistry::taps(uint64_t job_id, int32_t vertex) const {
  std::vector<std::pair<int32_t, std::shared_ptr<SampleTap>>> found;
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (const auto& e : entries_)
      if (e->job_id == job_id && e->vertex == vertex && e->tap) found.emplace_back(e->subtask, e->tap);
  }
  std::sort(found.begin(), found.end(), [](const auto& x, const auto& y) { return x.first < y.first; });
  std::vector<std::shared_ptr<SampleTap>> out;
  for (auto& f : found) out.push_back(std::move(f.second));
  return out;
}

SubtaskRegistration::SubtaskRegistration(std::shared_ptr<RegisteredSubtask> entry) : entry_(std::move(entry)) {
  install_stack_capture();
  mark_thread();
  SubtaskRegistry::instance().add(entry_);
}

SubtaskRegistration::~SubtaskRegistration() {
  if (entry_) SubtaskRegistry::instance().remove(entry_);
}

void SubtaskRegistration::mark_thread() const {
  if (entry_) entry_->thread_id.store(current_thread_id(), std::memory_order_relaxed);
}

}  // namespace eddy
