// How much stack the calling thread has left, for code that recurses over
// input-shaped trees (expressions): it can refuse with a Status before a
// step that would overflow the stack, instead of crashing. PostgreSQL's
// check_stack_depth() does the same. Used by src/expr/.
#pragma once

#include <cstddef>
#include <string>

namespace eddy {

/// Stack each recursive step keeps free for the work below it (kernels,
/// string formatting, PostgreSQL's parser for a shallow expression).
constexpr size_t kStackReserve = 64 * 1024;

/// Bytes between the caller's frame and the end of its thread's stack; a
/// very large number when the thread's stack bounds cannot be read. The
/// bounds are read once per thread.
size_t stack_space_left();

/// "<what> is nested too deeply for the stack of this thread (N KiB left)".
/// Out of line, so that the frames of recursive callers stay small.
[[gnu::cold, gnu::noinline]] std::string short_stack_message(const char* what);

}  // namespace eddy
