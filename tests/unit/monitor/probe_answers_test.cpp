// Unit tests of a task manager's stacks and sample answers: registered
// subtasks answer with their activity, their thread's frames and their rows.
#include <doctest/doctest.h>

#include <atomic>
#include <thread>

#include "monitor/probe_answers.h"
#include "monitor/rest_json.h"
#include "runtime/stack_capture.h"

using namespace eddy;

namespace {

std::atomic<bool> g_stop{false};

__attribute__((noinline)) void eddy_probe_test_busy_subtask(std::shared_ptr<RegisteredSubtask> entry) {
  SubtaskRegistration reg(std::move(entry));
  volatile uint64_t x = 0;
  while (!g_stop.load(std::memory_order_relaxed)) x = x + 1;
}

}  // namespace

TEST_CASE("a stacks answer names each subtask's activity and its thread's frames") {
  SubtaskActivity activity;
  activity.enter(Activity::kProcessing, 1);
  auto entry = std::make_shared<RegisteredSubtask>();
  entry->job_id = 501;
  entry->vertex = 2;
  entry->subtask = 0;
  entry->activity = &activity;
  g_stop = false;
  std::thread t(eddy_probe_test_busy_subtask, entry);
  while (entry->thread_id.load() == 0 || entry->thread_id.load() == current_thread_id()) std::this_thread::yield();
  const Json j = merge_stacks({stacks_answer(501, 2, 2000)});
  g_stop = true;
  t.join();
  REQUIRE(j["subtasks"].size() == 1);
  const Json s = j["subtasks"][0];
  CHECK(s["activity"] == "processing");
  CHECK(s["thread"] == std::to_string(entry->thread_id.load()));
  bool found = false;
  for (const auto& f : s["stack"]) found = found || f.get<std::string>().find("eddy_probe_test_busy_subtask") != std::string::npos;
  CHECK(found);
  CHECK(merge_stacks({stacks_answer(501, 2)})["subtasks"].empty());  // unregistered when its thread ended
}

TEST_CASE("a sample answer arms the taps and returns their rows") {
  auto entry = std::make_shared<RegisteredSubtask>();
  entry->job_id = 502;
  entry->vertex = 0;
  entry->subtask = 1;
  auto schema = std::make_shared<Schema>(std::vector<Field>{{"id", DataType::kInt64}});
  entry->tap = std::make_shared<SampleTap>(1, false, schema);
  SubtaskRegistration reg(entry);
  CHECK(merge_samples({sample_answer(502, 0, 10)}, 10)["rows"].empty());  // nobody read before: nothing kept
  BatchBuilder b(schema);
  b.column(0).append_int(42);
  b.commit_rows(1);
  entry->tap->maybe_offer(*b.finish());
  const Json j = merge_samples({sample_answer(502, 0, 10)}, 10);
  CHECK(j["columns"][0] == "id");
  REQUIRE(j["rows"].size() == 1);
  CHECK(j["rows"][0]["values"][0] == 42);
  CHECK(j["rows"][0]["subtask"] == 1);
}
