// The job manager's rpc port. A thread of its own accepts connections and runs
// the cluster handshake (src/net/cluster_auth.h) on each; only a peer that
// proves it knows the cluster secret is handed to CAF's BASP (plain or TLS),
// which then shows it the published actor (the gatekeeper). Until then a peer
// can make the process hold at most one small handshake buffer per connection,
// for at most the handshake timeout, and at most `max_pending` of them.
// Owned by `eddy jobmanager`; stopped before the actor system.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include "actors/messages.h"
#include "core/status.h"

namespace eddy {

struct RpcGateOptions {
  std::string secret;
  bool tls = false;
  /// A peer that has not finished the handshake by then is dropped.
  std::chrono::milliseconds handshake_timeout{5000};
  /// Connections in the handshake at once; more are closed at accept.
  size_t max_pending = 64;
};

class RpcGate {
 public:
  /// Listens on host:port (port 0: a free one) and serves `published` to the
  /// peers that pass the handshake.
  static Result<std::unique_ptr<RpcGate>> open(caf::actor_system& sys, caf::actor published,
                                               const std::string& host, uint16_t port, RpcGateOptions options);
  ~RpcGate();
  uint16_t port() const;

  struct Impl;

 private:
  explicit RpcGate(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace eddy
