#include "runtime/forked_state_file.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>
#include <mutex>

#include "checkpoint/checkpoint_storage.h"

namespace eddy {
namespace {

// The child's report: "ok <crc> <size>" or "error <message>".
std::string report_of(const Result<StateFileRef>& file) {
  if (!file.ok()) return "error " + file.status().message();
  return "ok " + std::to_string(file->crc) + " " + std::to_string(file->size);
}

void write_all(int fd, const std::string& text) {
  size_t done = 0;
  while (done < text.size()) {
    const ssize_t n = ::write(fd, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;
    done += static_cast<size_t>(n);
  }
}

[[noreturn]] void run_child(pid_t parent, int report_fd, const std::string& dir, const std::string& name,
                            const std::function<Status(const ByteSink&)>& produce) {
  // Dies with the subtask's process; a Ctrl-C at the terminal is the parent's to handle.
  ::prctl(PR_SET_PDEATHSIG, SIGKILL);
  if (::getppid() != parent) ::_exit(1);
  ::signal(SIGINT, SIG_IGN);
  ::prctl(PR_SET_NAME, "eddy-snapshot");  // in ps and top
  // Sockets and files of the parent stay the parent's: a peer sees a closed
  // connection close when the parent closes it, not when this child exits.
  if (report_fd != 3) {
    ::dup2(report_fd, 3);
    report_fd = 3;
  }
  ::close_range(4, ~0U, 0);
  // The subtasks' threads come first; the child uses what CPU they leave.
  (void)::nice(10);
  Result<StateFileRef> file = Status::internal("not written");
  try {
    file = CheckpointStorage::stream_file(dir, name, produce);
  } catch (const std::exception& e) {
    file = Status::internal(std::string("packing the snapshot failed: ") + e.what());
  }
  write_all(report_fd, report_of(file));
  ::_exit(0);  // no destructors, no stdio flush: they belong to the parent
}

/// The parent's handle on a child. Its pid may be signalled only until it is
/// reaped: reaping and killing take the mutex.
struct Child {
  pid_t pid = 0;
  int report_fd = -1;  // read end of the child's report pipe
  std::mutex mutex;
  bool reaped = false;
  bool abandoned = false;
};

/// Reads the child's report, reaps it, and returns the file or why there is none.
Result<StateFileRef> await_child(Child& c, const std::string& name, const std::string& path) {
  std::string report;
  char buf[512];
  for (;;) {
    const ssize_t n = ::read(c.report_fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    report.append(buf, static_cast<size_t>(n));
  }
  ::close(c.report_fd);
  siginfo_t info{};
  while (::waitid(P_PID, static_cast<id_t>(c.pid), &info, WEXITED | WNOWAIT) < 0 && errno == EINTR) {
  }
  bool abandoned = false;
  {
    std::lock_guard<std::mutex> lock(c.mutex);
    c.reaped = true;
    abandoned = c.abandoned;
    int ignored = 0;
    while (::waitpid(c.pid, &ignored, 0) < 0 && errno == EINTR) {
    }
  }
  unsigned long long crc = 0;
  long long size = 0;
  if (report.rfind("ok ", 0) == 0 && std::sscanf(report.c_str() + 3, "%llu %lld", &crc, &size) == 2)
    return StateFileRef{name, static_cast<uint32_t>(crc), static_cast<int64_t>(size)};
  if (report.rfind("error ", 0) == 0) return Status::io_error(report.substr(6));
  if (abandoned) return Status::cancelled("the subtask ended before " + path + " was written");
  const std::string how = info.si_code == CLD_EXITED ? "exited with status " + std::to_string(info.si_status)
                                                     : "was killed by signal " + std::to_string(info.si_status);
  return Status::io_error("the process writing " + path + " " + how + " before it reported");
}

}  // namespace

Result<std::unique_ptr<PendingStateFile>> fork_state_file(std::string dir, std::string name,
                                                          std::function<Status(const ByteSink&)> produce,
                                                          std::function<void()> done) {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0)
    return Status::io_error(std::string("cannot make a pipe for the snapshot process: ") + std::strerror(errno));
  const pid_t parent = ::getpid();
  const pid_t pid = ::fork();
  if (pid < 0) {
    const int err = errno;
    ::close(fds[0]);
    ::close(fds[1]);
    return Status::io_error(std::string("cannot fork the snapshot process: ") + std::strerror(err));
  }
  if (pid == 0) {
    ::close(fds[0]);
    run_child(parent, fds[1], dir, name, produce);
  }
  ::close(fds[1]);
  auto child = std::make_shared<Child>();
  child->pid = pid;
  child->report_fd = fds[0];
  auto await = [child, name, path = dir + "/" + name] { return await_child(*child, name, path); };
  auto abandon = [child] {
    std::lock_guard<std::mutex> lock(child->mutex);
    if (child->reaped) return;
    child->abandoned = true;
    ::kill(child->pid, SIGKILL);
  };
  return std::make_unique<PendingStateFile>(std::move(await), std::move(done), std::move(abandon));
}

}  // namespace eddy
