// LookupExecutor (lookup_executor.h).
#include "connectors/lookup_executor.h"

#include <chrono>

namespace eddy {

LookupExecutor::LookupExecutor(std::vector<std::unique_ptr<LookupClient>> clients, int64_t timeout_ms)
    : timeout_ms_(timeout_ms), clients_(std::move(clients)) {
  for (auto& c : clients_) threads_.emplace_back([this, client = c.get()] { run(*client); });
}

LookupExecutor::~LookupExecutor() { stop(); }

void LookupExecutor::stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  work_cv_.notify_all();
  for (auto& t : threads_)
    if (t.joinable()) t.join();
  threads_.clear();
}

void LookupExecutor::submit(LookupTask task) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    queue_.push_back(std::move(task));
  }
  ++outstanding_;
  work_cv_.notify_one();
}

void LookupExecutor::collect(std::vector<LookupDone>& out, int64_t wait_ms) {
  std::unique_lock<std::mutex> lock(mu_);
  if (done_.empty() && wait_ms > 0)
    done_cv_.wait_for(lock, std::chrono::milliseconds(wait_ms), [&] { return !done_.empty(); });
  outstanding_ -= done_.size();
  for (auto& d : done_) out.push_back(std::move(d));
  done_.clear();
}

void LookupExecutor::run(LookupClient& client) {
  for (;;) {
    LookupTask task;
    {
      std::unique_lock<std::mutex> lock(mu_);
      work_cv_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
      if (stopping_) return;
      task = std::move(queue_.front());
      queue_.pop_front();
    }
    LookupDone d;
    d.id = task.id;
    d.reply = client.lookup(task.keys, timeout_ms_);
    {
      std::lock_guard<std::mutex> lock(mu_);
      done_.push_back(std::move(d));
    }
    done_cv_.notify_all();
  }
}

}  // namespace eddy
