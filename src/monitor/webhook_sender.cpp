// The webhook sender's thread and its HTTP client (cpp-httplib).
#include "monitor/webhook_sender.h"

#include <httplib.h>

#include <chrono>

namespace eddy {

bool split_http_url(const std::string& url, std::string& origin, std::string& path) {
  const std::string scheme = "http://";
  if (url.rfind(scheme, 0) != 0 || url.size() == scheme.size()) return false;
  const size_t slash = url.find('/', scheme.size());
  origin = url.substr(0, slash);
  path = slash == std::string::npos ? "/" : url.substr(slash);
  return true;
}

WebhookSender::WebhookSender(int64_t timeout_ms, size_t max_queue) : timeout_ms_(timeout_ms), max_queue_(max_queue) {}

WebhookSender::~WebhookSender() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
    counts_.dropped += static_cast<int64_t>(queue_.size());
    queue_.clear();
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void WebhookSender::post(const std::string& url, std::string json) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (stopping_ || queue_.size() >= max_queue_) {
      counts_.dropped++;
      return;
    }
    queue_.push_back(Post{url, std::move(json)});
    if (!thread_.joinable()) thread_ = std::thread([this] { run(); });  // most jobs never post: no idle thread
  }
  wake_.notify_one();
}

bool WebhookSender::drain(int64_t timeout_ms) {
  std::unique_lock<std::mutex> lock(mu_);
  return idle_.wait_for(lock, std::chrono::milliseconds(timeout_ms),
                        [this] { return queue_.empty() && !in_flight_; });
}

WebhookCounts WebhookSender::counts() const {
  std::lock_guard<std::mutex> lock(mu_);
  return counts_;
}

void WebhookSender::run() {
  std::unique_lock<std::mutex> lock(mu_);
  for (;;) {
    wake_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
    if (stopping_) break;
    Post p = std::move(queue_.front());
    queue_.pop_front();
    in_flight_ = true;
    lock.unlock();
    const bool ok = send(p);  // the slow part, outside the lock
    lock.lock();
    in_flight_ = false;
    (ok ? counts_.sent : counts_.failed)++;
    if (queue_.empty()) idle_.notify_all();
  }
  idle_.notify_all();
}

bool WebhookSender::send(const Post& p) const {
  std::string origin, path;
  if (!split_http_url(p.url, origin, path)) return false;
  httplib::Client client(origin);
  const time_t sec = static_cast<time_t>(timeout_ms_ / 1000);
  const time_t usec = static_cast<time_t>((timeout_ms_ % 1000) * 1000);
  client.set_connection_timeout(sec, usec);
  client.set_read_timeout(sec, usec);
  client.set_write_timeout(sec, usec);
  auto res = client.Post(path, p.body, "application/json");
  return res && res->status >= 200 && res->status < 300;
}

}  // namespace eddy
