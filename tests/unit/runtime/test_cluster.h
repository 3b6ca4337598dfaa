// A small in-memory cluster of TaskRunners for unit tests (src/runtime),
// without actors: it delivers the runners' batches, events and credits in
// random order (FIFO per sender and receiver, as CAF guarantees), steps the
// sources and hands out their splits. Used by task_runner_test.cpp and
// task_runner_two_input_test.cpp.
#pragma once

#include <doctest/doctest.h>

#include <atomic>
#include <chrono>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <thread>

#include "plan/job_graph.h"
#include "plan/operator_factory.h"
#include "runtime/channel_layout.h"
#include "runtime/split_assignment.h"
#include "runtime/task_runner.h"

namespace eddy::testing {

struct Message {
  enum class Kind { kBatch, kEvent, kCredit } kind = Kind::kBatch;
  int channel = 0;  // batch/event: the consumer's input channel; credit: the producer's channel
  int edge = 0;     // credit: the producer's output edge position
  RecordBatchPtr batch;
  int32_t backlog = 0;
  StreamEvent event{};
  int32_t credits = 0;
};

using Address = std::pair<int, int32_t>;  // (vertex, subtask)

class Cluster;

/// A host that drops whatever a runner sends (runners tested on their own).
class QuietTaskHost final : public TaskHost {
 public:
  void send_batch(int, int, const RecordBatchPtr&, int32_t) override {}
  void send_event(int, int, const StreamEvent&) override {}
  void send_credit(int, int32_t) override {}
  void ack_checkpoint(int64_t, const SubtaskSnapshot&) override {}
  void decline_checkpoint(int64_t, const std::string&) override {}
  void snapshot_written(int64_t) override {}
};

class FakeHost final : public TaskHost {
 public:
  FakeHost(Cluster& c, Address self) : cluster_(c), self_(self) {}
  void send_batch(int out_edge, int channel, const RecordBatchPtr& batch, int32_t backlog) override;
  void send_event(int out_edge, int channel, const StreamEvent& event) override;
  void send_credit(int input_channel, int32_t credits) override;
  void ack_checkpoint(int64_t barrier, const SubtaskSnapshot& snapshot) override {
    acked.push_back(barrier);
    acked_snapshots.push_back(snapshot);
  }
  void decline_checkpoint(int64_t barrier, const std::string& why) override {
    declined.push_back(barrier);
    decline_reasons.push_back(why);
  }
  void snapshot_written(int64_t barrier) override { written = barrier; }

  std::atomic<int64_t> written{0};  // set on the state file writer's thread
  std::vector<int64_t> acked;
  std::vector<SubtaskSnapshot> acked_snapshots;  // in the order of `acked`
  std::vector<int64_t> declined;
  std::vector<std::string> decline_reasons;
  std::vector<std::vector<ChannelPeer>> outputs;
  std::vector<ChannelPeer> inputs;

 private:
  Cluster& cluster_;
  Address self_;
};

class Cluster {
 public:
  Cluster(const std::string& pipeline, uint32_t seed, const TaskOptions& options = {})
      : Cluster(load(pipeline), seed, options) {}
  /// A cluster running `graph` (hand-built ones too).
  Cluster(JobGraphPtr graph, uint32_t seed, const TaskOptions& options = {}) : rng_(seed) {
    graph_ = std::move(graph);
    for (const auto& v : graph_->vertices) {
      for (int32_t i = 0; i < v.parallelism; ++i) {
        Address a{v.id, i};
        auto host = std::make_unique<FakeHost>(*this, a);
        host->outputs = output_peers(*graph_, v.id, i);
        host->inputs = input_peers(*graph_, v.id, i);
        auto runner = std::make_unique<TaskRunner>(graph_, v.id, i, *host, options);
        REQUIRE(runner->open().is_ok());
        hosts_[a] = std::move(host);
        runners_[a] = std::move(runner);
      }
      if (v.is_source()) {
        auto e = make_split_enumerator(*graph_, v.nodes.front());
        REQUIRE(e.ok());
        auto splits = (*e)->enumerate(v.parallelism);
        REQUIRE(splits.ok());
        splits_[v.id] = std::deque<Split>(splits->begin(), splits->end());
      }
    }
    for (auto& [a, r] : runners_) REQUIRE(r->start().is_ok());
  }

  static JobGraphPtr load(const std::string& pipeline) {
    auto graph = load_pipeline_text("test.yaml", pipeline);
    REQUIRE_MESSAGE(graph.ok(), graph.status().message());
    return *graph;
  }

  void post(Address from, Address to, Message m) {
    if (m.kind == Message::Kind::kEvent && m.event.kind == EventKind::kIdleStatus)
      idle_events.push_back({from, m.event.value});
    else if (m.kind == Message::Kind::kBatch)
      idle_events.push_back({from, 2});  // data, to see the order of statuses and data
    queues_[{from, to}].push_back(std::move(m));
  }
  /// Per sender, in order: idle status values (1 idle, 0 active) and 2 for a batch.
  std::vector<std::pair<Address, int64_t>> idle_events;

  /// Runs until every runner finished; `stalled` receives nothing.
  void run(std::optional<Address> stalled = std::nullopt, int max_rounds = 1000000) {
    for (int round = 0; round < max_rounds; ++round) {
      if (all_finished()) return;
      std::vector<std::pair<Address, Address>> ready;
      for (auto& [key, q] : queues_)
        if (!q.empty() && key.second != stalled) ready.push_back(key);
      std::vector<Address> sources;
      for (auto& [a, r] : runners_)
        if (r->is_source() && !r->finished() && a != stalled) sources.push_back(a);
      const size_t choices = ready.size() + sources.size();
      if (choices == 0) {
        bool flushed = false;
        for (auto& [a, r] : runners_)
          if (a != stalled && r->has_partial_output()) {
            REQUIRE(r->on_flush_timer().is_ok());
            flushed = true;
          }
        if (!flushed) return;  // nothing can move
        continue;
      }
      const size_t pick = std::uniform_int_distribution<size_t>(0, choices - 1)(rng_);
      if (pick < ready.size()) deliver(ready[pick]);
      else step_source(sources[pick - ready.size()]);
    }
  }

