#include "actors/rest_connection.h"

#include <fcntl.h>
#include <netdb.h>
#include <openssl/err.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <string>

namespace eddy {
namespace {

using Clock = std::chrono::steady_clock;

thread_local ConnectionState* tl_connection = nullptr;

/// Waits until `fd` is ready for `events`, at most until `until`. Polls in
/// slices of 200 ms so that a stopping server (`listener` closed) is noticed.
bool wait_fd(int fd, short events, Clock::time_point until, const std::atomic<socket_t>& listener) {
  for (;;) {
    if (listener == INVALID_SOCKET) return false;
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(until - Clock::now()).count() + 1;
    if (left <= 1) return false;
    pollfd p{fd, events, 0};
    const int r = ::poll(&p, 1, static_cast<int>(std::min<int64_t>(left, 200)));
    if (r > 0) return true;  // ready, or an error that the next call reports
    if (r < 0 && errno != EINTR) return false;
  }
}

void address_of(int fd, bool peer, std::string& ip, int& port) {
  sockaddr_storage addr{};
  socklen_t len = sizeof addr;
  const int r = peer ? ::getpeername(fd, reinterpret_cast<sockaddr*>(&addr), &len)
                     : ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  char host[NI_MAXHOST], serv[NI_MAXSERV];
  if (r != 0 || ::getnameinfo(reinterpret_cast<sockaddr*>(&addr), len, host, sizeof host, serv, sizeof serv,
                              NI_NUMERICHOST | NI_NUMERICSERV) != 0)
    return;
  ip = host;
  port = std::atoi(serv);
}

/// What a non-blocking TLS call that returned `r` waits for: POLLIN,
/// POLLOUT, or 0 when it failed for good.
short tls_wants(SSL* ssl, int r) {
  const int e = SSL_get_error(ssl, r);
  return e == SSL_ERROR_WANT_READ ? POLLIN : e == SSL_ERROR_WANT_WRITE ? POLLOUT : 0;
}

/// A connection's stream for cpp-httplib's request parser: buffered reads
/// that fail once the request's deadline or byte cap is passed, plain or TLS.
class BoundedStream final : public httplib::Stream {
 public:
  BoundedStream(socket_t fd, SSL* ssl, const ConnectionLimits& limits, const std::atomic<socket_t>& listener,
                ConnectionState& state)
      : fd_(fd), ssl_(ssl), limits_(limits), listener_(listener), state_(state) {}

  /// Waits up to the idle timeout for the next request's first byte.
  bool wait_for_request() const {
    return buffered() || wait_fd(fd_, POLLIN, Clock::now() + limits_.idle_timeout, listener_);
  }

  /// Starts the deadline and the byte count of a request.
  void start_request() {
    deadline_ = Clock::now() + limits_.request_timeout;
    request_bytes_ = end_ - pos_;
    state_ = ConnectionState{};
  }

  bool is_readable() const override {
    return state_.no_body || buffered() || wait_fd(fd_, POLLIN, read_until(), listener_);
  }
  bool is_writable() const override {
    return wait_fd(fd_, POLLOUT, Clock::now() + limits_.write_timeout, listener_);
  }

  ssize_t read(char* ptr, size_t size) override {
    if (state_.no_body) return 0;
    if (pos_ == end_) {
      const ssize_t n = fill();
      if (n <= 0) return n;
    }
    const size_t n = std::min(size, end_ - pos_);
    std::memcpy(ptr, buf_.data() + pos_, n);
    pos_ += n;
    return static_cast<ssize_t>(n);
  }

  ssize_t write(const char* ptr, size_t size) override {
    if (size == 0) return 0;
    for (;;) {
      short want = 0;
      const ssize_t n = send_some(ptr, size, want);
      if (n > 0) return n;
      if (want == 0 || !wait_fd(fd_, want, Clock::now() + limits_.write_timeout, listener_)) return -1;
    }
  }

  void get_remote_ip_and_port(std::string& ip, int& port) const override { address_of(fd_, true, ip, port); }
  void get_local_ip_and_port(std::string& ip, int& port) const override { address_of(fd_, false, ip, port); }
  socket_t socket() const override { return fd_; }

 private:
  bool buffered() const { return pos_ < end_ || (ssl_ != nullptr && SSL_pending(ssl_) > 0); }
  Clock::time_point read_until() const { return std::min(Clock::now() + limits_.read_timeout, deadline_); }

  /// Refills the buffer: bytes read, 0 when the peer closed, -1 on an error,
  /// a timeout or the byte cap (state_.failure says which).
  ssize_t fill() {
    if (request_bytes_ >= limits_.max_request_bytes) {
      state_.failure = ReadFailure::kTooLarge;
      return -1;
    }
    const size_t room = std::min(buf_.size(), limits_.max_request_bytes - request_bytes_);
    for (;;) {
      short want = 0;
      const ssize_t n = receive(buf_.data(), room, want);
      if (n > 0) {
        pos_ = 0;
        end_ = static_cast<size_t>(n);
        request_bytes_ += end_;
        return n;
      }
      if (want == 0) return n;
      if (!wait_fd(fd_, want, read_until(), listener_)) {
        state_.failure = ReadFailure::kTimeout;
        return -1;
      }
    }
  }

