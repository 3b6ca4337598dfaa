#include "actors/cluster_node.h"

#include <chrono>
#include <cstdio>
#include <set>

#include <unistd.h>

#include "caf/io/all.hpp"
#include "caf/openssl/all.hpp"

#include "actors/cluster_scribe.h"
#include "actors/openssl_error_queue.h"
#include "caf/io/basp_broker.hpp"
#include "net/cluster_auth.h"
#include "net/tcp_socket.h"

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

Result<caf::actor> connect_to_job_manager(caf::actor_system& sys, const std::string& host, uint16_t port, bool tls,
                                          const std::string& secret, const std::string& name) {
  const std::string where = host + ":" + std::to_string(port);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  EDDY_ASSIGN_OR_RETURN(int fd, connect_tcp(host, port, deadline));
  Status shook = run_client_handshake(fd, secret, name, deadline);
  if (!shook.is_ok()) {
    ::close(fd);
    if (!shook.retryable()) return shook;
    return Status::io_error("cannot reach the job manager at " + where + ": " + shook.message());
  }
  EDDY_ASSIGN_OR_RETURN(caf::io::scribe_ptr scribe, make_cluster_scribe(sys, fd, tls, TlsRole::kClient));
  auto basp = sys.middleman().named_broker<caf::io::basp_broker>(caf::atom("BASP"));
  Result<caf::actor> out = Status::io_error("no answer");
  caf::scoped_actor self{sys};
  self->request(basp, std::chrono::seconds(10), caf::connect_atom::value, std::move(scribe), port)
      .receive(
          [&](caf::node_id&, caf::strong_actor_ptr& ptr, std::set<std::string>&) {
            if (ptr) out = caf::actor_cast<caf::actor>(std::move(ptr));
            else out = Status::invalid("the job manager at " + where + " publishes no actor");
          },
          [&](caf::error& err) {
            out = Status::io_error("cannot reach the job manager at " + where + ": " + sys.render(err));
          });
  return out;
}

}  // namespace eddy
