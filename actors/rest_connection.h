// The REST API's connections: a cpp-httplib server whose every request must
// arrive within a deadline and under a byte cap, however slowly a client
// trickles it, over plain TCP or TLS. cpp-httplib 0.11's own timeouts bound one
// read at a time, so a client sending a byte every few seconds held a worker
// thread for ever. Used by rest_server.cpp; the threads are cpp-httplib's pool.
#pragma once

#include <httplib.h>
#include <openssl/ssl.h>

#include <chrono>
#include <cstddef>
#include <memory>

namespace eddy {

/// Bounds of one connection. Every field has its default here; docs/cluster.md
/// lists them (only the byte cap is configurable, through rest.max_body).
struct ConnectionLimits {
  std::chrono::milliseconds read_timeout{5000};     // silence tolerated while a request arrives
  std::chrono::milliseconds request_timeout{10000};  // the whole request: line, headers, body (and TLS handshake)
  std::chrono::milliseconds write_timeout{5000};    // a client that reads nothing this long is dropped
  std::chrono::milliseconds idle_timeout{5000};     // keep-alive: wait this long for the next request
  size_t max_requests = 100;                        // requests per connection, then it is closed
  size_t max_request_bytes = 8u << 20;              // request line, headers and body together
};

/// Why reading the current request stopped early.
enum class ReadFailure { kNone, kTimeout, kTooLarge };

/// What a handler and the connection loop tell each other about the request
/// being served. Owned by the loop; only its thread touches it.
struct ConnectionState {
  bool close_after_response = false;  // a handler left the body unread: do not read another request
  /// The request declares no body (neither Content-Length nor Transfer-Encoding),
  /// so its body is empty (RFC 9112 6.3): reads see its end. cpp-httplib 0.11
  /// would wait for the client to close instead (a bare `curl -X POST` got a
  /// 400 after the read timeout).
  bool no_body = false;
  ReadFailure failure = ReadFailure::kNone;
};

/// The state of the connection that the calling thread serves; nullptr
/// outside a request of a BoundedServer.
ConnectionState* current_connection();

/// An SSL_CTX owned by a unique_ptr.
using TlsContext = std::unique_ptr<SSL_CTX, void (*)(SSL_CTX*)>;

class BoundedServer : public httplib::Server {
 public:
  /// `tls` null: plain HTTP; otherwise every connection starts with a TLS handshake.
  BoundedServer(ConnectionLimits limits, TlsContext tls);
  const ConnectionLimits& limits() const { return limits_; }
  bool tls() const { return tls_ != nullptr; }
  /// After a bind: lets `backlog` connections wait to be accepted. cpp-httplib
  /// 0.11 listens with a backlog of 5, so a burst of 16 connections overflowed
  /// it: SYNs were dropped or answered with cookies, and clients waited 1 s or
  /// more to connect (or were reset).
  bool widen_backlog(int backlog);

 private:
  /// Replaces cpp-httplib's loop (see the file comment): serves up to
  /// max_requests requests, each through a BoundedStream with a fresh deadline.
  bool process_and_close_socket(socket_t sock) override;
  SSL* accept_tls(socket_t sock);

  ConnectionLimits limits_;
  TlsContext tls_;
};

}  // namespace eddy
