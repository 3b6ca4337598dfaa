// The SQL planner's entry: a script (with its init scripts, joined with file
// markers so messages name the file they are about) lowered into a
// PipelineSpec (sql_lowering.h).
#include "sql/sql_planner.h"

#include <algorithm>
#include <cstring>

#include "sql/sql_lowering.h"

namespace eddy::sql {
namespace {

constexpr const char* kFileMarker = "--@file ";

}  // namespace

std::string join_scripts(const std::vector<std::pair<std::string, std::string>>& parts) {
  std::string out;
  for (const auto& [name, text] : parts) {
    out += std::string(kFileMarker) + name + "\n" + text;
    if (!text.empty() && text.back() != '\n') out += '\n';
  }
  return out;
}

void place_in_files(const std::string& text, std::vector<Diagnostic>& diags) {
  if (text.rfind(kFileMarker, 0) != 0) return;
  std::vector<std::pair<int, std::string>> starts;  // (line of the marker, file)
  int line = 1;
  for (size_t pos = 0; pos < text.size(); ++line) {
    const size_t end = std::min(text.find('\n', pos), text.size());
    if (text.compare(pos, std::strlen(kFileMarker), kFileMarker) == 0)
      starts.emplace_back(line, text.substr(pos + std::strlen(kFileMarker), end - pos - std::strlen(kFileMarker)));
    pos = end + 1;
  }
  for (Diagnostic& d : diags) {
    if (!d.file.empty()) continue;  // placed already
    for (auto it = starts.rbegin(); it != starts.rend(); ++it)
      if (d.loc.line > it->first) {
        d.file = it->second;
        d.loc.line -= it->first;
        break;
      }
  }
}

/// Where the script sets execution.checkpointing.interval.
static SourceLocation checkpoint_set_loc(const Script& script) {
  for (const Statement& s : script.statements)
    if (s.kind == Statement::Kind::kSet && s.set.key == "execution.checkpointing.interval") return s.set.key_loc;
  return {1, 1};
}

bool is_sql_file(const std::string& file_name) {
  return file_name.size() > 4 && upper(file_name.substr(file_name.size() - 4)) == ".SQL";
}

PipelineSpec plan_sql_script(const std::string& file_name, const std::string& text, std::vector<Diagnostic>& diags) {
  PipelineSpec spec;
  spec.file_name = file_name;
  spec.text = text;
  std::string stem = file_name.substr(file_name.find_last_of('/') + 1);
  spec.name = stem.substr(0, stem.size() - 4);
  Script script;
  if (!parse_script(text, script, diags)) {
    place_in_files(text, diags);
    return spec;
  }
  std::vector<const Statement*> all;
  for (const Statement& s : script.statements) all.push_back(&s);
  Lowering(script, all, spec, diags).run();
  if (diags.empty() && spec.sinks.empty() && !spec.explained.empty()) {
    place_in_files(text, diags);
    return spec;
  }
  if (spec.checkpoints.enabled && spec.checkpoints.dir.empty())
    diags.push_back({checkpoint_set_loc(script), "checkpoints need a directory: SET 'execution.checkpointing.dir' = "
                                                 "'/path' (or 'state.checkpoints.dir')"});
  if (diags.empty() && spec.sinks.empty())
    diags.push_back({{1, 1}, "the script has no INSERT INTO or SELECT: nothing would run"});
  place_in_files(text, diags);
  return spec;
}

}  // namespace eddy::sql
