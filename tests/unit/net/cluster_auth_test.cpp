// Unit tests for the cluster handshake (src/net/cluster_auth.h): both ends
// proving the secret, refusals, peers that speak another protocol, replays,
// and the blocking client over a real socket pair.
#include <doctest/doctest.h>

#include <sys/socket.h>
#include <unistd.h>

#include <thread>

#include "net/cluster_auth.h"

using namespace eddy;

namespace {

const std::string kSecret = "s3cret-of-the-cluster";

/// Runs a server handshake against a client hello built for it; returns the server.
ServerHandshake serve(const std::string& server_secret, const std::string& client_secret, const std::string& name,
                      const std::string& client_nonce) {
  ServerHandshake server(server_secret, random_bytes(kClusterNonceSize));
  auto hello = make_client_hello(server.greeting(), client_secret, name, client_nonce);
  REQUIRE(hello.ok());
  server.feed(*hello);
  return server;
}

Deadline soon() { return std::chrono::steady_clock::now() + std::chrono::seconds(5); }

}  // namespace

TEST_CASE("a task manager with the cluster secret is accepted and the job manager proves it knows it too") {
  const std::string nonce = random_bytes(kClusterNonceSize);
  ServerHandshake server(kSecret, random_bytes(kClusterNonceSize));
  CHECK(server.greeting().size() == kClusterGreetingSize);
  auto hello = make_client_hello(server.greeting(), kSecret, "tm-1", nonce);
  REQUIRE(hello.ok());
  CHECK(hello->find(kSecret) == std::string::npos);  // the secret never travels
  server.feed(*hello);
  REQUIRE(server.state() == ServerHandshake::State::kAccepted);
  CHECK(server.peer_name() == "tm-1");
  CHECK(server.wanted() == 0);
  CHECK(server.reply().size() == 1 + kClusterMacSize);
  CHECK(server.reply().find(kSecret) == std::string::npos);
  CHECK(check_server_verdict(server.reply(), server.greeting(), kSecret, nonce).is_ok());
}

TEST_CASE("a wrong secret and a missing one are refused, each with its own verdict") {
  const std::string nonce = random_bytes(kClusterNonceSize);
  ServerHandshake wrong = serve(kSecret, "not-the-secret", "tm-wrong", nonce);
  CHECK(wrong.state() == ServerHandshake::State::kRefused);
  CHECK(wrong.refusal() == "its cluster secret is wrong");
  Status told = check_server_verdict(wrong.reply(), wrong.greeting(), "not-the-secret", nonce);
  CHECK_FALSE(told.retryable());
  CHECK(told.message().find("cluster secret is wrong") != std::string::npos);

  ServerHandshake missing = serve(kSecret, "", "tm-missing", nonce);
  CHECK(missing.state() == ServerHandshake::State::kRefused);
  CHECK(missing.refusal() == "it presented no cluster secret");
  CHECK(check_server_verdict(missing.reply(), missing.greeting(), "", nonce).message().find("no cluster secret") !=
        std::string::npos);
}

TEST_CASE("a job manager without a secret accepts nobody") {
  ServerHandshake server = serve("", "", "tm", random_bytes(kClusterNonceSize));
  CHECK(server.state() == ServerHandshake::State::kRefused);
  server = serve("", "anything", "tm", random_bytes(kClusterNonceSize));
  CHECK(server.state() == ServerHandshake::State::kRefused);
}

TEST_CASE("a peer that opens with anything but the magic is refused at its first wrong byte") {
  // The first bytes of a CAF BASP header claiming a 2.7 GB payload.
  const std::string basp("\x01\x00\x00\x00\xa4\x00\x00\x40", 8);
  ServerHandshake server(kSecret, random_bytes(kClusterNonceSize));
  CHECK(server.wanted() == 10);
  server.feed(basp.substr(0, 1));
  CHECK(server.state() == ServerHandshake::State::kRefused);
  CHECK(server.reply().empty());
  CHECK(server.refusal().find("did not speak eddy's cluster handshake") != std::string::npos);
  CHECK(server.wanted() == 0);
}

TEST_CASE("the hello is read to its exact end, byte by byte, and never beyond") {
  const std::string nonce = random_bytes(kClusterNonceSize);
  ServerHandshake server(kSecret, random_bytes(kClusterNonceSize));
  auto hello = make_client_hello(server.greeting(), kSecret, "tm-bytewise", nonce);
  REQUIRE(hello.ok());
  size_t fed = 0;
  while (server.state() == ServerHandshake::State::kNeedMore) {
    REQUIRE(server.wanted() > 0);
    REQUIRE(server.wanted() <= 330);
    server.feed(hello->substr(fed, 1));
    ++fed;
  }
  CHECK(fed == hello->size());
  CHECK(server.state() == ServerHandshake::State::kAccepted);
  // BASP bytes after the hello are not the handshake's to take.
  server.feed("more");
  CHECK(server.wanted() == 0);
}

