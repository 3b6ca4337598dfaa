// Keeps one failed TLS handshake from dropping every other TLS link.
//
// CAF 0.17.6's openssl session reads OpenSSL's per-thread error queue only
// inside CAF_LOG_INFO, which Debian's build compiles out, so a failed
// handshake (a peer with another CA's certificate, a plain-TCP peer) leaves
// its error queued. Every session shares the multiplexer thread, and
// SSL_get_error reports any queued error as SSL_ERROR_SSL: the next read on
// each healthy link failed, and the job manager lost all its task managers.
// OpenSSL's rule is that the queue must be empty before an I/O call; this
// file's SSL_read, SSL_write, SSL_accept and SSL_connect clear it and then
// call libssl's. Being defined in the executable, they take precedence over
// libssl's for every caller, libcaf_openssl included.
#pragma once

namespace eddy {

/// True when the wrappers are the SSL I/O functions the process resolves
/// (they are unless the binary was linked in an unusual way).
bool openssl_error_queue_guard_active();

}  // namespace eddy
