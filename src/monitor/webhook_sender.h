// Posts events to webhooks (the `webhook` action of a rule) from a thread of
// its own, so that a failing or hanging webhook never delays the job: the
// queue is bounded (a full queue drops the newest post), every request has a
// timeout, and what happened is counted. CAF-free; owned by the job master,
// which calls post() from its handler and nothing else.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <mutex>
#include <string>
#include <thread>

namespace eddy {

struct WebhookCounts {
  int64_t sent = 0;     // answered with 2xx
  int64_t failed = 0;   // refused, timed out, or answered otherwise
  int64_t dropped = 0;  // the queue was full
};

class WebhookSender {
 public:
  /// `timeout_ms` bounds connecting, sending and reading each; `max_queue`
  /// posts wait at most.
  explicit WebhookSender(int64_t timeout_ms = 2000, size_t max_queue = 100);
  /// Stops after the post in flight (the rest of the queue is dropped and counted).
  ~WebhookSender();
  WebhookSender(const WebhookSender&) = delete;
  WebhookSender& operator=(const WebhookSender&) = delete;

  /// Queues a POST of `json` (Content-Type application/json) to `url`
  /// ("http://host:port/path"); never blocks.
  void post(const std::string& url, std::string json);
  /// Waits until the queue is empty and nothing is in flight, at most `timeout_ms`
  /// (a job's end, before it reports; tests). True when it emptied.
  bool drain(int64_t timeout_ms);
  WebhookCounts counts() const;

 private:
  struct Post {
    std::string url, body;
  };
  void run();
  bool send(const Post& p) const;

  const int64_t timeout_ms_;
  const size_t max_queue_;
  mutable std::mutex mu_;
  std::condition_variable wake_, idle_;
  std::deque<Post> queue_;
  bool in_flight_ = false;
  bool stopping_ = false;
  WebhookCounts counts_;
  std::thread thread_;  // started by the first post
};

/// Splits "http://host:port/path" into "http://host:port" and "/path" (path
/// "/" when absent); false for anything else.
bool split_http_url(const std::string& url, std::string& origin, std::string& path);

}  // namespace eddy
