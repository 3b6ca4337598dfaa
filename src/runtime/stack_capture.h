// Native stacks of one thread of this process, taken without stopping it:
// the requester sends a realtime signal to the thread (tgkill); the handler,
// which only calls backtrace() into a preallocated buffer, records the frames;
// the requester waits a bounded time and symbolizes them afterwards, on its
// own thread. The task manager uses it for GET .../stacks (subtask_registry.h);
// nothing else in the process pauses, so heartbeats go on.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/status.h"

namespace eddy {

/// The calling thread's kernel id, cached per thread (gettid once).
int32_t current_thread_id();

/// Installs the signal handler (once per process; later calls do nothing) and
/// calls backtrace() once, so that the handler never loads libgcc itself.
void install_stack_capture();

/// The frames of thread `tid` of this process, innermost first, symbolized
/// ("eddy::TaskRunner::on_batch(...)+0x1c" or "0x55d1... (binary)"); the
/// handler's own frames are left out. NotFound when the thread is gone, an
/// error after `timeout_ms` without an answer. One capture at a time.
Result<std::vector<std::string>> capture_thread_stack(int32_t tid, int timeout_ms = 200);

}  // namespace eddy
