// Pipeline-wide checks with positions (see pipeline_checks.h). Paths are
// taken relative to the working directory, as every other path of a
// pipeline file; the file system is only read.
#include "plan/pipeline_checks.h"

#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <map>

namespace eddy {
namespace {

namespace fs = std::filesystem;

/// Absolute and lexically normal, without a trailing separator: "out/a/../b/" -> "/cwd/out/b".
std::string normal_path(const std::string& path) {
  std::error_code ec;
  fs::path p = fs::absolute(fs::path(path), ec).lexically_normal();
  std::string s = p.string();
  while (s.size() > 1 && s.back() == '/') s.pop_back();
  return s;
}

/// "" when `dir` (a file sink's directory) exists as a writable directory or
/// can be created; else why not.
std::string sink_dir_problem(const std::string& dir) {
  std::error_code ec;
  fs::path at = fs::absolute(fs::path(dir), ec).lexically_normal();
  bool exists_already = true;
  // Up to the nearest part of the path that exists: that is where mkdir would begin.
  while (!fs::exists(fs::symlink_status(at, ec)) && at.has_relative_path() && at != at.parent_path()) {
    at = at.parent_path();
    exists_already = false;
  }
  if (!fs::is_directory(at, ec))
    return exists_already ? "'" + dir + "' exists and is not a directory"
                          : "'" + at.string() + "' is a file, not a directory, so no directory can be made under it";
  if (::access(at.c_str(), W_OK | X_OK) != 0)
    return exists_already ? "no permission to write files in '" + dir + "'"
                          : "no permission to create a directory in '" + at.string() + "'";
  return "";
}

}  // namespace

int32_t default_max_parallelism(int32_t p) {
  int64_t want = static_cast<int64_t>(p) + p / 2;
  int64_t power = 1;
  while (power < want) power <<= 1;
  return static_cast<int32_t>(std::min<int64_t>(std::max<int64_t>(power, 128), 32768));
}

void settle_max_parallelism(JobGraph& graph, bool adopted, std::vector<Diagnostic>& diags) {
  const LogicalNode* widest = nullptr;
  for (const auto& n : graph.nodes)
    if (widest == nullptr || n.parallelism > widest->parallelism) widest = &n;
  if (widest == nullptr) return;
  PipelineSpec& spec = graph.spec;
  if (!spec.max_parallelism_set && !adopted) {
    spec.max_parallelism = default_max_parallelism(widest->parallelism);
    return;
  }
  if (widest->parallelism <= spec.max_parallelism) return;
  const std::string from = spec.max_parallelism_set ? "" : " (the snapshot's being restored)";
  diags.push_back({spec.max_parallelism_loc.line > 0 ? spec.max_parallelism_loc : SourceLocation{1, 1},
                   "max_parallelism " + std::to_string(spec.max_parallelism) + from + " is below the parallelism " +
                       std::to_string(widest->parallelism) + " of '" + widest->name +
                       "': it is the number of key groups, and every subtask needs at least one; raise it to at "
                       "least " + std::to_string(widest->parallelism) + " or lower the parallelism"});
}

void check_outputs_read(const JobGraph& graph, std::vector<Diagnostic>& diags) {
  const PipelineSpec& spec = graph.spec;
  for (size_t i = 0; i < graph.nodes.size(); ++i) {
    const LogicalNode& n = graph.nodes[i];
    if (n.kind == NodeKind::kSink || n.top_n_stage) continue;
    std::vector<bool> read(1 + n.side_names.size(), false);
    for (int out : n.outputs) {
      const LogicalNode& consumer = graph.nodes[static_cast<size_t>(out)];
      if (consumer.input == static_cast<int>(i) && static_cast<size_t>(consumer.input_output) < read.size())
        read[static_cast<size_t>(consumer.input_output)] = true;
      if (consumer.right_input == static_cast<int>(i) && static_cast<size_t>(consumer.right_input_output) < read.size())
        read[static_cast<size_t>(consumer.right_input_output)] = true;
    }
    const bool is_source = n.kind == NodeKind::kSource;
    const LocatedText& name = is_source ? spec.sources[static_cast<size_t>(n.spec_index)].name
                                        : spec.operators[static_cast<size_t>(n.spec_index)].name;
    // A window with top_n hands its rows to its top-n stage, whose readers are the operator's.
    const bool staged = !n.outputs.empty() && graph.nodes[static_cast<size_t>(n.outputs.front())].top_n_stage;
    const bool main_read = staged ? !graph.nodes[static_cast<size_t>(n.outputs.front())].outputs.empty() : read[0];
    if (!main_read)
      diags.push_back({name.loc, "the output of " + std::string(is_source ? "source" : "operator") + " '" +
                                     name.text + "' goes nowhere: no operator or sink reads it; add a sink with "
                                     "input: " + name.text + " (type: blackhole discards it) or remove it"});
    for (size_t s = 0; s < n.side_names.size(); ++s)
      if (!read[s + 1])
        diags.push_back({spec.operators[static_cast<size_t>(n.spec_index)].late_output.loc,
                         "late_output '" + n.side_names[s] + "' of '" + name.text + "' is read by no operator or "
                         "sink; add one with input: " + n.side_names[s] + ", or remove late_output (late records "
                         "are then dropped and counted)"});
  }
}

void check_file_sink_paths(const PipelineSpec& spec, std::vector<Diagnostic>& diags) {
  std::map<std::string, const SinkSpec*> first;  // normal path -> the first sink writing there
  for (const SinkSpec& s : spec.sinks) {
    if (s.type != SinkType::kFile || s.file.path.empty()) continue;
    auto [it, fresh] = first.emplace(normal_path(s.file.path), &s);
    if (fresh) continue;
    const SinkSpec& earlier = *it->second;
    diags.push_back({s.path_loc, "sink '" + s.name.text + "' writes to the directory of sink '" + earlier.name.text +
                                     "' (line " + std::to_string(earlier.path_loc.line) + ", " + it->first +
                                     "): their part files would overwrite each other; give each file sink a "
                                     "directory of its own"});
  }
}

void check_local_files(const PipelineSpec& spec, bool sinks, std::vector<Diagnostic>& diags) {
  for (const SourceSpec& s : spec.sources) {
    if (s.type != SourceType::kFile || s.file.path.empty()) continue;
    std::error_code ec;
    const fs::file_status st = fs::status(s.file.path, ec);
    if (!fs::exists(st))
      diags.push_back({s.path_loc, "source '" + s.name.text + "' reads '" + s.file.path + "', which does not exist" +
                                       (s.file.path.front() == '/' ? "" : " (relative to " +
                                                                              fs::current_path(ec).string() + ")")});
    else if (::access(s.file.path.c_str(), R_OK | (fs::is_directory(st) ? X_OK : 0)) != 0)
      diags.push_back({s.path_loc, "source '" + s.name.text + "' cannot read '" + s.file.path + "': no permission"});
  }
  if (!sinks) return;
  for (const SinkSpec& s : spec.sinks) {
    if (s.type != SinkType::kFile || s.file.path.empty()) continue;
    const std::string problem = sink_dir_problem(s.file.path);
    if (!problem.empty())
      diags.push_back({s.path_loc, "sink '" + s.name.text + "' cannot write its part files to '" + s.file.path +
                                       "': " + problem});
  }
}

}  // namespace eddy
