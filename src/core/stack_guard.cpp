// stack_space_left(): the thread's stack bounds from pthread_getattr_np,
// cached per thread, against the address of the current frame.
#include "core/stack_guard.h"

#include <pthread.h>

#include <cstdint>

namespace eddy {
namespace {

/// The lowest usable address of this thread's stack (stacks grow down on
/// every platform eddy runs on); 0 when unknown. Read on first use.
thread_local uintptr_t t_stack_low = 0;
thread_local bool t_stack_read = false;

uintptr_t read_stack_low() {
  pthread_attr_t attr;
  if (pthread_getattr_np(pthread_self(), &attr) != 0) return 0;
  void* addr = nullptr;
  size_t size = 0;
  const bool ok = pthread_attr_getstack(&attr, &addr, &size) == 0;
  pthread_attr_destroy(&attr);
  return ok ? reinterpret_cast<uintptr_t>(addr) : 0;
}

}  // namespace

size_t stack_space_left() {
  if (!t_stack_read) {
    t_stack_read = true;
    t_stack_low = read_stack_low();
  }
  if (t_stack_low == 0) return SIZE_MAX;
  const auto here = reinterpret_cast<uintptr_t>(__builtin_frame_address(0));
  return here > t_stack_low ? here - t_stack_low : 0;
}

std::string short_stack_message(const char* what) {
  return std::string(what) + " is nested too deeply for the stack of this thread (" +
         std::to_string(stack_space_left() / 1024) + " KiB left)";
}

}  // namespace eddy
