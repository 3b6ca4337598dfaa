// Kafka connector options (kafka_options.h).
#include "connectors/kafka_options.h"

#include <charconv>
#include <optional>
#include <regex>

#include "connectors/secrets.h"
#include "core/time_util.h"

namespace eddy {
namespace {

constexpr const char* kProperties = "properties.";

bool parse_int(const std::string& text, int64_t& v) {
  const char* end = text.data() + text.size();
  auto [p, ec] = std::from_chars(text.data(), end, v);
  return ec == std::errc() && p == end && !text.empty();
}

/// Flink's durations: "5 min", "30 s", "100ms", or a bare number of milliseconds.
Result<int64_t> duration_ms(const std::string& text) {
  int64_t ms = 0;
  if (parse_int(text, ms) && ms >= 0) return ms;
  std::string t;
  for (char c : text)
    if (c != ' ') t += c;
  for (const auto& [flink, ours] : {std::pair<std::string, std::string>{"min", "m"}, {"sec", "s"}})
    if (t.size() > flink.size() && t.compare(t.size() - flink.size(), flink.size(), flink) == 0)
      t = t.substr(0, t.size() - flink.size()) + ours;
  EDDY_ASSIGN_OR_RETURN(int64_t us, parse_duration_us(t));
  return us / 1000;
}

std::vector<std::string> split_list(const std::string& text, char sep) {
  std::vector<std::string> out;
  std::string cur;
  for (char c : text + sep) {
    if (c != sep) {
      cur += c;
      continue;
    }
    while (!cur.empty() && cur.back() == ' ') cur.pop_back();
    size_t b = cur.find_first_not_of(' ');
    if (b != std::string::npos) out.push_back(cur.substr(b));
    cur.clear();
  }
  return out;
}

/// The value of "key" after a '.' in a "properties.key" option.
bool is_property(const std::string& key) {
  return key.rfind(kProperties, 0) == 0 && key.size() > std::char_traits<char>::length(kProperties);
}

/// The options both ends share: the properties and the format.
struct Common {
  const std::vector<KafkaOptionText>& options;
  std::vector<KafkaOptionProblem> problems;

  void problem(size_t i, std::string message) { problems.push_back({i, std::move(message)}); }

