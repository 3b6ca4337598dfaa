#include "actors/cluster_node.h"

#include <chrono>
#include <cstdio>

#include "caf/io/all.hpp"
#include "caf/openssl/all.hpp"

#include "actors/openssl_error_queue.h"

namespace eddy {
namespace {

struct ClusterNodeConfig : caf::actor_system_config {
  explicit ClusterNodeConfig(const ClusterConfig& c) {
    eddy::add_message_types(*this);
    eddy::apply_scheduler_defaults(*this);
    load<caf::io::middleman>();  // before openssl::manager, which needs it
    set("middleman.heartbeat-interval", caf::timespan(std::chrono::microseconds(c.heartbeat_interval_us)));
    set("middleman.connection-timeout", caf::timespan(std::chrono::microseconds(c.heartbeat_timeout_us)));
    if (!c.tls_enabled()) return;
    load<caf::openssl::manager>();
    if (!openssl_error_queue_guard_active())
      std::fprintf(stderr, "eddy: warning: the OpenSSL error-queue guard is not in effect; a failed TLS "
                           "handshake may drop this node's other TLS links\n");
    // Any openssl.* key turns on authenticated mode: both ends of every link
    // present a certificate that must verify against the CA.
    set("openssl.certificate", c.tls_certificate);
    set("openssl.key", c.tls_key);
    set("openssl.cafile", c.tls_ca);
    if (!c.tls_passphrase.empty()) set("openssl.passphrase", c.tls_passphrase);
  }
};

}  // namespace

std::unique_ptr<caf::actor_system_config> make_cluster_node_config(const ClusterConfig& c) {
  return std::make_unique<ClusterNodeConfig>(c);
}

Result<uint16_t> publish_actor(caf::actor_system& sys, const caf::actor& actor, const std::string& host,
                               uint16_t port, bool tls) {
  const char* in = host.empty() || host == "0.0.0.0" ? nullptr : host.c_str();
  auto published = tls ? caf::openssl::publish(actor, port, in, true) : sys.middleman().publish(actor, port, in, true);
  if (!published)
    return Status::io_error("cannot listen on " + (host.empty() ? std::string("*") : host) + ":" +
                            std::to_string(port) + ": " + sys.render(published.error()) +
                            " (is the port in use? pick another with --rpc-bind)");
  return *published;
}

Result<caf::actor> connect_actor(caf::actor_system& sys, const std::string& host, uint16_t port, bool tls) {
  auto remote = tls ? caf::openssl::remote_actor<caf::actor>(sys, host, port)
                    : sys.middleman().remote_actor(host, port);
  if (!remote)
    return Status::io_error("cannot reach the job manager at " + host + ":" + std::to_string(port) + ": " +
                            sys.render(remote.error()));
  return *remote;
}

}  // namespace eddy
