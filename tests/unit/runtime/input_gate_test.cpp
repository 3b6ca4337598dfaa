// Unit tests of InputGate (src/runtime), alone and with a BarrierAligner as a
// TaskRunner drives them: two inputs with their own channels, credits,
// watermarks and end of input; input queued until every channel spoke; input
// held while its channel is blocked; barriers and ends of input in every order.
#include <doctest/doctest.h>

#include <algorithm>
#include <map>
#include <vector>

#include "runtime/barrier_aligner.h"
#include "runtime/input_gate.h"

using namespace eddy;

namespace {

RecordBatchPtr batch() {
  auto b = std::make_shared<RecordBatch>();
  b->num_rows = 1;
  return b;
}

struct Credits {
  std::vector<std::pair<int, int32_t>> sent;
  InputGate::CreditSender sender() {
    return [this](int c, int32_t n) { sent.emplace_back(c, n); };
  }
};

StreamEvent watermark(int64_t w) { return StreamEvent{EventKind::kWatermark, w}; }
StreamEvent active() { return StreamEvent{EventKind::kIdleStatus, 0}; }

}  // namespace

TEST_CASE("each input has its own watermark; the subtask's is the least of both") {
  Credits credits;
  InputGate g({0, 0, 1}, 2, 2, 0, credits.sender());
  CHECK(g.input_of(1) == 0);
  CHECK(g.input_of(2) == 1);
  auto c = g.on_watermark(0, 100);
  CHECK(c.input == 0);
  CHECK_FALSE(c.input_watermark);
  c = g.on_watermark(1, 80);
  CHECK(c.input_watermark == std::optional<int64_t>(80));
  CHECK_FALSE(c.watermark);  // the right input has none yet
  c = g.on_watermark(2, 50);
  CHECK(c.input == 1);
  CHECK(c.input_watermark == std::optional<int64_t>(50));
  CHECK(c.watermark == std::optional<int64_t>(50));
  c = g.on_watermark(2, 120);
  CHECK(c.input_watermark == std::optional<int64_t>(120));
  CHECK(c.watermark == std::optional<int64_t>(80));
  CHECK(g.input_watermark(0) == 80);
  CHECK(g.input_watermark(1) == 120);
  CHECK(g.channel_watermark(0) == 100);
}

TEST_CASE("an input that ended or went idle holds the other's watermark back no more") {
  Credits credits;
  InputGate g({0, 1, 1}, 2, 2, 0, credits.sender());
  g.on_watermark(0, 100);
  g.on_watermark(1, 10);
  g.on_watermark(2, 20);
  CHECK(g.watermark() == 10);
  auto c = g.on_idle(1, true);  // the right input's channel 1 idles: channel 2 alone counts
  CHECK(c.input_watermark == std::optional<int64_t>(20));
  CHECK(c.watermark == std::optional<int64_t>(20));
  c = g.on_end_of_input(2);
  CHECK(c.input == 1);
  CHECK(c.input_ended == false);  // channel 1 is idle, not ended
  CHECK(c.watermark == std::optional<int64_t>(100));
  c = g.on_end_of_input(1);
  CHECK(c.input_ended);
  CHECK_FALSE(c.all_ended);
  CHECK(g.input_finished(1));
  CHECK_FALSE(g.input_finished(0));
  c = g.on_end_of_input(0);
  CHECK(c.input_ended);
  CHECK(c.all_ended);
}

TEST_CASE("each input grants credits from its own pool") {
  Credits credits;
  InputGate g({0, 1, 1}, 2, 1, 2, credits.sender());
  g.start();
  CHECK(credits.sent == std::vector<std::pair<int, int32_t>>{{0, 1}, {1, 1}, {2, 1}});
  CHECK(g.credits(0).channels() == 1);
  CHECK(g.credits(1).channels() == 2);
  credits.sent.clear();
  // A backlog on channel 2 draws on the right input's floating buffers only.
  REQUIRE(g.receive_batch(2, batch(), 5).is_ok());
  CHECK(credits.sent == std::vector<std::pair<int, int32_t>>{{2, 2}});
  CHECK(g.credits(0).floating_available() == 2);
  CHECK(g.credits(1).floating_available() == 0);
  CHECK_FALSE(g.receive_batch(3, batch(), 0).is_ok());  // no such channel
}

TEST_CASE("nothing is processed before every channel of both inputs spoke") {
  Credits credits;
  InputGate g({0, 1}, 2, 2, 0, credits.sender());
  g.start();
  REQUIRE(g.receive_batch(0, batch(), 0).is_ok());
  CHECK_FALSE(g.next(false));
  auto now = g.receive_event(0, watermark(5));
  REQUIRE(now.ok());
  CHECK_FALSE(*now);  // queued behind the batch
  now = g.receive_event(1, active());
  REQUIRE(now.ok());
  CHECK(*now);  // a channel's first status applies at once
  auto first = g.next(false);
  REQUIRE(first);
  CHECK(static_cast<bool>(first->batch));
  CHECK_FALSE(g.next(true));  // backpressured outputs: the watermark waits
  auto second = g.next(false);
  REQUIRE(second);
  CHECK(second->event->kind == EventKind::kWatermark);
}