  bool all_finished() const {
    for (auto& [a, r] : runners_)
      if (!r->finished()) return false;
    return true;
  }

  uint64_t records_in(const std::string& op) const {
    uint64_t n = 0;
    for (auto& [a, r] : runners_)
      for (const auto& m : r->metrics())
        if (m.name == op) n += m.records_in;
    return n;
  }

  /// From now on sources get their splits as the source coordinator deals them
  /// (SplitAssignment: split k to subtask k % p), not whichever asks first.
  void deal_round_robin() {
    for (auto& [vertex, q] : splits_)
      dealt_[vertex] = SplitAssignment(std::vector<Split>(q.begin(), q.end()),
                                       graph_->vertices[static_cast<size_t>(vertex)].parallelism);
  }

  TaskRunner& runner(Address a) { return *runners_.at(a); }
  bool has(Address a) const { return runners_.count(a) > 0; }
  FakeHost& host(Address a) { return *hosts_.at(a); }

  /// Delivers everything queued from `from` to `to`, in order.
  void drain(Address from, Address to) {
    while (!queues_[{from, to}].empty()) deliver({from, to});
  }
  /// One step of source `a`.
  SourceStep step(Address a) { return step_source(a); }
  /// Waits (up to 10 s) until `a`'s state file for `barrier` is written, then
  /// finishes that snapshot as the subtask actor would on its message.
  void finish_written(Address a, int64_t barrier) {
    for (int i = 0; i < 10000 && host(a).written != barrier; ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    REQUIRE(host(a).written == barrier);
    REQUIRE(runner(a).finish_snapshot(barrier).is_ok());
  }
  /// Batches `from` sent so far.
  size_t batches_sent_by(Address from) const {
    size_t n = 0;
    for (const auto& [who, v] : idle_events) n += who == from && v == 2 ? 1 : 0;
    return n;
  }
  size_t batches_queued_for(Address to) const {
    size_t n = 0;
    for (auto& [key, q] : queues_)
      if (key.second == to)
        for (const auto& m : q) n += m.kind == Message::Kind::kBatch ? 1 : 0;
    return n;
  }
  bool source_backpressured = false;

 private:
  void deliver(const std::pair<Address, Address>& key) {
    Message m = std::move(queues_[key].front());
    queues_[key].pop_front();
    TaskRunner& r = *runners_.at(key.second);
    Status st;
    switch (m.kind) {
      case Message::Kind::kBatch: st = r.on_batch(m.channel, m.batch, m.backlog); break;
      case Message::Kind::kEvent: st = r.on_event(m.channel, m.event); break;
      case Message::Kind::kCredit: st = r.on_credit(m.edge, m.channel, m.credits); break;
    }
    REQUIRE_MESSAGE(st.is_ok(), st.message());
  }

  SourceStep step_source(Address a) {
    TaskRunner& r = *runners_.at(a);
    auto step = r.source_step();
    REQUIRE_MESSAGE(step.ok(), step.status().message());
    if (*step == SourceStep::kBackpressured) source_backpressured = true;
    if (*step == SourceStep::kIdle) std::this_thread::sleep_for(std::chrono::microseconds(r.idle_us()));
    if (*step == SourceStep::kNeedSplit) {
      auto& q = splits_[a.first];
      std::optional<Split> s;
      if (dealt_.count(a.first) > 0) {
        s = dealt_[a.first].next(a.second);
      } else if (!q.empty()) {
        s = q.front();
        q.pop_front();
      }
      REQUIRE(r.on_split(s).is_ok());
    }
    return *step;
  }

  JobGraphPtr graph_;
  std::mt19937 rng_;
  std::map<Address, std::unique_ptr<FakeHost>> hosts_;
  std::map<Address, std::unique_ptr<TaskRunner>> runners_;
  std::map<int, std::deque<Split>> splits_;
  std::map<int, SplitAssignment> dealt_;  // after deal_round_robin()
  std::map<std::pair<Address, Address>, std::deque<Message>> queues_;
};

inline void FakeHost::send_batch(int out_edge, int channel, const RecordBatchPtr& batch, int32_t backlog) {
  const ChannelPeer& p = outputs[static_cast<size_t>(out_edge)][static_cast<size_t>(channel)];
  Message m;
  m.kind = Message::Kind::kBatch;
  m.channel = p.channel;
  m.batch = batch;
  m.backlog = backlog;
  cluster_.post(self_, {p.vertex, p.subtask}, std::move(m));
}

inline void FakeHost::send_event(int out_edge, int channel, const StreamEvent& event) {
  const ChannelPeer& p = outputs[static_cast<size_t>(out_edge)][static_cast<size_t>(channel)];
  Message m;
  m.kind = Message::Kind::kEvent;
  m.channel = p.channel;
  m.event = event;
  cluster_.post(self_, {p.vertex, p.subtask}, std::move(m));
}

inline void FakeHost::send_credit(int input_channel, int32_t credits) {
  const ChannelPeer& p = inputs[static_cast<size_t>(input_channel)];
  Message m;
  m.kind = Message::Kind::kCredit;
  m.edge = p.edge_pos;
  m.channel = p.channel;
  m.credits = credits;
  cluster_.post(self_, {p.vertex, p.subtask}, std::move(m));
}

}  // namespace eddy::testing
