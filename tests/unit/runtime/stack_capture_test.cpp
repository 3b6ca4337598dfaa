// Unit tests of stack capture: another thread's stack, taken while it runs,
// names the function it is in; a thread that is gone is NotFound.
#include <doctest/doctest.h>

#include <atomic>
#include <string>
#include <thread>

#include "runtime/stack_capture.h"

using namespace eddy;

namespace {

std::atomic<bool> g_stop{false};
std::atomic<int32_t> g_tid{0};
volatile uint64_t g_sink = 0;

// Not static, not inlined: the symbolizer must find it by name.
__attribute__((noinline)) void eddy_test_spinning_function() {
  g_tid.store(current_thread_id());
  uint64_t x = 0;
  while (!g_stop.load(std::memory_order_relaxed)) x = x * 31 + 7;
  g_sink = x;
}

}  // namespace

TEST_CASE("the stack of a busy thread shows the function it spins in") {
  g_stop = false;
  g_tid = 0;
  std::thread spinner(eddy_test_spinning_function);
  while (g_tid.load() == 0) std::this_thread::yield();
  auto frames = capture_thread_stack(g_tid.load(), 2000);
  g_stop = true;
  spinner.join();
  REQUIRE(frames.ok());
  bool found = false;
  std::string all;
  for (const auto& f : *frames) {
    all += f + "\n";
    found = found || f.find("eddy_test_spinning_function") != std::string::npos;
  }
  CAPTURE(all);
  CHECK(found);
  // The handler's own frames are left out: the innermost frame is the spinner's.
  CHECK(frames->front().find("eddy_test_spinning_function") != std::string::npos);
}

TEST_CASE("two captures in a row both answer") {
  g_stop = false;
  g_tid = 0;
  std::thread spinner(eddy_test_spinning_function);
  while (g_tid.load() == 0) std::this_thread::yield();
  auto first = capture_thread_stack(g_tid.load(), 2000);
  auto second = capture_thread_stack(g_tid.load(), 2000);
  g_stop = true;
  spinner.join();
  CHECK(first.ok());
  CHECK(second.ok());
}

TEST_CASE("a thread that has ended is not found") {
  int32_t tid = 0;
  std::thread t([&] { tid = current_thread_id(); });
  t.join();
  auto frames = capture_thread_stack(tid, 100);
  // The kernel may have given the id to a new thread of another process
  // (tgkill checks the process too): either way nothing of ours answers.
  CHECK_FALSE(frames.ok());
}
