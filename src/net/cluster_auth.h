// The cluster handshake: before a task manager's connection reaches CAF's
// BASP (and before TLS, when configured), both ends prove that they know the
// cluster secret without sending it, by an HMAC-SHA256 over two fresh nonces.
// The job manager's rpc gate (actors/rpc_gate.h) runs the server side; the
// task manager's connect (actors/cluster_node.h) the client side. Free of CAF.
//
//   server -> client   greeting: "EDDYRPC1" | server nonce (32)
//   client -> server   hello:    "EDDYRPC1" | flags (1) | name length (1) | name |
//                                client nonce (32) | HMAC(secret, "eddy-rpc-client" | server nonce |
//                                client nonce | name)
//   server -> client   verdict:  0 (accepted) | HMAC(secret, "eddy-rpc-server" | client nonce |
//                                server nonce), or 1 (wrong secret) / 2 (no secret), then close
//
// A capture shows two nonces and two MACs that are never valid again; what
// follows is BASP (or TLS). Every message has a fixed bound (at most 330 bytes),
// so an unauthenticated peer can make the job manager hold little.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "core/status.h"
#include "net/tcp_socket.h"

namespace eddy {

inline constexpr std::string_view kClusterAuthMagic = "EDDYRPC1";
inline constexpr size_t kClusterNonceSize = 32;
inline constexpr size_t kClusterMacSize = 32;
inline constexpr size_t kClusterGreetingSize = 8 + kClusterNonceSize;
/// Task manager names longer than this are cut in the hello.
inline constexpr size_t kClusterMaxNameSize = 255;

enum class ClusterVerdict : uint8_t { kAccepted = 0, kWrongSecret = 1, kNoSecret = 2 };

/// `n` random bytes from OpenSSL's generator.
std::string random_bytes(size_t n);

/// HMAC-SHA256 of `data` under `key`: 32 bytes.
std::string hmac_sha256(std::string_view key, std::string_view data);

/// The job manager's side of one connection's handshake, fed with what the
/// peer sends. It never consumes more than the hello, so the bytes after it
/// (BASP or TLS) stay in the socket for CAF.
class ServerHandshake {
 public:
  enum class State { kNeedMore, kAccepted, kRefused };

  /// `nonce`: kClusterNonceSize random bytes (random_bytes in production).
  ServerHandshake(std::string secret, std::string nonce);

  /// What to send first, before reading anything.
  const std::string& greeting() const { return greeting_; }
  /// How many more bytes the hello needs; never more than that may be read.
  size_t wanted() const;
  /// Takes up to wanted() bytes.
  void feed(std::string_view bytes);

  State state() const { return state_; }
  /// Accepted or refused: the verdict to send before handing the connection
  /// on (accepted) or closing it (refused). Empty when the peer did not speak
  /// this protocol at all.
  const std::string& reply() const { return reply_; }
  /// The name the task manager gave, with unprintable characters replaced.
  const std::string& peer_name() const { return name_; }
  /// Refused: why, for the job manager's log ("its cluster secret is wrong").
  const std::string& refusal() const { return refusal_; }

 private:
  void finish_hello();
  void refuse(std::string why, std::string reply);

  std::string secret_;
  std::string nonce_;
  std::string greeting_;
  std::string hello_;  // received so far
  State state_ = State::kNeedMore;
  std::string reply_;
  std::string name_;
  std::string refusal_;
};

/// The client's hello for `greeting` (checked: not an eddy greeting is an
/// error). An empty secret sends the "no secret" flag, which the job manager
/// refuses with a message saying so.
Result<std::string> make_client_hello(std::string_view greeting, const std::string& secret,
                                      const std::string& name, const std::string& client_nonce);

/// Checks the verdict (1 + kClusterMacSize bytes when accepted, 1 otherwise):
/// ok when the server accepted and proved it knows the secret too.
Status check_server_verdict(std::string_view verdict, std::string_view greeting, const std::string& secret,
                            const std::string& client_nonce);

/// The whole client side on a connected socket: reads the greeting, sends the
/// hello, reads and checks the verdict, all before `deadline`. Reads exactly
/// what the protocol says, so what the server sends next stays unread. A
/// refusal is Status::invalid (retrying cannot help); I/O trouble is io_error.
Status run_client_handshake(int fd, const std::string& secret, const std::string& name, Deadline deadline);

}  // namespace eddy
