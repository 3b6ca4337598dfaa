// MapReader implementation: typed, located access to YAML mappings.
#include "plan/yaml_reader.h"

#include <charconv>

#include "core/time_util.h"

namespace eddy {

SourceLocation location_of(const YAML::Node& node) {
  if (!node.IsDefined()) return {};
  const YAML::Mark m = node.Mark();
  if (m.line < 0) return {};
  return {m.line + 1, m.column + 1};
}

LocatedText located_scalar(const YAML::Node& node) {
  LocatedText t;
  t.loc = location_of(node);
  if (node.IsScalar()) {
    t.text = node.Scalar();
    // yaml-cpp tags quoted scalars "!" and plain ones "?".
    t.quoted = node.Tag() == "!";
  }
  return t;
}

MapReader::MapReader(const YAML::Node& node, std::string what, std::vector<Diagnostic>& diags)
    : node_(node), what_(std::move(what)), diags_(diags) {
  if (!node_.IsMap()) {
    error(node_, what_ + " must be a mapping of keys to values");
    valid_ = false;
  }
}

YAML::Node MapReader::get(const std::string& key) {
  known_.insert(key);
  if (!valid_) return YAML::Node(YAML::NodeType::Undefined);
  for (auto it = node_.begin(); it != node_.end(); ++it)
    if (it->first.IsScalar() && it->first.Scalar() == key) return it->second;
  return YAML::Node(YAML::NodeType::Undefined);
}

bool MapReader::has(const std::string& key) {
  auto n = get(key);
  return n.IsDefined() && !n.IsNull();
}

void MapReader::allow(std::initializer_list<const char*> keys) {
  for (const char* k : keys) known_.insert(k);
}

void MapReader::error(const YAML::Node& at, const std::string& message) {
  diags_.push_back({location_of(at), message});
}

void MapReader::error(SourceLocation at, const std::string& message) {
  diags_.push_back({at, message});
}

std::optional<YAML::Node> MapReader::scalar(const std::string& key, bool required,
                                            const char* expected) {
  YAML::Node n = get(key);
  if (!n.IsDefined() || n.IsNull()) {
    if (required && valid_) error(node_, what_ + " needs '" + key + "' (" + expected + ")");
    return std::nullopt;
  }
  if (!n.IsScalar()) {
    error(n, "'" + key + "' of " + what_ + " must be " + expected);
    return std::nullopt;
  }
  return n;
}

std::optional<LocatedText> MapReader::text(const std::string& key, bool required) {
  auto n = scalar(key, required, "a text value");
  if (!n) return std::nullopt;
  return located_scalar(*n);
}

std::optional<int64_t> MapReader::integer(const std::string& key, int64_t min, int64_t max,
                                          bool required) {
  auto n = scalar(key, required, "an integer");
  if (!n) return std::nullopt;
  const std::string& s = n->Scalar();
  int64_t v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || p != s.data() + s.size()) {
    error(*n, "expected an integer for '" + key + "' of " + what_ + ", got '" + s + "'");
    return std::nullopt;
  }
  if (v < min || v > max) {
    error(*n, "'" + key + "' of " + what_ + " must be between " + std::to_string(min) + " and " +
                  std::to_string(max) + ", got " + s);
    return std::nullopt;
  }
  return v;
}

std::optional<double> MapReader::number(const std::string& key, bool required) {
  auto n = scalar(key, required, "a number");
  if (!n) return std::nullopt;
  const std::string& s = n->Scalar();
  double v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || p != s.data() + s.size()) {
    error(*n, "expected a number for '" + key + "' of " + what_ + ", got '" + s + "'");
    return std::nullopt;
  }
  return v;
}

std::optional<bool> MapReader::boolean(const std::string& key) {
  auto n = scalar(key, false, "true or false");
  if (!n) return std::nullopt;
  const std::string& s = n->Scalar();
  if (s == "true") return true;
  if (s == "false") return false;
  error(*n, "expected true or false for '" + key + "' of " + what_ + ", got '" + s + "'");
  return std::nullopt;
}

std::optional<int64_t> MapReader::duration_us(const std::string& key, bool required) {
  auto n = scalar(key, required, "a duration such as 10ms or 2s");
  if (!n) return std::nullopt;
  auto d = parse_duration_us(n->Scalar());
  if (!d.ok()) {
    error(*n, "'" + key + "' of " + what_ + ": " + d.status().message());
    return std::nullopt;
  }
  return *d;
}

std::optional<std::string> MapReader::choice(const std::string& key,
                                             const std::vector<std::string>& choices,
                                             bool required) {
  std::string expected;
  for (size_t i = 0; i < choices.size(); ++i) expected += (i ? " | " : "") + choices[i];
  auto n = scalar(key, required, ("one of " + expected).c_str());
  if (!n) return std::nullopt;
  for (const auto& c : choices)
    if (n->Scalar() == c) return c;
  error(*n, "'" + key + "' of " + what_ + " must be one of " + expected + ", got '" +
                n->Scalar() + "'");
  return std::nullopt;
}

void MapReader::reject_unknown_keys() {
  if (!valid_) return;
  std::set<std::string> seen;
  for (auto it = node_.begin(); it != node_.end(); ++it) {
    const std::string key = it->first.IsScalar() ? it->first.Scalar() : "?";
    if (!seen.insert(key).second) {
      error(it->first, "duplicate key '" + key + "' in " + what_);
      continue;
    }
    if (known_.count(key)) continue;
    std::string expected;
    for (const auto& k : known_) expected += (expected.empty() ? "" : ", ") + k;
    error(it->first, "unknown key '" + key + "' in " + what_ + "; expected one of: " + expected);
  }
}

}  // namespace eddy
