// librdkafka handles for the kafka source and sink: configuration from the
// connector's options (${env:NAME} expanded here, when the connector opens),
// bounded metadata queries that name the broker address when it cannot be
// reached, and messages with secret values masked. Used by kafka_source.cpp
// and kafka_sink.cpp only.
#pragma once

#include <librdkafka/rdkafka.h>

#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "core/status.h"

namespace eddy {

struct KafkaHandleDeleter {
  void operator()(rd_kafka_t* rk) const;
};
using KafkaHandle = std::unique_ptr<rd_kafka_t, KafkaHandleDeleter>;

/// Connection settings of one connector instance.
struct KafkaClientOptions {
  std::string bootstrap_servers;
  std::vector<std::pair<std::string, std::string>> properties;  // librdkafka's names
  std::string what;  // "kafka source 'orders'": starts every message
};

class KafkaClient {
 public:
  /// Expands ${env:NAME} in every value; fails naming the option.
  static Result<KafkaClient> make(KafkaClientOptions options);

  /// A consumer or producer with the options plus `extra` (which win over
  /// defaults but not over the user's properties). Does not block.
  /// `on_delivery`: a producer's delivery report callback (messages carry their opaque).
  Result<KafkaHandle> open(rd_kafka_type_t type, const std::vector<std::pair<std::string, std::string>>& extra,
                           void (*on_delivery)(rd_kafka_t*, const rd_kafka_message_t*, void*) = nullptr) const;

  /// Partitions of `topic`, asking the cluster with `timeout_ms`: fails with
  /// "cannot reach Kafka at ..." or "topic ... does not exist at ...".
  Result<std::vector<int32_t>> partitions(rd_kafka_t* rk, const std::string& topic, int timeout_ms) const;
  /// Every topic of the cluster (for topic-pattern).
  Result<std::vector<std::pair<std::string, int32_t>>> topics(rd_kafka_t* rk, int timeout_ms) const;

  /// `text` with every secret value (of secret-named properties) masked.
  std::string mask(std::string text) const;
  /// A Status error "<what>: <message>" with secrets masked.
  Status error(const std::string& message, bool retryable = false) const;
  const std::string& servers() const { return options_.bootstrap_servers; }
  const std::string& what() const { return options_.what; }
  /// The value of a property the user set, or `fallback`.
  std::string property(const std::string& key, const std::string& fallback) const;

 private:
  KafkaClientOptions options_;  // values expanded
  std::vector<std::string> secrets_;
};

}  // namespace eddy
