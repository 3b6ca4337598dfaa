// Unit tests for the RocksDB working directories of processes
// (src/state/local_state_dir.h): a killed process's dir is removed by the
// next process, a live one's and unrelated entries are not.
#include <doctest/doctest.h>

#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "state/local_state_dir.h"
#include "unit/temp_dir.h"

using namespace eddy;
namespace fs = std::filesystem;

TEST_CASE("a dead process's working directory is removed, a live one's and other entries stay") {
  test::TempDir tmp;
  const pid_t child = ::fork();
  REQUIRE(child >= 0);
  if (child == 0) ::_exit(0);
  int status = 0;
  REQUIRE(::waitpid(child, &status, 0) == child);  // gone: its pid is free
  const fs::path dead = fs::path(tmp.path()) / ("eddy-" + std::to_string(child));
  fs::create_directories(dead / "job1-0" / "db");
  std::ofstream(dead / "job1-0" / "db" / "000001.sst") << "x";
  const fs::path mine = process_local_dir(tmp.path());
  fs::create_directories(mine);
  const fs::path parent = fs::path(tmp.path()) / ("eddy-" + std::to_string(::getppid()));  // alive
  fs::create_directories(parent);
  for (const char* other : {"eddy-", "eddy-12x", "eddy-notes", "other-1"}) fs::create_directories(fs::path(tmp.path()) / other);
  std::ofstream(fs::path(tmp.path()) / "eddy-999999999") << "a file, not a dir";

  CHECK(remove_stale_local_dirs(tmp.path()) == 1);
  CHECK_FALSE(fs::exists(dead));
  CHECK(fs::exists(mine));
  CHECK(fs::exists(parent));
  for (const char* other : {"eddy-", "eddy-12x", "eddy-notes", "other-1", "eddy-999999999"})
    CHECK_MESSAGE(fs::exists(fs::path(tmp.path()) / other), other);
  CHECK(mine.string() == tmp.path() + "/eddy-" + std::to_string(::getpid()));
}
