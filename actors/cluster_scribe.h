// Hands a socket that passed the cluster handshake (src/net/cluster_auth.h)
// to CAF: a scribe (CAF's connection object) over plain TCP, or over TLS with
// caf::openssl's session, as caf::openssl would make for a socket it had
// accepted or connected itself. Used by the rpc gate and the task manager's
// connect (actors/cluster_node.cpp).
#pragma once

#include "caf/io/fwd.hpp"
#include "caf/io/scribe.hpp"
#include "core/status.h"

namespace caf {
class actor_system;
}

namespace eddy {

/// Which end of the TLS handshake this process is.
enum class TlsRole { kServer, kClient };

/// A scribe owning `fd` (non-blocking from here on). With `tls` the TLS
/// handshake starts on the socket as `role`, with the certificate, key and CA
/// of the actor system's openssl.* settings. On error `fd` is closed.
Result<caf::io::scribe_ptr> make_cluster_scribe(caf::actor_system& sys, int fd, bool tls, TlsRole role);

}  // namespace eddy
