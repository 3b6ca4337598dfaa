// Plain TCP sockets with deadlines, for the cluster handshake that runs before
// CAF takes a connection over: connect, listen, read and write exactly, and
// what an address is. Every socket made here is non-blocking and close-on-exec;
// the calls wait with poll() until the deadline (on any socket: reads and
// writes never block). Free of CAF.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

#include "core/status.h"

namespace eddy {

using Deadline = std::chrono::steady_clock::time_point;

/// Connects to host:port (every address the name resolves to, in order).
Result<int> connect_tcp(const std::string& host, uint16_t port, Deadline deadline);

/// A listening socket on host:port (empty host or "0.0.0.0": every interface;
/// port 0: a free one), with SO_REUSEADDR.
struct Listener {
  int fd = -1;
  uint16_t port = 0;
};
Result<Listener> listen_tcp(const std::string& host, uint16_t port);

/// Writes all of `bytes`.
Status write_all(int fd, std::string_view bytes, Deadline deadline);
/// Reads exactly `n` bytes into `out` (appended); a peer that closes first is an io_error.
Status read_exact(int fd, size_t n, std::string& out, Deadline deadline);

/// "ADDRESS:PORT" of the peer of a connected socket ("?" when unknown).
std::string peer_address(int fd);

/// True for "localhost", 127.0.0.0/8 and ::1: addresses only this host reaches.
bool is_loopback_host(const std::string& host);

}  // namespace eddy
