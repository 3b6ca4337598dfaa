// The cluster config file (YAML) of `eddy jobmanager` and `eddy taskmanager`:
// ports, slots, heartbeats, TLS files, the cluster secret and the shared
// checkpoint directory. Command-line flags override what it says; the secret
// may also come from the environment (EDDY_CLUSTER_SECRET). Example files are
// in configs/cluster/; docs/cluster.md describes every key.
#pragma once

#include <cstdint>
#include <string>

#include "core/status.h"

namespace eddy {

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
  // tls: (all three files, or none)
  std::string tls_certificate;
  std::string tls_key;
  std::string tls_ca;
  std::string tls_passphrase;
  // cluster:
  std::string secret;
  // checkpoints:
  std::string checkpoint_dir;  // relative checkpoints.dir of jobs resolve against it

  bool tls_enabled() const { return !tls_certificate.empty() || !tls_key.empty() || !tls_ca.empty(); }
};

/// Reads `text` (the file `file_name`) over `out`: keys the file does not set
/// keep their value. Errors name the file, line and column and what was expected.
Status parse_cluster_config(const std::string& file_name, const std::string& text, ClusterConfig& out);

/// Checks what must hold whatever set the values: a heartbeat timeout longer
/// than the interval, TLS files all given together and readable.
Status check_cluster_config(const ClusterConfig& c);

/// Splits "HOST:PORT" (PORT 0-65535; HOST may be empty for "all interfaces").
Status split_host_port(const std::string& text, std::string& host, uint16_t& port);

}  // namespace eddy