  std::optional<KafkaFormat> format(const std::string& value, size_t i) {
    if (value == "json") return KafkaFormat::kJson;
    if (value == "csv") return KafkaFormat::kCsv;
    if (value == "raw") return KafkaFormat::kRaw;
    problem(i, "'format' must be 'json', 'csv' or 'raw', not '" + value + "'");
    return std::nullopt;
  }
};

}  // namespace

const std::vector<std::string>& kafka_source_keys() {
  static const std::vector<std::string> kKeys = {
      "topic", "topic-pattern", "properties.bootstrap.servers", "properties.group.id", "properties.*",
      "scan.startup.mode", "scan.startup.specific-offsets", "scan.startup.timestamp-millis",
      "scan.bounded.mode", "scan.topic-partition-discovery.interval", "format", "json.ignore-parse-errors",
      "csv.ignore-parse-errors", "on_error"};
  return kKeys;
}

const std::vector<std::string>& kafka_sink_keys() {
  static const std::vector<std::string> kKeys = {
      "topic", "properties.bootstrap.servers", "properties.*", "format", "sink.delivery-guarantee",
      "sink.transactional-id-prefix", "sink.partitioner", "key.fields", "key.format"};
  return kKeys;
}

const char* kafka_format_name(KafkaFormat f) {
  switch (f) {
    case KafkaFormat::kJson: return "json";
    case KafkaFormat::kCsv: return "csv";
    case KafkaFormat::kRaw: return "raw";
  }
  return "?";
}

Result<std::vector<std::pair<int32_t, int64_t>>> parse_kafka_specific_offsets(const std::string& text) {
  std::vector<std::pair<int32_t, int64_t>> out;
  const std::string expected =
      "'scan.startup.specific-offsets' must look like 'partition:0,offset:42;partition:1,offset:300'";
  for (const std::string& item : split_list(text, ';')) {
    static const std::regex kItem(R"(\s*partition\s*:\s*(\d+)\s*,\s*offset\s*:\s*(\d+)\s*)");
    std::smatch m;
    if (!std::regex_match(item, m, kItem)) return Status::invalid(expected + ", not '" + item + "'");
    int64_t p = 0, o = 0;
    if (!parse_int(m[1].str(), p) || !parse_int(m[2].str(), o) || p > INT32_MAX)
      return Status::invalid(expected + ": '" + item + "' is out of range");
    for (const auto& [q, _] : out)
      if (q == p) return Status::invalid("'scan.startup.specific-offsets' names partition " + m[1].str() + " twice");
    out.emplace_back(static_cast<int32_t>(p), o);
  }
  if (out.empty()) return Status::invalid(expected);
  return out;
}

std::vector<KafkaOptionProblem> read_kafka_source_options(const std::vector<KafkaOptionText>& options,
                                                          KafkaSourceConfig& out) {
  Common c{options, {}};
  bool has_topic = false, has_servers = false;
  size_t startup_at = KafkaOptionProblem::kNoOption;
  bool has_offsets = false, has_timestamp = false;
  for (size_t i = 0; i < options.size(); ++i) {
    const std::string& k = options[i].key;
    const std::string& v = options[i].value;
    if (k == "topic") {
      out.topics = split_list(v, ';');
      has_topic = true;
      if (out.topics.empty()) c.problem(i, "'topic' names no topic");
    } else if (k == "topic-pattern") {
      out.topic_pattern = v;
      try {
        std::regex re(v);
      } catch (const std::regex_error& e) {
        c.problem(i, "'topic-pattern' is not a valid regular expression: " + std::string(e.what()));
      }
    } else if (k == "properties.bootstrap.servers") {
      out.bootstrap_servers = v;
      has_servers = !v.empty();
    } else if (k == "properties.group.id") {
      out.group_id = v;
    } else if (k == "scan.startup.mode") {
      startup_at = i;
      if (v == "earliest-offset") out.startup = KafkaStartup::kEarliest;
      else if (v == "latest-offset") out.startup = KafkaStartup::kLatest;
      else if (v == "group-offsets") out.startup = KafkaStartup::kGroupOffsets;
      else if (v == "timestamp") out.startup = KafkaStartup::kTimestamp;
      else if (v == "specific-offsets") out.startup = KafkaStartup::kSpecificOffsets;
      else
        c.problem(i, "'scan.startup.mode' must be 'earliest-offset', 'latest-offset', 'group-offsets', "
                     "'timestamp' or 'specific-offsets', not '" + v + "'");
    } else if (k == "scan.startup.specific-offsets") {
      has_offsets = true;
      auto offsets = parse_kafka_specific_offsets(v);
      if (offsets.ok()) out.specific_offsets = std::move(*offsets);
      else c.problem(i, offsets.status().message());
    } else if (k == "scan.startup.timestamp-millis") {
      has_timestamp = true;
      if (!parse_int(v, out.startup_timestamp_ms) || out.startup_timestamp_ms < 0)
        c.problem(i, "'scan.startup.timestamp-millis' must be epoch milliseconds, not '" + v + "'");
    } else if (k == "scan.bounded.mode") {
      if (v == "latest-offset") out.bounded_latest = true;
      else if (v != "unbounded")
        c.problem(i, "'scan.bounded.mode' must be 'unbounded' or 'latest-offset', not '" + v + "'");
    } else if (k == "scan.topic-partition-discovery.interval") {
      auto ms = duration_ms(v);
      if (ms.ok()) out.discovery_interval_ms = *ms;
      else c.problem(i, "'scan.topic-partition-discovery.interval' must be a duration such as '5 min' or '30s', "
                        "not '" + v + "'");
    } else if (k == "format" || k == "value.format") {
      if (auto f = c.format(v, i)) out.format = *f;
    } else if (k == "json.ignore-parse-errors" || k == "csv.ignore-parse-errors" || k == "on_error") {
      const bool skip = k == "on_error" ? v == "skip" : v == "true";
      const bool fail = k == "on_error" ? v == "fail" : v == "false";
      if (!skip && !fail)
        c.problem(i, k == "on_error" ? "'on_error' must be 'fail' or 'skip', not '" + v + "'"
                                     : "'" + k + "' must be 'true' or 'false', not '" + v + "'");
      if (skip) out.on_error = OnError::kSkip;
    } else if (is_property(k)) {
      out.properties.emplace_back(k.substr(std::char_traits<char>::length(kProperties)), v);
    } else {
      std::string known;
      for (const auto& key : kafka_source_keys()) known += (known.empty() ? "'" : ", '") + key + "'";
      c.problem(i, "unknown option '" + k + "' of a kafka source; it takes " + known);
    }
  }
  if (has_topic == !out.topic_pattern.empty())
    c.problem(KafkaOptionProblem::kNoOption, "a kafka source needs exactly one of 'topic' and 'topic-pattern'");
  if (!has_servers)
    c.problem(KafkaOptionProblem::kNoOption, "a kafka source needs 'properties.bootstrap.servers' (HOST:PORT,...)");
  if (out.startup == KafkaStartup::kSpecificOffsets && !has_offsets)
    c.problem(startup_at, "'scan.startup.mode' = 'specific-offsets' needs 'scan.startup.specific-offsets'");
  if (out.startup == KafkaStartup::kTimestamp && !has_timestamp)
    c.problem(startup_at, "'scan.startup.mode' = 'timestamp' needs 'scan.startup.timestamp-millis'");
  if (out.startup == KafkaStartup::kSpecificOffsets && out.topics.size() > 1)
    c.problem(startup_at, "'specific-offsets' name partitions of one topic: give one 'topic'");
  return c.problems;
}

std::vector<KafkaOptionProblem> read_kafka_sink_options(const std::vector<KafkaOptionText>& options,
                                                        KafkaSinkConfig& out) {
  Common c{options, {}};
  bool has_servers = false;
  size_t delivery_at = KafkaOptionProblem::kNoOption;
  for (size_t i = 0; i < options.size(); ++i) {
    const std::string& k = options[i].key;
    const std::string& v = options[i].value;
    if (k == "topic") {
      out.topic = v;
      if (v.empty() || v.find(';') != std::string::npos) c.problem(i, "a kafka sink writes one 'topic'");
    } else if (k == "properties.bootstrap.servers") {
      out.bootstrap_servers = v;
      has_servers = !v.empty();
    } else if (k == "format" || k == "value.format") {
      if (auto f = c.format(v, i)) out.format = *f;
    } else if (k == "sink.delivery-guarantee") {
      delivery_at = i;
      if (v == "none") out.delivery = KafkaDelivery::kNone;
      else if (v == "at-least-once") out.delivery = KafkaDelivery::kAtLeastOnce;
      else if (v == "exactly-once") out.delivery = KafkaDelivery::kExactlyOnce;
      else c.problem(i, "'sink.delivery-guarantee' must be 'none', 'at-least-once' or 'exactly-once', not '" + v + "'");
    } else if (k == "sink.transactional-id-prefix") {
      out.transactional_id_prefix = v;
    } else if (k == "sink.partitioner") {
      if (v == "default") out.partitioner = KafkaPartitioner::kDefault;
      else if (v == "fixed") out.partitioner = KafkaPartitioner::kFixed;
      else if (v == "round-robin") out.partitioner = KafkaPartitioner::kRoundRobin;
      else c.problem(i, "'sink.partitioner' must be 'default', 'fixed' or 'round-robin', not '" + v + "'");
    } else if (k == "key.fields") {
      out.key_fields = split_list(v, ';');
    } else if (k == "key.format") {
      if (v != "csv" && v != "raw") c.problem(i, "'key.format' must be 'csv' (eddy writes keys as csv), not '" + v + "'");
    } else if (is_property(k)) {
      const std::string prop = k.substr(std::char_traits<char>::length(kProperties));
      if (prop == "transaction.timeout.ms") {
        if (!parse_int(v, out.transaction_timeout_ms) || out.transaction_timeout_ms <= 0)
          c.problem(i, "'properties.transaction.timeout.ms' must be a positive number of milliseconds");
      } else if (prop == "transactional.id") {
        c.problem(i, "set 'sink.transactional-id-prefix' instead: each sink subtask has its own transactional.id");
      } else {
        out.properties.emplace_back(prop, v);
      }
    } else {
      std::string known;
      for (const auto& key : kafka_sink_keys()) known += (known.empty() ? "'" : ", '") + key + "'";
      c.problem(i, "unknown option '" + k + "' of a kafka sink; it takes " + known);
    }
  }
  if (out.topic.empty()) c.problem(KafkaOptionProblem::kNoOption, "a kafka sink needs 'topic'");
  if (!has_servers)
    c.problem(KafkaOptionProblem::kNoOption, "a kafka sink needs 'properties.bootstrap.servers' (HOST:PORT,...)");
  if (out.delivery == KafkaDelivery::kExactlyOnce && out.transactional_id_prefix.empty())
    c.problem(delivery_at, "'sink.delivery-guarantee' = 'exactly-once' needs 'sink.transactional-id-prefix'");
  return c.problems;
}

std::string describe_kafka_properties(const std::vector<std::pair<std::string, std::string>>& props) {
  std::string out;
  for (const auto& [k, v] : props)
    out += (out.empty() ? "" : ", ") + k + "=" + (is_secret_option(k) ? std::string("***") : v);
  return out;
}

}  // namespace eddy
