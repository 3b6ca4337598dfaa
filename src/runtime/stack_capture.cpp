// Stack capture by signal: one capture at a time (a mutex), a handshake
// through an atomic state so that a late handler never writes into a
// buffer that the next capture already uses.
#include "runtime/stack_capture.h"

#include <cxxabi.h>
#include <execinfo.h>
#include <signal.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <thread>

#include "absl/debugging/symbolize.h"

namespace eddy {
namespace {

constexpr int kMaxFrames = 64;
// Frames of the handler itself and the kernel's signal trampoline.
constexpr int kHandlerFrames = 2;

enum CaptureState : int { kIdle, kPending, kWriting, kDone };

struct CaptureSlot {
  std::atomic<int> state{kIdle};
  std::atomic<int32_t> target{0};  // the thread asked for
  void* frames[kMaxFrames];
  int count = 0;
};

CaptureSlot g_slot;
std::mutex g_capture_mu;  // one capture at a time
std::once_flag g_install_once;

int capture_signal() { return SIGRTMIN + 5; }

void on_capture_signal(int, siginfo_t*, void*) {
  const int saved_errno = errno;
  int expected = kPending;
  // Only the thread asked for, and only while the requester still waits.
  // gettid directly: a thread_local's first use is not for a signal handler.
  const auto self = static_cast<int32_t>(syscall(SYS_gettid));
  if (g_slot.target.load() == self && g_slot.state.compare_exchange_strong(expected, kWriting)) {
    g_slot.count = backtrace(g_slot.frames, kMaxFrames);
    g_slot.state.store(kDone);
  }
  errno = saved_errno;
}

std::string symbolize(void* pc) {
  char name[1024];
  // The return address points after the call: look up the byte before it.
  if (absl::Symbolize(static_cast<char*>(pc) - 1, name, sizeof name)) return name;
  char buf[32];
  std::snprintf(buf, sizeof buf, "%p", pc);
  return buf;
}

}  // namespace

int32_t current_thread_id() {
  thread_local const int32_t tid = static_cast<int32_t>(syscall(SYS_gettid));
  return tid;
}

void install_stack_capture() {
  std::call_once(g_install_once, [] {
    void* warm[4];
    (void)backtrace(warm, 4);  // loads libgcc_s now, not inside the handler
    (void)current_thread_id();
    absl::InitializeSymbolizer("/proc/self/exe");
    struct sigaction sa {};
    sa.sa_sigaction = on_capture_signal;
    sa.sa_flags = SA_SIGINFO | SA_RESTART;
    sigemptyset(&sa.sa_mask);
    sigaction(capture_signal(), &sa, nullptr);
  });
}

Result<std::vector<std::string>> capture_thread_stack(int32_t tid, int timeout_ms) {
  install_stack_capture();
  std::lock_guard<std::mutex> lock(g_capture_mu);
  g_slot.count = 0;
  g_slot.target.store(tid);
  g_slot.state.store(kPending);
  if (syscall(SYS_tgkill, static_cast<int>(getpid()), tid, capture_signal()) != 0) {
    g_slot.state.store(kIdle);
    return Status::not_found("thread " + std::to_string(tid) + " is gone");
  }
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  while (g_slot.state.load() != kDone) {
    if (std::chrono::steady_clock::now() >= deadline) {
      int expected = kPending;
      if (g_slot.state.compare_exchange_strong(expected, kIdle))  // the handler will not write now
        return Status::io_error("thread " + std::to_string(tid) + " did not answer within " +
                                std::to_string(timeout_ms) + " ms");
      // The handler is writing: backtrace() is bounded, wait for it.
    }
    std::this_thread::sleep_for(std::chrono::microseconds(200));
  }
  std::vector<std::string> out;
  for (int i = kHandlerFrames; i < g_slot.count; ++i) out.push_back(symbolize(g_slot.frames[i]));
  g_slot.state.store(kIdle);
  return out;
}

}  // namespace eddy
