// The cluster config file (YAML) of `eddy jobmanager` and `eddy taskmanager`:
// ports, slots, heartbeats, the slot request timeout, TLS files, the cluster secret, the shared
// checkpoint directory and the REST API's limits, token and TLS. Command-line
// flags override what it says; the secret and the REST token may also come from
// the environment (EDDY_CLUSTER_SECRET, EDDY_REST_TOKEN). Example files are in
// configs/cluster/; docs/cluster.md describes every key.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "core/status.h"

namespace eddy {

struct MonitorSpec;  // plan/monitor_spec.h

struct ClusterConfig {
  // jobmanager:
  std::string rpc_bind = "127.0.0.1:6123";  // where task managers connect (rpc); loopback unless told
  std::string rest_bind = "127.0.0.1:8081";  // the REST API (rest)
  // taskmanager:
  std::string jobmanager;   // HOST:PORT of the job manager's rpc endpoint (jobmanager)
  int32_t slots = 1;        // slots
  std::string name;         // name; default: host name and process id
  // heartbeat:
  int64_t heartbeat_interval_us = 1000000;   // interval
  int64_t heartbeat_timeout_us = 10000000;   // timeout
  // slot:
  int64_t slot_request_timeout_us = 300000000;  // request_timeout: a job waiting this long for slots fails over (5 min)
  // tls: (all three files, or none)
  std::string tls_certificate;
  std::string tls_key;
  std::string tls_ca;
  std::string tls_passphrase;
  // cluster:
  std::string secret;
  // checkpoints:
  std::string checkpoint_dir;  // relative checkpoints.dir of jobs resolve against it
  // rest: (the job manager's REST API; jobmanager.rest is its address)
  int64_t rest_max_body = 4 << 20;    // max_body: largest request body accepted, in bytes
  std::string rest_token;             // token: every request needs "Authorization: Bearer <token>"
  std::string rest_tls_certificate;   // tls.certificate: serve https (with tls.key)
  std::string rest_tls_key;           // tls.key
  std::string rest_tls_passphrase;    // tls.passphrase: of an encrypted tls.key
  // metrics: (GET /metrics, docs/monitoring.md)
  std::string prometheus_prefix = "flink";  // prometheus.prefix: of every series name, as Flink's reporter
  // monitor: the rules of every job whose pipeline has no monitor: section (null: the built-in defaults)
  std::shared_ptr<const MonitorSpec> monitor;

  bool tls_enabled() const { return !tls_certificate.empty() || !tls_key.empty() || !tls_ca.empty(); }
  bool rest_tls_enabled() const { return !rest_tls_certificate.empty() || !rest_tls_key.empty(); }
};

/// Reads `text` (the file `file_name`) over `out`: keys the file does not set
/// keep their value. Errors name the file, line and column and what was expected.
Status parse_cluster_config(const std::string& file_name, const std::string& text, ClusterConfig& out);

/// Checks what must hold whatever set the values: a heartbeat timeout longer
/// than the interval, TLS files all given together and readable (the cluster's
/// and the REST API's).
Status check_cluster_config(const ClusterConfig& c);

/// Splits "HOST:PORT" (PORT 0-65535; HOST may be empty for "all interfaces").
Status split_host_port(const std::string& text, std::string& host, uint16_t& port);

}  // namespace eddy
