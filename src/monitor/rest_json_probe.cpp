// REST JSON of stacks and samples. Each task manager answers for the
// subtasks it runs, as JSON text (it crosses processes as a string); the
// REST server merges the parts.
#include <algorithm>

#include "monitor/rest_json.h"

namespace eddy {

std::string stacks_part(const std::vector<SubtaskStack>& stacks) {
  Json subtasks = Json::array();
  for (const auto& s : stacks) {
    Json j{{"subtask", s.activity.subtask},
           {"attempt", s.activity.attempt},
           {"activity", s.activity.activity},
           {"detail", s.activity.detail},
           {"for-ms", s.activity.for_ms},
           {"thread", std::to_string(s.activity.thread_id)},
           {"stack", s.frames}};
    if (!s.error.empty()) j["stack-error"] = s.error;
    subtasks.push_back(std::move(j));
  }
  return Json{{"subtasks", subtasks}}.dump();
}

std::string sample_part(const std::vector<SampleRead>& reads) {
  Json columns = Json::array();
  Json rows = Json::array();
  for (const auto& r : reads) {
    if (columns.empty() && !r.columns.empty()) columns = r.columns;
    for (const auto& row : r.rows) {
      Json values = Json::parse(row.values_json, nullptr, false);
      rows.push_back(Json{{"op", row.op},
                          {"subtask", row.subtask},
                          {"time", row.time_ms},
                          {"values", values.is_discarded() ? Json::array() : values}});
    }
  }
  return Json{{"columns", columns}, {"rows", rows}}.dump();
}

Json merge_stacks(const std::vector<std::string>& parts) {
  Json subtasks = Json::array();
  for (const auto& p : parts) {
    Json j = Json::parse(p, nullptr, false);
    if (j.is_discarded()) continue;
    for (auto& s : j.value("subtasks", Json::array())) subtasks.push_back(std::move(s));
  }
  std::sort(subtasks.begin(), subtasks.end(),
            [](const Json& a, const Json& b) { return a.value("subtask", 0) < b.value("subtask", 0); });
  return Json{{"subtasks", subtasks}};
}

Json merge_samples(const std::vector<std::string>& parts, size_t rows) {
  Json columns = Json::array();
  std::vector<Json> all;
  for (const auto& p : parts) {
    Json j = Json::parse(p, nullptr, false);
    if (j.is_discarded()) continue;
    if (columns.empty() && j.contains("columns")) columns = j["columns"];
    for (auto& r : j.value("rows", Json::array())) all.push_back(std::move(r));
  }
  // Rows of one subtask keep their order; subtasks interleave by time.
  std::stable_sort(all.begin(), all.end(),
                   [](const Json& a, const Json& b) { return a.value("time", int64_t{0}) < b.value("time", int64_t{0}); });
  if (all.size() > rows) all.erase(all.begin(), all.end() - static_cast<std::ptrdiff_t>(rows));
  return Json{{"columns", columns}, {"rows", all}};
}

}  // namespace eddy
