// Stacks and samples of this process's subtasks.
#include "monitor/probe_answers.h"

#include <chrono>

#include "monitor/rest_json.h"
#include "runtime/stack_capture.h"

namespace eddy {

std::string stacks_answer(uint64_t job_id, int32_t vertex, int timeout_ms) {
  const int64_t now_ns = std::chrono::duration_cast<std::chrono::nanoseconds>(
                             std::chrono::steady_clock::now().time_since_epoch()).count();
  std::vector<SubtaskStack> out;
  for (auto& activity : SubtaskRegistry::instance().activities(job_id, vertex, now_ns)) {
    SubtaskStack s;
    s.activity = std::move(activity);
    auto frames = capture_thread_stack(s.activity.thread_id, timeout_ms);
    if (frames.ok()) s.frames = std::move(frames).value();
    else s.error = frames.status().message();
    out.push_back(std::move(s));
  }
  return stacks_part(out);
}

std::string sample_answer(uint64_t job_id, int32_t vertex, size_t rows) {
  std::vector<SampleRead> reads;
  const int64_t now = coarse_now_ms();
  for (const auto& tap : SubtaskRegistry::instance().taps(job_id, vertex)) reads.push_back(tap->read(now, rows));
  return sample_part(reads);
}

}  // namespace eddy
