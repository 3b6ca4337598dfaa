#include "runtime/forked_state_file.h"

#include <doctest/doctest.h>

#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <string>
#include <thread>

#include "checkpoint/checksum.h"
#include "checkpoint/durable_file.h"
#include "unit/temp_dir.h"

using namespace eddy;
using eddy::test::TempDir;

namespace {

bool contains(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }

}  // namespace

TEST_CASE("a forked child writes the state as its memory was at the fork, and reports the file") {
  TempDir tmp;
  std::string state = "before the fork";
  std::atomic<int> done{0};
  auto file = fork_state_file(
      tmp.path(), "v1-0.state",
      [&state](const ByteSink& out) {
        ::usleep(100 * 1000);  // the parent changes `state` meanwhile
        EDDY_RETURN_IF_ERROR(out(state));
        return out(", packed in pid " + std::to_string(::getpid()));
      },
      [&done] { ++done; });
  REQUIRE(file.ok());
  state = "changed after the fork";
  Result<StateFileRef> ref = (*file)->wait();
  REQUIRE_MESSAGE(ref.ok(), ref.status().to_string());
  CHECK(done == 1);
  Result<std::string> bytes = read_whole_file(tmp.path() + "/v1-0.state");
  REQUIRE(bytes.ok());
  CHECK(bytes->rfind("before the fork, packed in pid ", 0) == 0);
  CHECK(!contains(*bytes, "pid " + std::to_string(::getpid())));  // not this process
  CHECK(ref->path == "v1-0.state");
  CHECK(ref->size == static_cast<int64_t>(bytes->size()));
  CHECK(ref->crc == crc32_of(*bytes));
}

TEST_CASE("a forked child holds none of the parent's descriptors beyond stdio") {
  TempDir tmp;
  int pipe_fds[2];
  REQUIRE(::pipe(pipe_fds) == 0);
  // Above 3, which the child keeps for its report.
  int fds[2] = {::fcntl(pipe_fds[0], F_DUPFD, 50), ::fcntl(pipe_fds[1], F_DUPFD, 50)};
  ::close(pipe_fds[0]);
  ::close(pipe_fds[1]);
  REQUIRE(fds[0] >= 50);
  REQUIRE(fds[1] >= 50);
  auto file = fork_state_file(
      tmp.path(), "fds.state",
      [&fds](const ByteSink& out) {
        std::string open;
        for (int fd : {fds[0], fds[1]})
          if (::fcntl(fd, F_GETFD) != -1) open += std::to_string(fd) + " ";
        return out("open: " + open);
      },
      nullptr);
  REQUIRE(file.ok());
  REQUIRE((*file)->wait().ok());
  ::close(fds[0]);
  ::close(fds[1]);
  Result<std::string> bytes = read_whole_file(tmp.path() + "/fds.state");
  REQUIRE(bytes.ok());
  CHECK(*bytes == "open: ");
}

TEST_CASE("a forked child's failure is reported: an error it returns, a failed write, a crash") {
  TempDir tmp;
  SUBCASE("an error from packing") {
    auto file = fork_state_file(
        tmp.path(), "a.state",
        [](const ByteSink& out) {
          EDDY_RETURN_IF_ERROR(out("half a file"));
          return Status::internal("no can do");
        },
        nullptr);
    REQUIRE(file.ok());
    Result<StateFileRef> ref = (*file)->wait();
    REQUIRE_FALSE(ref.ok());
    CHECK(ref.status().message() == "no can do");
    CHECK(std::filesystem::is_empty(tmp.path()));  // not even a temp file
  }
  SUBCASE("a write that fails") {
    // A regular file where the directory should be, so this fails even as root.
    REQUIRE(write_file_durably(tmp.path() + "/not-a-dir", "file").is_ok());
    auto file = fork_state_file(
        tmp.path() + "/not-a-dir/deeper", "a.state", [](const ByteSink& out) { return out("x"); }, nullptr);
    REQUIRE(file.ok());
    Result<StateFileRef> ref = (*file)->wait();
    REQUIRE_FALSE(ref.ok());
    CHECK(contains(ref.status().message(), "not-a-dir"));
  }
  SUBCASE("a child that dies before it reports") {
    auto file = fork_state_file(
        tmp.path(), "a.state",
        [](const ByteSink& out) {
          EDDY_RETURN_IF_ERROR(out("a start"));
          ::raise(SIGKILL);
          return out("never");
        },
        nullptr);
    REQUIRE(file.ok());
    Result<StateFileRef> ref = (*file)->wait();
    REQUIRE_FALSE(ref.ok());
    CHECK(contains(ref.status().message(), "killed by signal 9"));
    CHECK(contains(ref.status().message(), tmp.path() + "/a.state"));
    CHECK_FALSE(std::filesystem::exists(tmp.path() + "/a.state"));
  }
}

TEST_CASE("an abandoned child is killed at once and its file never appears") {
  TempDir tmp;
  const auto t0 = std::chrono::steady_clock::now();
  auto file = fork_state_file(
      tmp.path(), "slow.state",
      [](const ByteSink& out) {
        ::sleep(30);
        return out("late");
      },
      nullptr);
  REQUIRE(file.ok());
  (*file)->abandon();
  Result<StateFileRef> ref = (*file)->wait();
  REQUIRE_FALSE(ref.ok());
  CHECK(ref.status().code() == StatusCode::kCancelled);
  CHECK(contains(ref.status().message(), "ended before"));
  CHECK(std::chrono::steady_clock::now() - t0 < std::chrono::seconds(20));
  CHECK_FALSE(std::filesystem::exists(tmp.path() + "/slow.state"));
  (*file)->abandon();  // reaped: a no-op, never a signal to a reused pid
}
