// Helpers over series for the rules (monitor/metric_view.h).
#include "monitor/metric_view.h"

#include <algorithm>
#include <cstring>

namespace eddy {

std::vector<TimedValue> since(const std::vector<TimedValue>& s, int64_t from_ms) {
  std::vector<TimedValue> out;
  for (const auto& p : s)
    if (p.time_ms >= from_ms) out.push_back(p);
  return out;
}

std::vector<TimedValue> fold_subtasks(const std::vector<std::vector<TimedValue>>& per_subtask, const char* how) {
  size_t n = 0;
  for (const auto& s : per_subtask) n = std::max(n, s.size());
  std::vector<TimedValue> out(n);
  for (size_t k = 0; k < n; ++k) {  // k: from the end
    double acc = 0;
    int64_t time = 0;
    int count = 0;
    for (const auto& s : per_subtask) {
      if (k >= s.size()) continue;
      const TimedValue& p = s[s.size() - 1 - k];
      time = std::max(time, p.time_ms);
      if (count == 0) acc = p.value;
      else if (!std::strcmp(how, "max")) acc = std::max(acc, p.value);
      else if (!std::strcmp(how, "min")) acc = std::min(acc, p.value);
      else acc += p.value;
      ++count;
    }
    if (!std::strcmp(how, "avg") && count > 0) acc /= count;
    out[n - 1 - k] = TimedValue{time, acc};
  }
  return out;
}

}  // namespace eddy
