#include "runtime/forked_state_file.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

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
                            const std::function<Result<std::string>()>& produce) {
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
    Result<std::string> bytes = produce();
    file = bytes.ok() ? CheckpointStorage::write_file(dir, name, *bytes) : Result<StateFileRef>(bytes.status());
  } catch (const std::exception& e) {
    file = Status::internal(std::string("packing the snapshot failed: ") + e.what());
  }
  write_all(report_fd, report_of(file));
  ::_exit(0);  // no destructors, no stdio flush: they belong to the parent
}

}  // namespace

Result<std::unique_ptr<ForkedStateFile>> ForkedStateFile::start(std::string dir, std::string name,
                                                                std::function<Result<std::string>()> produce,
                                                                std::function<void()> done) {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0)
    return Status::io_error(std::string("cannot make a pipe for the snapshot process: ") + std::strerror(errno));
  const pid_t parent = ::getpid();
  const pid_t child = ::fork();
  if (child < 0) {
    const int err = errno;
    ::close(fds[0]);
    ::close(fds[1]);
    return Status::io_error(std::string("cannot fork the snapshot process: ") + std::strerror(err));
  }
  if (child == 0) {
    ::close(fds[0]);
    run_child(parent, fds[1], dir, name, produce);
  }
  ::close(fds[1]);
  return std::unique_ptr<ForkedStateFile>(
      new ForkedStateFile(child, fds[0], std::move(dir), std::move(name), std::move(done)));
}

ForkedStateFile::ForkedStateFile(pid_t child, int report_fd, std::string dir, std::string name,
                                 std::function<void()> done)
    : child_(child), report_fd_(report_fd), name_(std::move(name)), path_(std::move(dir) + "/" + name_),
      done_(std::move(done)),
      waiter_([this] { await_child(); }) {}

void ForkedStateFile::await_child() {
  std::string report;
  char buf[512];
  for (;;) {
    const ssize_t n = ::read(report_fd_, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    report.append(buf, static_cast<size_t>(n));
  }
  ::close(report_fd_);
  siginfo_t info{};
  while (::waitid(P_PID, static_cast<id_t>(child_), &info, WEXITED | WNOWAIT) < 0 && errno == EINTR) {
  }
  bool abandoned = false;
  {
    std::lock_guard<std::mutex> lock(reap_mutex_);
    reaped_ = true;
    abandoned = abandoned_;
    int ignored = 0;
    while (::waitpid(child_, &ignored, 0) < 0 && errno == EINTR) {
    }
  }
  if (report.rfind("ok ", 0) == 0) {
    StateFileRef ref;
    ref.path = name_;
    unsigned long long crc = 0;
    long long size = 0;
    if (std::sscanf(report.c_str() + 3, "%llu %lld", &crc, &size) == 2) {
      ref.crc = static_cast<decltype(ref.crc)>(crc);
      ref.size = size;
      result_ = ref;
    }
  } else if (report.rfind("error ", 0) == 0) {
    result_ = Status::io_error(report.substr(6));
  }
  if (!result_ && abandoned) {
    result_ = Status::cancelled("the subtask ended before " + path_ + " was written");
  } else if (!result_) {
    std::string how = info.si_code == CLD_EXITED ? "exited with status " + std::to_string(info.si_status)
                                                 : "was killed by signal " + std::to_string(info.si_status);
    result_ = Status::io_error("the process writing " + path_ + " " + how + " before it reported");
  }
  if (done_) done_();
}

void ForkedStateFile::abandon() {
  std::lock_guard<std::mutex> lock(reap_mutex_);
  if (reaped_) return;
  abandoned_ = true;
  ::kill(child_, SIGKILL);
}

ForkedStateFile::~ForkedStateFile() {
  if (waiter_.joinable()) waiter_.join();
}

Result<StateFileRef> ForkedStateFile::wait() {
  if (waiter_.joinable()) waiter_.join();
  return *result_;
}

}  // namespace eddy
