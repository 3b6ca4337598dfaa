// Unit tests of the webhook sender (src/monitor/webhook_sender.h) against a
// server on loopback: posts arrive with their JSON, a refused or hanging
// webhook is counted as failed without blocking post(), a full queue drops.
#include <doctest/doctest.h>
#include <httplib.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <mutex>
#include <thread>
#include <vector>

#include "monitor/webhook_sender.h"

using namespace eddy;

namespace {

/// An HTTP server on a free loopback port, serving POST /hook (after `delay_ms`).
struct Receiver {
  httplib::Server server;
  std::thread thread;
  int port = 0;
  std::mutex mu;
  std::vector<std::string> bodies;

  explicit Receiver(int delay_ms = 0) {
    server.Post("/hook", [this, delay_ms](const httplib::Request& req, httplib::Response& res) {
      if (delay_ms) std::this_thread::sleep_for(std::chrono::milliseconds(delay_ms));
      std::lock_guard<std::mutex> lock(mu);
      bodies.push_back(req.body);
      res.set_content("{}", "application/json");
    });
    port = server.bind_to_any_port("127.0.0.1");  // listening already: early posts wait in the backlog
    thread = std::thread([this] { server.listen_after_bind(); });
    // stop() before the loop runs would be lost: wait for it (bounded).
    for (int i = 0; i < 1000 && !server.is_running(); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  ~Receiver() {
    server.stop();
    thread.join();
  }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port) + "/hook"; }
};

/// A loopback port nothing listens on: bound, then closed.
int closed_loopback_port() {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  REQUIRE(bind(fd, reinterpret_cast<sockaddr*>(&addr), len) == 0);
  REQUIRE(getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0);
  close(fd);
  return ntohs(addr.sin_port);
}

}  // namespace

TEST_CASE("a webhook receives the posted JSON and the post is counted as sent") {
  Receiver r;
  WebhookSender sender(2000, 10);
  sender.post(r.url(), R"({"rule":"R"})");
  sender.post(r.url(), R"({"rule":"S"})");
  REQUIRE(sender.drain(5000));
  CHECK(sender.counts().sent == 2);
  std::lock_guard<std::mutex> lock(r.mu);
  CHECK(r.bodies == std::vector<std::string>{R"({"rule":"R"})", R"({"rule":"S"})"});
}

TEST_CASE("a refused webhook and a bad URL are counted as failed") {
  const int closed_port = closed_loopback_port();
  WebhookSender sender(1000, 10);
  sender.post("http://127.0.0.1:" + std::to_string(closed_port) + "/hook", "{}");
  sender.post("ftp://nowhere", "{}");
  REQUIRE(sender.drain(5000));
  CHECK(sender.counts().failed == 2);
  CHECK(sender.counts().sent == 0);
}

TEST_CASE("a hanging webhook times out in the background; post() never waits and a full queue drops") {
  Receiver slow(1500);
  WebhookSender sender(300, 2);
  const auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < 10; ++i) sender.post(slow.url(), "{}");
  const auto posting = std::chrono::steady_clock::now() - start;
  CHECK(posting < std::chrono::milliseconds(100));
  REQUIRE(sender.drain(10000));
  const WebhookCounts c = sender.counts();
  CHECK(c.sent + c.failed + c.dropped == 10);
  CHECK(c.dropped >= 7);  // one in flight, two queued at most
  CHECK(c.failed >= 1);
  CHECK(c.sent == 0);
}

TEST_CASE("webhook URLs split into origin and path") {
  std::string origin, path;
  REQUIRE(split_http_url("http://127.0.0.1:9000/a/b?x=1", origin, path));
  CHECK(origin == "http://127.0.0.1:9000");
  CHECK(path == "/a/b?x=1");
  REQUIRE(split_http_url("http://host", origin, path));
  CHECK(path == "/");
  CHECK_FALSE(split_http_url("https://host/", origin, path));
}