  ssize_t receive(char* p, size_t len, short& want) {
    if (ssl_ == nullptr) {
      const ssize_t n = ::recv(fd_, p, len, 0);
      if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) want = POLLIN;
      return n;
    }
    ERR_clear_error();  // SSL_get_error reads the thread's queue: no stale entry may be in it
    const int n = SSL_read(ssl_, p, static_cast<int>(len));
    if (n > 0) return n;
    if (SSL_get_error(ssl_, n) == SSL_ERROR_ZERO_RETURN) return 0;
    want = tls_wants(ssl_, n);
    return -1;
  }

  ssize_t send_some(const char* p, size_t len, short& want) {
    if (ssl_ == nullptr) {
      const ssize_t n = ::send(fd_, p, len, MSG_NOSIGNAL);
      if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) want = POLLOUT;
      return n;
    }
    ERR_clear_error();
    const int n = SSL_write(ssl_, p, static_cast<int>(std::min<size_t>(len, 1 << 30)));
    if (n > 0) return n;
    want = tls_wants(ssl_, n);
    return -1;
  }

  socket_t fd_;
  SSL* ssl_;
  const ConnectionLimits& limits_;
  const std::atomic<socket_t>& listener_;
  ConnectionState& state_;
  std::array<char, 4096> buf_{};
  size_t pos_ = 0, end_ = 0;
  size_t request_bytes_ = 0;
  Clock::time_point deadline_ = Clock::now();
};

/// A client that speaks plain HTTP to the TLS port gets a readable answer
/// instead of a silent close: a TLS connection starts with a handshake
/// record (0x16), an HTTP request with a letter.
bool answer_plain_http(socket_t sock) {
  char first = 0;
  if (::recv(sock, &first, 1, MSG_PEEK) != 1 || first < 'A' || first > 'Z') return false;
  static const std::string body =
      "{\"error\": \"this address serves the REST API over HTTPS: use https://HOST:PORT "
      "(eddy commands: -m https://HOST:PORT)\"}\n";
  const std::string response = "HTTP/1.1 400 Bad Request\r\nContent-Type: application/json\r\nConnection: close\r\n"
                               "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
  ::send(sock, response.data(), response.size(), MSG_NOSIGNAL);  // best effort; the socket closes next
  return true;
}

/// Closes a connection whose refused request may still be sending its body:
/// stops writing, then reads and drops what arrives for up to 2 s (64 MiB),
/// so that the client reads the answer rather than a reset (Apache's
/// "lingering close").
void drain_before_close(socket_t sock, const std::atomic<socket_t>& listener) {
  ::shutdown(sock, SHUT_WR);
  const auto until = Clock::now() + std::chrono::seconds(2);
  std::array<char, 16384> sink;
  for (size_t total = 0; total < (64u << 20) && wait_fd(sock, POLLIN, until, listener);) {
    const ssize_t n = ::recv(sock, sink.data(), sink.size(), 0);
    if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) return;
    total += n > 0 ? static_cast<size_t>(n) : 0;
  }
}

}  // namespace

ConnectionState* current_connection() { return tl_connection; }

BoundedServer::BoundedServer(ConnectionLimits limits, TlsContext tls)
    : limits_(limits), tls_(std::move(tls)) {
  // Only shown in the Keep-Alive header (the loop below enforces the limits).
  set_keep_alive_max_count(limits_.max_requests);
  set_keep_alive_timeout(std::chrono::duration_cast<std::chrono::seconds>(limits_.idle_timeout).count());
}

bool BoundedServer::widen_backlog(int backlog) {
  return svr_sock_ != INVALID_SOCKET && ::listen(svr_sock_, backlog) == 0;  // listen() again updates it
}

SSL* BoundedServer::accept_tls(socket_t sock) {
  const auto until = Clock::now() + limits_.request_timeout;
  if (!wait_fd(sock, POLLIN, until, svr_sock_) || answer_plain_http(sock)) return nullptr;
  SSL* ssl = SSL_new(tls_.get());
  if (ssl == nullptr) return nullptr;
  SSL_set_fd(ssl, sock);
  for (;;) {
    ERR_clear_error();
    const int r = SSL_accept(ssl);
    if (r == 1) return ssl;
    const short want = tls_wants(ssl, r);
    if (want == 0 || !wait_fd(sock, want, until, svr_sock_)) {
      SSL_free(ssl);
      return nullptr;
    }
  }
}

bool BoundedServer::process_and_close_socket(socket_t sock) {
  ::fcntl(sock, F_SETFL, ::fcntl(sock, F_GETFL) | O_NONBLOCK);
  SSL* ssl = tls_ ? accept_tls(sock) : nullptr;
  ConnectionState state;
  if (!tls_ || ssl != nullptr) {
    BoundedStream stream(sock, ssl, limits_, svr_sock_, state);
    tl_connection = &state;
    for (size_t n = 0; n < limits_.max_requests && stream.wait_for_request(); ++n) {
      stream.start_request();
      bool closed = false;
      const bool ok = process_request(stream, n + 1 == limits_.max_requests, closed, nullptr);
      if (!ok || closed || state.close_after_response || state.failure != ReadFailure::kNone) break;
    }
    tl_connection = nullptr;
  }
  if (ssl != nullptr) {
    SSL_shutdown(ssl);  // best effort: one close_notify, no waiting for the peer's
    SSL_free(ssl);
  }
  // A slow client is not waited for; a refused body is drained.
  if (state.failure != ReadFailure::kTimeout && (state.close_after_response || state.failure != ReadFailure::kNone))
    drain_before_close(sock, svr_sock_);
  ::shutdown(sock, SHUT_RDWR);
  ::close(sock);
  return true;
}

}  // namespace eddy
