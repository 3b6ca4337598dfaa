#include "cmd/tableau.h"

#include <algorithm>
#include <nlohmann/json.hpp>

namespace eddy {
namespace {

constexpr size_t kMinWidth = 12;
constexpr size_t kMaxWidth = 30;

std::string text_of(const nlohmann::ordered_json& v) {
  if (v.is_null()) return "<NULL>";
  if (v.is_string()) return v.get<std::string>();
  return v.dump();
}

}  // namespace

bool Tableau::row(const std::string& line) {
  nlohmann::ordered_json j = nlohmann::ordered_json::parse(line, nullptr, false);
  if (!j.is_object()) {
    std::fprintf(out_, "%s\n", line.c_str());
    return false;
  }
  std::string op = "+I";
  std::vector<std::string> names, values;
  for (auto it = j.begin(); it != j.end(); ++it) {
    if (it.key() == "op" && it.value().is_string()) {
      op = it.value().get<std::string>();
      continue;
    }
    names.push_back(it.key());
    values.push_back(text_of(it.value()));
  }
  if (columns_.empty()) {
    columns_ = names;
    widths_ = {2};
    for (const auto& n : names) widths_.push_back(std::clamp(n.size(), kMinWidth, kMaxWidth));
    rule();
    std::vector<std::string> header{"op"};
    header.insert(header.end(), names.begin(), names.end());
    cells(header);
    rule();
  }
  values.insert(values.begin(), op);
  cells(values);
  ++rows_;
  std::fflush(out_);
  return true;
}

void Tableau::finish() {
  if (rows_ == 0) {
    std::fprintf(out_, "Empty set\n");
    return;
  }
  rule();
  std::fprintf(out_, "Received a total of %zu row%s\n", rows_, rows_ == 1 ? "" : "s");
}

void Tableau::rule() const {
  std::string line = "+";
  for (size_t w : widths_) line += std::string(w + 2, '-') + "+";
  std::fprintf(out_, "%s\n", line.c_str());
}

void Tableau::cells(const std::vector<std::string>& values) const {
  std::string line = "|";
  for (size_t i = 0; i < widths_.size(); ++i) {
    std::string v = i < values.size() ? values[i] : "";
    if (v.size() > widths_[i]) v = v.substr(0, widths_[i] - 3) + "...";
    line += " " + std::string(widths_[i] - v.size(), ' ') + v + " |";
  }
  std::fprintf(out_, "%s\n", line.c_str());
}

}  // namespace eddy
