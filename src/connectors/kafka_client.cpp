// librdkafka handles for the kafka connector (kafka_client.h).
#include "connectors/kafka_client.h"

#include <algorithm>
#include <map>

#include "connectors/secrets.h"

namespace eddy {

void KafkaHandleDeleter::operator()(rd_kafka_t* rk) const {
  if (rk) rd_kafka_destroy(rk);
}

Result<KafkaClient> KafkaClient::make(KafkaClientOptions options) {
  KafkaClient c;
  EDDY_ASSIGN_OR_RETURN(options.bootstrap_servers,
                        expand_env(options.bootstrap_servers, "properties.bootstrap.servers", process_env, options.what));
  if (options.bootstrap_servers.empty())
    return Status::invalid(options.what + ": 'properties.bootstrap.servers' is empty (an unset or empty ${env:...}?)");
  for (auto& [k, v] : options.properties) {
    EDDY_ASSIGN_OR_RETURN(v, expand_env(v, "properties." + k, process_env, options.what));
    if (is_secret_option(k) && !v.empty()) c.secrets_.push_back(v);
  }
  c.options_ = std::move(options);
  return c;
}

std::string KafkaClient::mask(std::string text) const {
  for (const auto& s : secrets_) text = mask_secret(std::move(text), s);
  return text;
}

Status KafkaClient::error(const std::string& message, bool retryable) const {
  return Status(retryable ? StatusCode::kIoError : StatusCode::kInvalidArgument,
                mask(options_.what + ": " + message), retryable);
}

std::string KafkaClient::property(const std::string& key, const std::string& fallback) const {
  for (const auto& [k, v] : options_.properties)
    if (k == key) return v;
  return fallback;
}

Result<KafkaHandle> KafkaClient::open(rd_kafka_type_t type,
                                      const std::vector<std::pair<std::string, std::string>>& extra,
                                      void (*on_delivery)(rd_kafka_t*, const rd_kafka_message_t*, void*)) const {
  // The user's properties last: they win over eddy's defaults.
  std::map<std::string, std::string> settings = {
      {"bootstrap.servers", options_.bootstrap_servers},
      {"log.connection.close", "false"},
      {"socket.connection.setup.timeout.ms", "10000"},
  };
  for (const auto& [k, v] : extra) settings[k] = v;
  for (const auto& [k, v] : options_.properties) settings[k] = v;
  char err[512];
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  for (const auto& [k, v] : settings) {
    if (rd_kafka_conf_set(conf, k.c_str(), v.c_str(), err, sizeof err) != RD_KAFKA_CONF_OK) {
      rd_kafka_conf_destroy(conf);
      return error("property '" + k + "': " + err);
    }
  }
  if (on_delivery) rd_kafka_conf_set_dr_msg_cb(conf, on_delivery);
  rd_kafka_t* rk = rd_kafka_new(type, conf, err, sizeof err);  // owns conf from here on success
  if (!rk) {
    rd_kafka_conf_destroy(conf);
    return error(std::string("cannot create a Kafka client: ") + err);
  }
  return KafkaHandle(rk);
}

namespace {
bool unreachable(rd_kafka_resp_err_t e) {
  return e == RD_KAFKA_RESP_ERR__TRANSPORT || e == RD_KAFKA_RESP_ERR__TIMED_OUT ||
         e == RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN || e == RD_KAFKA_RESP_ERR__RESOLVE;
}
}  // namespace

Result<std::vector<int32_t>> KafkaClient::partitions(rd_kafka_t* rk, const std::string& topic, int timeout_ms) const {
  // Metadata of all topics: asking for one by name may create it (brokers and
  // librdkafka's mock with auto-creation on), hiding a misspelt name.
  const rd_kafka_metadata_t* md = nullptr;
  rd_kafka_resp_err_t e = rd_kafka_metadata(rk, 1, nullptr, &md, timeout_ms);
  if (e) {
    if (unreachable(e))
      return error("cannot reach Kafka at " + options_.bootstrap_servers + " (" + rd_kafka_err2str(e) + ")", true);
    return error("metadata of topic '" + topic + "' from " + options_.bootstrap_servers + ": " + rd_kafka_err2str(e), true);
  }
  std::vector<int32_t> out;
  rd_kafka_resp_err_t topic_err = RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART;
  for (int i = 0; i < md->topic_cnt; ++i) {
    if (topic != md->topics[i].topic) continue;
    topic_err = md->topics[i].err;
    for (int p = 0; p < md->topics[i].partition_cnt; ++p) out.push_back(md->topics[i].partitions[p].id);
  }
  rd_kafka_metadata_destroy(md);
  if (topic_err == RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART || (topic_err == 0 && out.empty()))
    return error("topic '" + topic + "' does not exist at " + options_.bootstrap_servers);
  if (topic_err)
    return error("topic '" + topic + "' at " + options_.bootstrap_servers + ": " + rd_kafka_err2str(topic_err), true);
  std::sort(out.begin(), out.end());
  return out;
}

Result<std::vector<std::pair<std::string, int32_t>>> KafkaClient::topics(rd_kafka_t* rk, int timeout_ms) const {
  const rd_kafka_metadata_t* md = nullptr;
  rd_kafka_resp_err_t e = rd_kafka_metadata(rk, 1, nullptr, &md, timeout_ms);
  if (e) {
    if (unreachable(e))
      return error("cannot reach Kafka at " + options_.bootstrap_servers + " (" + rd_kafka_err2str(e) + ")", true);
    return error(std::string("metadata from ") + options_.bootstrap_servers + ": " + rd_kafka_err2str(e), true);
  }
  std::vector<std::pair<std::string, int32_t>> out;
  for (int i = 0; i < md->topic_cnt; ++i)
    if (!md->topics[i].err) out.emplace_back(md->topics[i].topic, md->topics[i].partition_cnt);
  rd_kafka_metadata_destroy(md);
  return out;
}

}  // namespace eddy
