#include "actors/cluster_scribe.h"

#include <unistd.h>

#include "caf/actor_system.hpp"
#include "caf/io/middleman.hpp"
#include "caf/io/network/default_multiplexer.hpp"
#include "caf/io/network/interfaces.hpp"
#include "caf/io/network/native_socket.hpp"
#include "caf/io/network/stream_impl.hpp"
#include "caf/openssl/session.hpp"

namespace eddy {
namespace {

using caf::io::network::native_socket;
using caf::io::network::rw_state;

/// The stream's reads and writes go through the TLS session.
class TlsPolicy {
 public:
  explicit TlsPolicy(caf::openssl::session_ptr session) : session_(std::move(session)) {}
  rw_state read_some(size_t& n, native_socket fd, void* buf, size_t len) {
    return session_->read_some(n, fd, buf, len);
  }
  rw_state write_some(size_t& n, native_socket fd, const void* buf, size_t len) {
    return session_->write_some(n, fd, buf, len);
  }
  bool must_read_more(native_socket fd, size_t threshold) { return session_->must_read_more(fd, threshold); }

 private:
  caf::openssl::session_ptr session_;
};

/// A TLS connection as a scribe. The first configure_read (BASP's, right
/// after the hand-over) starts it, and an empty write drives the TLS handshake.
class TlsScribe : public caf::io::scribe {
 public:
  TlsScribe(caf::io::network::default_multiplexer& mpx, native_socket fd, caf::openssl::session_ptr session)
      : scribe(caf::io::network::conn_hdl_from_socket(fd)), stream_(mpx, fd, std::move(session)) {}

  void configure_read(caf::io::receive_policy::config config) override {
    stream_.configure_read(config);
    if (launched_) return;
    launched_ = true;
    stream_.start(this);
    stream_.force_empty_write(this);
  }
  void ack_writes(bool enable) override { stream_.ack_writes(enable); }
  std::vector<char>& wr_buf() override { return stream_.wr_buf(); }
  std::vector<char>& rd_buf() override { return stream_.rd_buf(); }
  void graceful_shutdown() override {
    stream_.graceful_shutdown();
    detach(&stream_.backend(), false);
  }
  void flush() override { stream_.flush(this); }
  std::string addr() const override {
    auto x = caf::io::network::remote_addr_of_fd(stream_.fd());
    return x ? *x : std::string();
  }
  uint16_t port() const override {
    auto x = caf::io::network::remote_port_of_fd(stream_.fd());
    return x ? *x : 0;
  }
  void add_to_loop() override { stream_.activate(this); }
  void remove_from_loop() override { stream_.passivate(); }

 private:
  bool launched_ = false;
  caf::io::network::stream_impl<TlsPolicy> stream_;
};

}  // namespace

Result<caf::io::scribe_ptr> make_cluster_scribe(caf::actor_system& sys, int fd, bool tls, TlsRole role) {
  auto& mpx = static_cast<caf::io::network::default_multiplexer&>(sys.middleman().backend());
  if (!tls) return mpx.new_scribe(fd);
  caf::io::network::nonblocking(fd, true);
  auto session = caf::openssl::make_session(sys, fd, role == TlsRole::kServer);
  if (!session) {
    ::close(fd);
    return Status::io_error("cannot start a TLS session (check tls.certificate, tls.key and tls.ca)");
  }
  return caf::io::scribe_ptr(caf::make_counted<TlsScribe>(mpx, fd, std::move(session)));
}

}  // namespace eddy
