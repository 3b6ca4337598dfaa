// The subtasks running in this process, for the task manager's `stacks` and
// `sample` answers (GET .../vertices/{vid}/stacks and /sample): who runs on
// which thread, what it is doing, and its sample tap. The subtask actor
// registers when its runner exists and unregisters before the runner goes;
// the task manager reads without a message to the subtask (it is busy: that
// is why one wants its stack). One registry per process.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "runtime/sample_tap.h"
#include "runtime/subtask_activity.h"

namespace eddy {

/// One running subtask, filled in before it is added and not changed after,
/// except its thread id: the subtask's thread stores its kernel thread id at
/// each message it handles (the scheduler may move it between threads).
struct RegisteredSubtask {
  uint64_t job_id = 0;
  int32_t vertex = 0;
  int32_t subtask = 0;
  int32_t attempt = 0;
  std::atomic<int32_t> thread_id{0};
  const SubtaskActivity* activity = nullptr;  // the runner's (null: none); read under the registry's lock
  std::shared_ptr<SampleTap> tap;
  /// Per output edge, the consumer vertex's name: the activity's detail
  /// names it ("backpressured on output edge 0 channel 3 (to window[3])").
  std::vector<std::string> output_names;
};

/// What a stacks request sees of one subtask (before its native stack is taken).
struct SubtaskActivityView {
  int32_t vertex = 0, subtask = 0, attempt = 0, thread_id = 0;
  std::string activity;  // activity_name(), or "starting" before the runner reports one
  std::string detail;
  int64_t for_ms = 0;    // how long it has been doing it
};

class SubtaskRegistry {
 public:
  static SubtaskRegistry& instance();

  void add(const std::shared_ptr<RegisteredSubtask>& entry);
  void remove(const std::shared_ptr<RegisteredSubtask>& entry);

  /// The subtasks of (job, vertex) here, by subtask index, with their activity now.
  std::vector<SubtaskActivityView> activities(uint64_t job_id, int32_t vertex, int64_t now_steady_ns) const;
  /// Their taps, by subtask index.
  std::vector<std::shared_ptr<SampleTap>> taps(uint64_t job_id, int32_t vertex) const;

 private:
  mutable std::mutex mu_;
  std::vector<std::shared_ptr<RegisteredSubtask>> entries_;
};

/// "backpressured on output edge 0 channel 3 (to window)", "aligning
/// checkpoint 7", ... from an activity's fields and the subtask's edge names.
std::string activity_detail(Activity a, int32_t edge, int32_t channel, int64_t aux,
                            const std::vector<std::string>& output_names);

/// Keeps a subtask registered for as long as it lives. Destroy it before the
/// activity it points to: once it is gone no reader sees that activity.
class SubtaskRegistration {
 public:
  explicit SubtaskRegistration(std::shared_ptr<RegisteredSubtask> entry);
  ~SubtaskRegistration();
  SubtaskRegistration(const SubtaskRegistration&) = delete;
  SubtaskRegistration& operator=(const SubtaskRegistration&) = delete;

  /// At the start of each message: the thread running the subtask now.
  void mark_thread() const;
  RegisteredSubtask* get() const { return entry_.get(); }

 private:
  std::shared_ptr<RegisteredSubtask> entry_;
};

}  // namespace eddy
