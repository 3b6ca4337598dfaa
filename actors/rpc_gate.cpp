#include "actors/rpc_gate.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <set>
#include <thread>
#include <vector>

#include "caf/io/basp_broker.hpp"
#include "caf/io/middleman.hpp"

#include "actors/cluster_scribe.h"
#include "net/cluster_auth.h"
#include "net/tcp_socket.h"

namespace eddy {
namespace {

using Clock = std::chrono::steady_clock;

/// At most kBurst log lines per kWindow; the rest are counted, so a flood of
/// connections cannot flood the log.
class LogLimiter {
 public:
  void line(const std::string& text) {
    const auto now = Clock::now();
    if (now - window_start_ > kWindow) {
      if (suppressed_ > 0)
        std::fprintf(stderr, "eddy jobmanager: ... and %zu more refused rpc connections\n", suppressed_);
      window_start_ = now;
      lines_ = 0;
      suppressed_ = 0;
    }
    if (lines_++ < kBurst) std::fprintf(stderr, "eddy jobmanager: %s\n", text.c_str());
    else ++suppressed_;
  }

 private:
  static constexpr size_t kBurst = 20;
  static constexpr auto kWindow = std::chrono::seconds(10);
  Clock::time_point window_start_ = Clock::now();
  size_t lines_ = 0;
  size_t suppressed_ = 0;
};

/// One connection in the handshake.
struct Pending {
  int fd = -1;
  std::string peer;  // ADDRESS:PORT
  ServerHandshake handshake;
  std::string out;   // still to send: the greeting, then the verdict
  Clock::time_point deadline;
};

}  // namespace

struct RpcGate::Impl {
  caf::actor_system& sys;
  caf::actor published;
  caf::actor basp;
  RpcGateOptions options;
  Listener listener;
  int wake[2] = {-1, -1};
  std::thread thread;
  std::vector<Pending> pending;
  LogLimiter log;

  Impl(caf::actor_system& s, caf::actor p, RpcGateOptions o)
      : sys(s), published(std::move(p)), options(std::move(o)) {
    basp = sys.middleman().named_broker<caf::io::basp_broker>(caf::atom("BASP"));
  }

  ~Impl() {
    for (auto& p : pending) ::close(p.fd);
    for (int fd : {listener.fd, wake[0], wake[1]})
      if (fd >= 0) ::close(fd);
  }

  void run() {
    for (;;) {
      std::vector<pollfd> fds{{wake[0], POLLIN, 0}, {listener.fd, POLLIN, 0}};
      for (const auto& p : pending) fds.push_back({p.fd, short(p.out.empty() ? POLLIN : POLLOUT), 0});
      ::poll(fds.data(), fds.size(), 200);  // a short timeout: deadlines are checked below
      if (fds[0].revents != 0) return;
      const auto now = Clock::now();
      std::vector<bool> done(pending.size());
      for (size_t i = 0; i < pending.size(); ++i) done[i] = advance(pending[i], fds[i + 2].revents, now);
      for (size_t i = pending.size(); i-- > 0;)
        if (done[i]) pending.erase(pending.begin() + static_cast<std::ptrdiff_t>(i));
      if (fds[1].revents & POLLIN) accept_all();
    }
  }

  void accept_all() {
    for (;;) {
      const int fd = ::accept4(listener.fd, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
      if (fd < 0) return;
      if (pending.size() >= options.max_pending) {
        log.line("refused a connection from " + peer_address(fd) + ": " + std::to_string(pending.size()) +
                 " connections are in the handshake already");
        ::close(fd);
        continue;
      }
      Pending p{fd, peer_address(fd), ServerHandshake(options.secret, random_bytes(kClusterNonceSize)), "",
                Clock::now() + options.handshake_timeout};
      p.out = p.handshake.greeting();
      pending.push_back(std::move(p));
    }
  }

  /// Moves one handshake on; true when it is over (handed on or closed).
  bool advance(Pending& p, short revents, Clock::time_point now) {
    if (!p.out.empty() && (revents & (POLLOUT | POLLERR | POLLHUP))) {
      const ssize_t n = ::send(p.fd, p.out.data(), p.out.size(), MSG_NOSIGNAL);
      if (n < 0 && errno != EAGAIN && errno != EINTR) return drop(p, "the connection failed");
      if (n > 0) p.out.erase(0, static_cast<size_t>(n));
      if (p.out.empty() && p.handshake.state() != ServerHandshake::State::kNeedMore) return finish(p);
    } else if (p.out.empty() && (revents & (POLLIN | POLLERR | POLLHUP))) {
      char buf[512];
      const ssize_t n = ::recv(p.fd, buf, std::min(sizeof buf, p.handshake.wanted()), 0);
      if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR))
        return drop(p, "it closed the connection during the handshake");
      if (n > 0) p.handshake.feed(std::string_view(buf, static_cast<size_t>(n)));
      if (p.handshake.state() != ServerHandshake::State::kNeedMore) {
        p.out = p.handshake.reply();
        if (p.out.empty()) return finish(p);
      }
    }
    if (now > p.deadline)
      return drop(p, "it did not finish the handshake within " +
                         std::to_string(options.handshake_timeout.count()) + " ms");
    return false;
  }

  bool drop(Pending& p, const std::string& why) {
    log.line("refused a connection from " + p.peer + ": " + why);
    ::close(p.fd);
    return true;
  }

  /// The verdict is out: hand an accepted peer to BASP, close on a refused one.
  bool finish(Pending& p) {
    if (p.handshake.state() != ServerHandshake::State::kAccepted) {
      const std::string& name = p.handshake.peer_name();
      log.line((name.empty() ? "refused a connection" : "refused task manager '" + name + "'") + " from " + p.peer +
               ": " + p.handshake.refusal());
      ::close(p.fd);
      return true;
    }
    auto scribe = make_cluster_scribe(sys, p.fd, options.tls, TlsRole::kServer);
    if (!scribe.ok()) {
      log.line("dropped task manager '" + p.handshake.peer_name() + "' from " + p.peer + ": " +
               scribe.status().message());
      return true;
    }
    caf::anon_send(basp, caf::publish_atom::value, std::move(*scribe), listener.port,
                   caf::actor_cast<caf::strong_actor_ptr>(published), std::set<std::string>{});
    return true;
  }
};

Result<std::unique_ptr<RpcGate>> RpcGate::open(caf::actor_system& sys, caf::actor published, const std::string& host,
                                               uint16_t port, RpcGateOptions options) {
  auto impl = std::make_unique<Impl>(sys, std::move(published), std::move(options));
  EDDY_ASSIGN_OR_RETURN(impl->listener, listen_tcp(host, port));
  if (::pipe2(impl->wake, O_CLOEXEC) != 0) return Status::io_error("cannot make a pipe");
  Impl* raw = impl.get();
  raw->thread = std::thread([raw] { raw->run(); });
  return std::unique_ptr<RpcGate>(new RpcGate(std::move(impl)));
}

RpcGate::RpcGate(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

RpcGate::~RpcGate() {
  const char stop = 1;
  (void)::write(impl_->wake[1], &stop, 1);
  if (impl_->thread.joinable()) impl_->thread.join();
}

uint16_t RpcGate::port() const { return impl_->listener.port; }

}  // namespace eddy
