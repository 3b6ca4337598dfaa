#include "cmd/stop_signals.h"

#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <thread>

namespace eddy {
namespace {

std::atomic<int> g_signal{0};

void on_signal(int sig) {
  g_signal = sig;
  std::signal(sig, SIG_DFL);
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