TEST_CASE("a captured hello replayed against a new greeting is refused") {
  const std::string nonce = random_bytes(kClusterNonceSize);
  ServerHandshake first(kSecret, random_bytes(kClusterNonceSize));
  auto hello = make_client_hello(first.greeting(), kSecret, "tm", nonce);
  REQUIRE(hello.ok());
  ServerHandshake second(kSecret, random_bytes(kClusterNonceSize));
  second.feed(*hello);
  CHECK(second.state() == ServerHandshake::State::kRefused);
  CHECK(second.refusal() == "its cluster secret is wrong");
}

TEST_CASE("a server that accepts without knowing the secret is found out by the task manager") {
  const std::string nonce = random_bytes(kClusterNonceSize);
  ServerHandshake impostor("another-secret", random_bytes(kClusterNonceSize));
  std::string forged(1, char(ClusterVerdict::kAccepted));
  forged += random_bytes(kClusterMacSize);
  Status st = check_server_verdict(forged, impostor.greeting(), kSecret, nonce);
  CHECK_FALSE(st.is_ok());
  CHECK(st.message().find("not this cluster's job manager") != std::string::npos);
  CHECK_FALSE(make_client_hello("HTTP/1.1 400 Bad Request\r\n\r\n", kSecret, "tm", nonce).ok());
}

TEST_CASE("names are cut to 255 bytes and logged without control characters") {
  const std::string nonce = random_bytes(kClusterNonceSize);
  ServerHandshake server = serve(kSecret, kSecret, std::string(300, 'n'), nonce);
  CHECK(server.state() == ServerHandshake::State::kAccepted);
  CHECK(server.peer_name() == std::string(255, 'n'));
  ServerHandshake escape = serve(kSecret, "wrong", "tm\x1b[31m\n", nonce);
  CHECK(escape.peer_name() == "tm?[31m?");
}

TEST_CASE("the blocking client runs the whole handshake over a socket and leaves what follows unread") {
  int fds[2];
  REQUIRE(::socketpair(AF_UNIX, SOCK_STREAM, 0, fds) == 0);
  std::string after;
  std::thread server_side([&] {
    ServerHandshake server(kSecret, random_bytes(kClusterNonceSize));
    REQUIRE(write_all(fds[1], server.greeting(), soon()).is_ok());
    while (server.state() == ServerHandshake::State::kNeedMore) {
      std::string got;
      REQUIRE(read_exact(fds[1], server.wanted(), got, soon()).is_ok());
      server.feed(got);
    }
    // The verdict and the first bytes of the next protocol in one write.
    REQUIRE(write_all(fds[1], server.reply() + "BASP", soon()).is_ok());
  });
  Status st = run_client_handshake(fds[0], kSecret, "tm-socket", soon());
  server_side.join();
  CHECK(st.is_ok());
  REQUIRE(read_exact(fds[0], 4, after, soon()).is_ok());
  CHECK(after == "BASP");
  ::close(fds[0]);
  ::close(fds[1]);
}

TEST_CASE("a silent server makes the client give up at its deadline") {
  int fds[2];
  REQUIRE(::socketpair(AF_UNIX, SOCK_STREAM, 0, fds) == 0);
  const auto start = std::chrono::steady_clock::now();
  Status st = run_client_handshake(fds[0], kSecret, "tm", start + std::chrono::milliseconds(100));
  CHECK_FALSE(st.is_ok());
  CHECK(st.retryable());
  CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(3));
  ::close(fds[0]);
  ::close(fds[1]);
}

TEST_CASE("loopback addresses are told from the others") {
  CHECK(is_loopback_host("127.0.0.1"));
  CHECK(is_loopback_host("127.1.2.3"));
  CHECK(is_loopback_host("localhost"));
  CHECK(is_loopback_host("::1"));
  CHECK_FALSE(is_loopback_host(""));
  CHECK_FALSE(is_loopback_host("::"));
  CHECK_FALSE(is_loopback_host("::ffff:10.0.0.1"));
  CHECK_FALSE(is_loopback_host("128.0.0.1"));
  CHECK_FALSE(is_loopback_host("jm-host"));
  CHECK_FALSE(is_loopback_host("0.0.0.0"));
  CHECK_FALSE(is_loopback_host("10.231.0.1"));
}
