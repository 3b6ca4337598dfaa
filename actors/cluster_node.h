// What makes a process a cluster node: an actor system with CAF's middleman
// (and its openssl module when TLS is configured, for mutual TLS on every
// link), heartbeats on the links, and a task manager's authenticated
// connection to the job manager (the job manager's side is actors/rpc_gate.h).
// Used by `eddy jobmanager` and `eddy taskmanager`.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "actors/messages.h"
#include "core/status.h"
#include "plan/cluster_config.h"

namespace eddy {

/// The actor system config of a cluster node: message types, scheduler
/// defaults, middleman with link heartbeats (a frozen peer is dropped after
/// heartbeat.timeout), TLS when `c` configures it. CAF's automatic
/// connections stay off: they would open plain TCP beside TLS links (see
/// docs/cluster.md), so task managers reach each other through the links they have.
std::unique_ptr<caf::actor_system_config> make_cluster_node_config(const ClusterConfig& c);

/// Connects to the job manager's rpc gate at host:port: TCP, the cluster
/// handshake (`secret`, introducing itself as `name`), then CAF's BASP over
/// the same socket, over TLS when `tls`. Returns the actor the job manager
/// publishes (its gatekeeper). A refusal (wrong or no secret, not a job
/// manager) is Status::invalid: retrying cannot help; not reaching it is an
/// io_error. Blocks for at most about 20 seconds.
Result<caf::actor> connect_to_job_manager(caf::actor_system& sys, const std::string& host, uint16_t port, bool tls,
                                          const std::string& secret, const std::string& name);

}  // namespace eddy
