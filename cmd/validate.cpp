// `eddy validate PIPELINE`: checks a pipeline file and prints its job graph.
#include <cstdio>

#include "cmd/commands.h"
#include "plan/job_graph.h"

namespace eddy {

int run_validate(const std::string& pipeline, const std::vector<std::string>& init, int parallelism) {
  PlanOptions options;
  options.parallelism = parallelism;
  options.files = FileChecks::kSourcesAndSinks;  // as eddy local would run it here
  std::string text;
  Status read = read_pipeline_files(pipeline, init, text);
  if (!read.is_ok()) {
    std::fprintf(stderr, "%s\n", read.message().c_str());
    return kExitRefused;
  }
  auto graph = load_pipeline_text(pipeline, text, options);
  if (!graph.ok()) {
    std::fprintf(stderr, "%s", graph.status().message().c_str());
    if (graph.status().message().back() != '\n') std::fputc('\n', stderr);
    std::fprintf(stderr, "%s: refused; nothing was run\n", pipeline.c_str());
    return kExitRefused;
  }
  for (const std::string& plan_text : (*graph)->explained) std::printf("== EXPLAIN ==\n%s\n", plan_text.c_str());
  if ((*graph)->nodes.empty()) {
    std::printf("%s: valid (EXPLAIN only: no job)\n", pipeline.c_str());
    return kExitOk;
  }
  std::printf("%s: valid\n%s", pipeline.c_str(), (*graph)->describe().c_str());
  return kExitOk;
}

}  // namespace eddy
