#include "net/tcp_socket.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace eddy {
namespace {

int millis_until(Deadline deadline) {
  const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
  return left.count() <= 0 ? 0 : static_cast<int>(std::min<int64_t>(left.count(), 1 << 30));
}

/// Waits until `fd` is ready for `events`; false on timeout or error (errno set).
bool wait_ready(int fd, short events, Deadline deadline) {
  for (;;) {
    pollfd p{fd, events, 0};
    const int n = ::poll(&p, 1, millis_until(deadline));
    if (n > 0) return true;
    if (n == 0) {
      errno = ETIMEDOUT;
      return false;
    }
    if (errno != EINTR) return false;
  }
}

std::string errno_text(int e) { return e == ETIMEDOUT ? "timed out" : std::strerror(e); }

int make_socket(int family) {
  const int fd = ::socket(family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd >= 0) {
    const int one = 1;
    ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  }
  return fd;
}

/// One connect attempt to one resolved address.
Status connect_one(const addrinfo& a, Deadline deadline, int& out) {
  const int fd = make_socket(a.ai_family);
  if (fd < 0) return Status::io_error(std::strerror(errno));
  if (::connect(fd, a.ai_addr, a.ai_addrlen) != 0 && errno != EINPROGRESS) {
    const int e = errno;
    ::close(fd);
    return Status::io_error(std::strerror(e));
  }
  int err = 0;
  socklen_t len = sizeof err;
  if (!wait_ready(fd, POLLOUT, deadline)) err = errno;
  else if (::getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) != 0) err = errno;
  if (err != 0) {
    ::close(fd);
    return Status::io_error(errno_text(err));
  }
  out = fd;
  return Status::ok();
}

}  // namespace

Result<int> connect_tcp(const std::string& host, uint16_t port, Deadline deadline) {
  addrinfo hints{};
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* res = nullptr;
  const int rc = ::getaddrinfo(host.c_str(), std::to_string(port).c_str(), &hints, &res);
  if (rc != 0) return Status::io_error("cannot resolve '" + host + "': " + gai_strerror(rc));
  Status last = Status::io_error("no address");
  int fd = -1;
  for (addrinfo* a = res; a != nullptr && fd < 0; a = a->ai_next) last = connect_one(*a, deadline, fd);
  ::freeaddrinfo(res);
  if (fd < 0) return Status::io_error("cannot connect to " + host + ":" + std::to_string(port) + ": " + last.message());
  return fd;
}

Result<Listener> listen_tcp(const std::string& host, uint16_t port) {
  const std::string bind_host = host.empty() ? "0.0.0.0" : host;
  addrinfo hints{};
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_PASSIVE;
  addrinfo* res = nullptr;
  const int rc = ::getaddrinfo(bind_host.c_str(), std::to_string(port).c_str(), &hints, &res);
  if (rc != 0) return Status::io_error("cannot resolve '" + bind_host + "': " + gai_strerror(rc));
  const std::string where = bind_host + ":" + std::to_string(port);
  const int fd = make_socket(res->ai_family);
  Status st;
  const int one = 1;
  if (fd < 0) st = Status::io_error(std::strerror(errno));
  else if (::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) != 0 ||
           ::bind(fd, res->ai_addr, res->ai_addrlen) != 0 || ::listen(fd, 128) != 0)
    st = Status::io_error(std::strerror(errno));
  ::freeaddrinfo(res);
  if (!st.is_ok()) {
    if (fd >= 0) ::close(fd);
    return Status::io_error("cannot listen on " + where + ": " + st.message());
  }
  sockaddr_storage local{};
  socklen_t len = sizeof local;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&local), &len);
  const uint16_t bound = local.ss_family == AF_INET6 ? ntohs(reinterpret_cast<sockaddr_in6*>(&local)->sin6_port)
                                                     : ntohs(reinterpret_cast<sockaddr_in*>(&local)->sin_port);
  return Listener{fd, bound};
}

Status write_all(int fd, std::string_view bytes, Deadline deadline) {
  while (!bytes.empty()) {
    const ssize_t n = ::send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
    if (n > 0) {
      bytes.remove_prefix(static_cast<size_t>(n));
    } else if (n < 0 && errno != EAGAIN && errno != EINTR) {
      return Status::io_error(std::string("cannot send: ") + std::strerror(errno));
    } else if (!wait_ready(fd, POLLOUT, deadline)) {
      return Status::io_error("cannot send: " + errno_text(errno));
    }
  }
  return Status::ok();
}

Status read_exact(int fd, size_t n, std::string& out, Deadline deadline) {
  const size_t goal = out.size() + n;
  char buf[512];
  while (out.size() < goal) {
    const ssize_t got = ::recv(fd, buf, std::min(sizeof buf, goal - out.size()), MSG_DONTWAIT);
    if (got > 0) {
      out.append(buf, static_cast<size_t>(got));
    } else if (got == 0) {
      return Status::io_error("the peer closed the connection");
    } else if (errno != EAGAIN && errno != EINTR) {
      return Status::io_error(std::string("cannot receive: ") + std::strerror(errno));
    } else if (!wait_ready(fd, POLLIN, deadline)) {
      return Status::io_error("cannot receive: " + errno_text(errno));
    }
  }
  return Status::ok();
}

std::string peer_address(int fd) {
  sockaddr_storage peer{};
  socklen_t len = sizeof peer;
  if (::getpeername(fd, reinterpret_cast<sockaddr*>(&peer), &len) != 0) return "?";
  char host[INET6_ADDRSTRLEN] = {0};
  uint16_t port = 0;
  if (peer.ss_family == AF_INET6) {
    const auto* a = reinterpret_cast<const sockaddr_in6*>(&peer);
    ::inet_ntop(AF_INET6, &a->sin6_addr, host, sizeof host);
    port = ntohs(a->sin6_port);
  } else {
    const auto* a = reinterpret_cast<const sockaddr_in*>(&peer);
    ::inet_ntop(AF_INET, &a->sin_addr, host, sizeof host);
    port = ntohs(a->sin_port);
  }
  return std::string(host) + ":" + std::to_string(port);
}

bool is_loopback_host(const std::string& host) {
  if (host == "localhost" || host == "[::1]") return true;
  in_addr v4{};
  if (::inet_pton(AF_INET, host.c_str(), &v4) == 1) return (ntohl(v4.s_addr) >> 24) == 127;
  in6_addr v6{};
  return ::inet_pton(AF_INET6, host.c_str(), &v6) == 1 && IN6_IS_ADDR_LOOPBACK(&v6);
}

}  // namespace eddy
