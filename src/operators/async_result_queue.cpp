// AsyncResultQueue (async_result_queue.h).
#include "operators/async_result_queue.h"

namespace eddy {

void AsyncResultQueue::push(uint64_t id, size_t rows) {
  if (!entries_.emplace(id, Entry{rows, false}).second) return;
  rows_ += rows;
  if (mode_ == LookupOutputMode::kOrdered) order_.push_back(id);
}

void AsyncResultQueue::complete(uint64_t id) {
  auto it = entries_.find(id);
  if (it == entries_.end() || it->second.done) return;
  it->second.done = true;
  if (mode_ == LookupOutputMode::kUnordered) finished_.push_back(id);
}

void AsyncResultQueue::pop_ready(std::vector<uint64_t>& out) {
  auto forget = [&](uint64_t id) {
    auto it = entries_.find(id);
    rows_ -= it->second.rows;
    entries_.erase(it);
    out.push_back(id);
  };
  if (mode_ == LookupOutputMode::kUnordered) {
    for (uint64_t id : finished_) forget(id);
    finished_.clear();
    return;
  }
  while (!order_.empty() && entries_.at(order_.front()).done) {
    forget(order_.front());
    order_.pop_front();
  }
}

}  // namespace eddy
