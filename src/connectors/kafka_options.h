// The kafka connector's options under Flink's names, shared by pipeline files
// (plan/pipeline_parser.cpp, `type: kafka`) and SQL (sql/sql_tables.cpp,
// 'connector' = 'kafka'): each problem names the option it is about, so both
// callers can point at its line and column. No I/O.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "connectors/connector_config.h"
#include "core/status.h"

namespace eddy {

/// One option as written: key (e.g. "scan.startup.mode") and value.
struct KafkaOptionText {
  std::string key;
  std::string value;
};

/// A problem with option `option` (an index into the options given), or with
/// the options as a whole (`option` == kNoOption: e.g. a required one is missing).
struct KafkaOptionProblem {
  static constexpr size_t kNoOption = static_cast<size_t>(-1);
  size_t option = kNoOption;
  std::string message;
};

/// The option keys a kafka source / sink takes besides properties.*, for
/// "unknown option" messages.
const std::vector<std::string>& kafka_source_keys();
const std::vector<std::string>& kafka_sink_keys();

/// Reads the source options into `out` (its schema is the caller's); returns
/// the problems, none when all is well. Unknown keys are problems too.
std::vector<KafkaOptionProblem> read_kafka_source_options(const std::vector<KafkaOptionText>& options,
                                                          KafkaSourceConfig& out);
std::vector<KafkaOptionProblem> read_kafka_sink_options(const std::vector<KafkaOptionText>& options,
                                                        KafkaSinkConfig& out);

/// Flink's `scan.startup.specific-offsets`: "partition:0,offset:42;partition:1,offset:300".
Result<std::vector<std::pair<int32_t, int64_t>>> parse_kafka_specific_offsets(const std::string& text);

/// A format name (json | csv | raw) for messages.
const char* kafka_format_name(KafkaFormat f);

/// The librdkafka properties of `props` to print: secret values as "***".
std::string describe_kafka_properties(const std::vector<std::pair<std::string, std::string>>& props);

}  // namespace eddy
