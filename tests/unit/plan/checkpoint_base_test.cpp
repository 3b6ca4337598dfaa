// Unit tests for checkpoints.dir under a cluster's checkpoint base
// (load_pipeline_text with PlanOptions::checkpoint_base): relative dirs are
// taken under it and may not leave it, by "..", or by a link that leads out.
#include <doctest/doctest.h>

#include <filesystem>

#include "plan/job_graph.h"
#include "unit/temp_dir.h"

using namespace eddy;

namespace {

std::string pipeline(const std::string& dir) {
  return "name: j\n"
         "checkpoints:\n"
         "  interval: 1s\n"
         "  dir: " + dir + "\n"
         "sources:\n"
         "  - {name: s, type: datagen, rows: 1, fields: {x: {kind: sequence}}}\n"
         "sinks:\n"
         "  - {name: out, input: s, type: blackhole}\n";
}

Result<JobGraphPtr> plan_under(const std::string& base, const std::string& dir) {
  PlanOptions options;
  options.checkpoint_base = base;
  return load_pipeline_text("job.yaml", pipeline(dir), options);
}

}  // namespace

TEST_CASE("a relative checkpoints.dir is taken under the base") {
  test::TempDir tmp;
  auto graph = plan_under(tmp.path(), "jobs/a/../b");
  REQUIRE(graph.ok());
  CHECK((*graph)->spec.checkpoints.dir == tmp.path() + "/jobs/b");
}

TEST_CASE("a relative checkpoints.dir that leaves the base is refused at its line and column") {
  test::TempDir tmp;
  for (const char* dir : {"../victim", "a/../../victim", ".."}) {
    auto graph = plan_under(tmp.path() + "/base", dir);
    REQUIRE_FALSE(graph.ok());
    CHECK_MESSAGE(graph.status().message().find("job.yaml:4:8: error: checkpoints.dir '") != std::string::npos,
                  graph.status().message());
    CHECK(graph.status().message().find("leaves the cluster's checkpoint directory") != std::string::npos);
  }
}

TEST_CASE("a link inside the base that leads out does not take checkpoints out") {
  test::TempDir tmp;
  std::filesystem::create_directories(tmp.path() + "/base");
  std::filesystem::create_directories(tmp.path() + "/elsewhere");
  std::filesystem::create_directory_symlink(tmp.path() + "/elsewhere", tmp.path() + "/base/out");
  CHECK_FALSE(plan_under(tmp.path() + "/base", "out/ck").ok());
}

TEST_CASE("an absolute checkpoints.dir is the user's to choose") {
  test::TempDir tmp;
  auto graph = plan_under(tmp.path() + "/base", tmp.path() + "/mine");
  REQUIRE(graph.ok());
  CHECK((*graph)->spec.checkpoints.dir == tmp.path() + "/mine");
}
