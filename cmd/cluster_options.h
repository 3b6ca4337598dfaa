// Settings shared by `eddy jobmanager` and `eddy taskmanager`: the cluster
// config file, then EDDY_CLUSTER_SECRET and EDDY_REST_TOKEN, then command-line flags, each
// overriding the one before; and the TLS files checked before CAF sees them.
#pragma once

#include <string>

#include "core/status.h"
#include "plan/cluster_config.h"

namespace eddy {

struct ClusterFlags {
  std::string config_file;
  // jobmanager
  std::string rpc_bind, rest_bind, checkpoint_dir;
  // taskmanager
  std::string jobmanager, name;
  int slots = 0;
  int connect_timeout_s = 30;
};

/// The config `flags` describe: file, environment, flags; checked.
Result<ClusterConfig> resolve_cluster_config(const ClusterFlags& flags);

/// Loads the certificate, key (with the passphrase) and CA with OpenSSL, so a
/// wrong file or passphrase is a clear error at startup rather than a hung link.
Status check_tls_files(const ClusterConfig& c);

}  // namespace eddy
