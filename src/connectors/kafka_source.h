// The kafka source: one split per topic partition (Split: path = topic,
// index = partition, position = next offset to read, end = offset to stop at or
// INT64_MAX), read by a SourceReader per split that shares one consumer per
// source subtask; the enumerator resolves scan.startup.mode to offsets once per
// job and later finds new partitions. Hosted like every source: enumerator in
// the source_coordinator actor, readers in a source subtask's SourceDriver.
#pragma once

#include <memory>
#include <string>

#include "connectors/connector_config.h"
#include "connectors/source.h"

namespace eddy {

/// `what` names the source in messages ("kafka source 'orders'"); `config.group_id`
/// is set (properties.group.id, else the factory's "eddy-<source name>").
std::unique_ptr<SourceReader> make_kafka_reader(const KafkaSourceConfig& config, std::string what);
std::unique_ptr<SplitEnumerator> make_kafka_enumerator(const KafkaSourceConfig& config, std::string what);

/// The split of `partition` of `topic` starting at `offset`, ending at `end` (INT64_MAX: never).
Split kafka_split(const std::string& topic, int32_t partition, int64_t offset, int64_t end);

}  // namespace eddy
