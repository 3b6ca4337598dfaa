#include "cmd/stop_signals.h"

#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <thread>

#include <unistd.h>

#include "cmd/commands.h"

namespace eddy {
namespace {

std::atomic<int> g_signal{0};
std::atomic<int> g_interrupts{0};

// Async-signal-safe: atomics, write(2) and _exit(2) only.
void on_signal(int sig) {
  if (sig == SIGINT && g_interrupts.fetch_add(1) >= 1) {
    static const char kForced[] = "\neddy: stopped at once by a second Ctrl-C: no savepoint, no summary\n";
    (void)!::write(STDERR_FILENO, kForced, sizeof kForced - 1);
    ::_exit(kExitForced);
  }
  int none = 0;
  g_signal.compare_exchange_strong(none, sig);  // later requests are the same request
}

}  // namespace

void install_stop_signals() {
  std::signal(SIGPIPE, SIG_IGN);
  std::signal(SIGINT, on_signal);
  std::signal(SIGTERM, on_signal);
}

int stop_signal() { return g_signal; }

void exit_if_stuck(int code, int grace_s) {
  std::thread([code, grace_s] {
    std::this_thread::sleep_for(std::chrono::seconds(grace_s));
    // Not stdout: its lock may be held by the very write that is stuck.
    std::fprintf(stderr, "actors did not stop within %ds; exiting\n", grace_s);
    std::_Exit(code);
  }).detach();
}

}  // namespace eddy
