// Unit tests of the subtask registry: registrations come and go with their
// owner, readers see each subtask's thread, activity and tap, in order.
#include <doctest/doctest.h>

#include <memory>
#include <thread>

#include "runtime/stack_capture.h"
#include "runtime/subtask_registry.h"

using namespace eddy;

namespace {

std::shared_ptr<RegisteredSubtask> entry(uint64_t job, int32_t vertex, int32_t subtask,
                                         const SubtaskActivity* activity = nullptr) {
  auto e = std::make_shared<RegisteredSubtask>();
  e->job_id = job;
  e->vertex = vertex;
  e->subtask = subtask;
  e->activity = activity;
  e->tap = std::make_shared<SampleTap>(subtask, false);
  e->output_names = {"window"};
  return e;
}

}  // namespace

TEST_CASE("the registry lists a vertex's subtasks in order while they are registered") {
  auto& r = SubtaskRegistry::instance();
  {
    SubtaskRegistration b(entry(77, 1, 1));
    SubtaskRegistration a(entry(77, 1, 0));
    SubtaskRegistration other(entry(77, 2, 0));
    const auto seen = r.activities(77, 1, 0);
    REQUIRE(seen.size() == 2);
    CHECK(seen[0].subtask == 0);
    CHECK(seen[1].subtask == 1);
    CHECK(seen[0].activity == "starting");
    CHECK(seen[0].thread_id == current_thread_id());
    CHECK(r.taps(77, 1).size() == 2);
  }
  CHECK(r.activities(77, 1, 0).empty());
  CHECK(r.taps(77, 1).empty());
}

TEST_CASE("a subtask's thread id follows the thread that handles its messages") {
  SubtaskRegistration reg(entry(78, 0, 0));
  std::thread other([&] { reg.mark_thread(); });
  other.join();
  CHECK(SubtaskRegistry::instance().activities(78, 0, 0)[0].thread_id != current_thread_id());
  reg.mark_thread();
  CHECK(SubtaskRegistry::instance().activities(78, 0, 0)[0].thread_id == current_thread_id());
}

TEST_CASE("the activity detail names the output edge, channel and consumer it waits for") {
  CHECK(activity_detail(Activity::kBackpressured, 0, 3, 0, {"window"}) ==
        "backpressured on output edge 0 channel 3 (to window[3])");
  CHECK(activity_detail(Activity::kBackpressured, 1, -1, 0, {"a"}) == "backpressured on output edge 1");
  CHECK(activity_detail(Activity::kAligning, -1, -1, 7, {}) == "aligning checkpoint 7");
  CHECK(activity_detail(Activity::kSnapshotting, -1, -1, 8, {}) == "snapshotting checkpoint 8");
}

TEST_CASE("a registered activity is read as it changes") {
  SubtaskActivity activity;
  SubtaskRegistration reg(entry(79, 0, 0, &activity));
  activity.enter(Activity::kBackpressured, 1'000'000'000, 0, 2);
  const auto seen = SubtaskRegistry::instance().activities(79, 0, 1'500'000'000);
  REQUIRE(seen.size() == 1);
  CHECK(seen[0].activity == "backpressured");
  CHECK(seen[0].detail == "backpressured on output edge 0 channel 2 (to window[2])");
  CHECK(seen[0].for_ms == 500);
}
