// What makes a process a cluster node: an actor system with CAF's middleman
// (and its openssl module when TLS is configured, for mutual TLS on every
// link), heartbeats on the links, and publishing / connecting actors over
// plain TCP or TLS. Used by `eddy jobmanager` and `eddy taskmanager`.
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

/// Publishes `actor` on host:port (port 0: any free port) and returns the port.
Result<uint16_t> publish_actor(caf::actor_system& sys, const caf::actor& actor, const std::string& host,
                               uint16_t port, bool tls);

/// Connects to the actor published on host:port.
Result<caf::actor> connect_actor(caf::actor_system& sys, const std::string& host, uint16_t port, bool tls);

}  // namespace eddy