TEST_CASE("a blocked channel's input is held and goes first when it is unblocked") {
  Credits credits;
  InputGate g({0, 1}, 2, 2, 0, credits.sender());
  g.start();
  REQUIRE(*g.receive_event(0, active()));
  REQUIRE(*g.receive_event(1, active()));
  g.block(1);
  REQUIRE(g.receive_batch(1, batch(), 0).is_ok());
  REQUIRE(g.receive_batch(0, batch(), 0).is_ok());
  auto item = g.next(false);
  REQUIRE(item);
  CHECK(item->channel == 0);
  CHECK_FALSE(g.next(false));
  g.release(0);
  g.unblock({1});
  item = g.next(false);
  REQUIRE(item);
  CHECK(item->channel == 1);
}

namespace {

/// A TaskRunner's input loop over an InputGate and a BarrierAligner, recording
/// what it processes and where the snapshot fell.
struct Loop {
  explicit Loop(std::vector<int> inputs)
      : gate(inputs, 2, 2, 0, [](int, int32_t) {}), aligner(static_cast<int>(inputs.size())) {
    gate.start();
  }
  void batch_on(int c, RecordBatchPtr b) {
    REQUIRE(gate.receive_batch(c, std::move(b), 0).is_ok());
    drain();
  }
  void event_on(int c, const StreamEvent& e) {
    auto now = gate.receive_event(c, e);
    REQUIRE(now.ok());
    if (*now) handle(c, e);
    drain();
  }
  void drain() {
    while (auto item = gate.next(false)) {
      if (item->batch) {
        processed.push_back(item->batch.get());
        gate.release(item->channel);
      } else {
        handle(item->channel, *item->event);
      }
    }
  }
  void handle(int c, const StreamEvent& e) {
    if (gate.finished(c)) return;
    if (e.kind == EventKind::kBarrier) {
      auto s = aligner.on_barrier(c, e.value);
      if (!s.released.empty()) gate.unblock(s.released);
      if (s.block) gate.block(c);
      if (s.aligned) snapshot();
      return;
    }
    auto change = gate.on_end_of_input(c);
    if (aligner.on_end_of_input(c)) snapshot();
    if (change.all_ended) ++ended;
  }
  void snapshot() {
    snapshots.push_back(processed.size());
    gate.unblock(aligner.release());
  }
  InputGate gate;
  BarrierAligner aligner;
  std::vector<const RecordBatch*> processed;
  std::vector<size_t> snapshots;  // how many batches were processed at each
  int ended = 0;
};

struct Message {
  int channel;
  enum { kBatch, kBarrier, kEnd } kind;
  RecordBatchPtr batch;
  bool after_barrier = false;
};

}  // namespace

TEST_CASE("barriers and ends of input of two inputs, in every order, snapshot exactly the input before the barrier") {
  // Channel 0 (left): batch, barrier, batch, end. Channels 1 and 2 (right):
  // batch, barrier, end, and barrier, batch, end. Every interleaving that
  // keeps each channel's order is delivered.
  const std::vector<int> inputs{0, 1, 1};
  std::vector<std::vector<Message>> scripts(3);
  auto add = [&](int c, decltype(Message::kBatch) kind, bool after) {
    scripts[static_cast<size_t>(c)].push_back(Message{c, kind, kind == Message::kBatch ? batch() : nullptr, after});
  };
  add(0, Message::kBatch, false), add(0, Message::kBarrier, false), add(0, Message::kBatch, true), add(0, Message::kEnd, true);
  add(1, Message::kBatch, false), add(1, Message::kBarrier, false), add(1, Message::kEnd, true);
  add(2, Message::kBarrier, false), add(2, Message::kBatch, true), add(2, Message::kEnd, true);
  // Orders as sequences of channel numbers: 0 four times, 1 and 2 three times each.
  std::vector<int> order{0, 0, 0, 0, 1, 1, 1, 2, 2, 2};
  int orders = 0;
  do {
    ++orders;
    Loop loop(inputs);
    std::vector<size_t> next(3, 0);
    for (int c : order) {
      const Message& m = scripts[static_cast<size_t>(c)][next[static_cast<size_t>(c)]++];
      if (m.kind == Message::kBatch) loop.batch_on(c, m.batch);
      else if (m.kind == Message::kBarrier) loop.event_on(c, StreamEvent{EventKind::kBarrier, 1});
      else loop.event_on(c, StreamEvent{EventKind::kEndOfInput, 0});
    }
    REQUIRE(loop.snapshots.size() == 1);
    CHECK(loop.ended == 1);
    REQUIRE(loop.processed.size() == 4);
    // The two batches before the barrier, and only they, precede the snapshot.
    for (size_t i = 0; i < loop.processed.size(); ++i) {
      bool after = false;
      for (const auto& s : scripts)
        for (const auto& m : s)
          if (m.batch.get() == loop.processed[i]) after = m.after_barrier;
      CHECK(after == (i >= loop.snapshots[0]));
    }
    // Each channel's batches in its order (channel 0 sent two).
    const auto first0 = std::find(loop.processed.begin(), loop.processed.end(), scripts[0][0].batch.get());
    const auto second0 = std::find(loop.processed.begin(), loop.processed.end(), scripts[0][2].batch.get());
    CHECK(first0 < second0);
  } while (std::next_permutation(order.begin(), order.end()));
  CHECK(orders == 4200);
}
