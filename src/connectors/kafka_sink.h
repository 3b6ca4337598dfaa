// The kafka sink: one message per row (value in json, csv or raw; key the csv
// of key.fields), with Flink's delivery guarantees: none, at-least-once
// (flushed at every barrier and at the end; a failed delivery fails the job)
// and exactly-once (a transactional producer per subtask, pre-committed at the
// barrier, committed when the checkpoint completes; kafka_transactions.h).
// Hosted in a sink subtask like every operator.
#pragma once

#include <string>

#include "connectors/connector_config.h"
#include "operators/operator.h"

namespace eddy {

/// `what` names the sink in messages ("kafka sink 'out'").
OperatorPtr make_kafka_sink(const KafkaSinkConfig& config, SchemaPtr input, std::string what);

}  // namespace eddy
