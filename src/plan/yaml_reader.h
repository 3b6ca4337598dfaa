// MapReader: reads one YAML mapping of a pipeline file key by key, converting
// values and recording a located Diagnostic for every wrong type, missing key
// and unknown key. Used only by pipeline_parser.cpp.
#pragma once

#include <yaml-cpp/yaml.h>

#include <optional>
#include <set>
#include <string>
#include <vector>

#include "plan/pipeline_spec.h"

namespace eddy {

SourceLocation location_of(const YAML::Node& node);
LocatedText located_scalar(const YAML::Node& node);

class MapReader {
 public:
  /// `what` names the mapping in messages, e.g. "source 'gen'".
  MapReader(const YAML::Node& node, std::string what, std::vector<Diagnostic>& diags);

  bool valid() const { return valid_; }
  const YAML::Node& node() const { return node_; }
  /// The value under `key` (an undefined node when absent); marks the key as known.
  YAML::Node get(const std::string& key);
  bool has(const std::string& key);
  /// Marks keys as known without reading them (read elsewhere).
  void allow(std::initializer_list<const char*> keys);

  std::optional<LocatedText> text(const std::string& key, bool required = false);
  std::optional<int64_t> integer(const std::string& key, int64_t min, int64_t max, bool required = false);
  std::optional<double> number(const std::string& key, bool required = false);
  std::optional<bool> boolean(const std::string& key);
  /// A duration with a unit ("10ms"), in microseconds.
  std::optional<int64_t> duration_us(const std::string& key, bool required = false);
  /// One of `choices`, reporting the expected set otherwise.
  std::optional<std::string> choice(const std::string& key, const std::vector<std::string>& choices,
                                    bool required = false);

  /// Reports every key that was never asked for, with the keys that are expected.
  void reject_unknown_keys();
  void error(const YAML::Node& at, const std::string& message);
  void error(SourceLocation at, const std::string& message);
  const std::string& what() const { return what_; }

 private:
  std::optional<YAML::Node> scalar(const std::string& key, bool required, const char* expected);

  YAML::Node node_;
  std::string what_;
  std::vector<Diagnostic>& diags_;
  std::set<std::string> known_;
  bool valid_ = true;
};

}  // namespace eddy
