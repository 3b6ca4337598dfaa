// TaskRunner: everything a subtask does, without actors. It hosts one chain of
// a JobGraph (optionally fed by a SourceReader), accounts input credits, routes
// output through one OutputRouter per output edge and keeps per-operator metrics.
// The subtask actor (actors/subtask.cpp) owns one and turns messages into calls;
// the TaskHost it implements turns the runner's sends back into messages.
#pragma once

#include <deque>
#include <memory>
#include <optional>
#include <vector>

#include "connectors/source.h"
#include "net/input_credits.h"
#include "net/output_router.h"
#include "net/wire.h"
#include "operators/operator.h"
#include "plan/job_graph.h"
#include "runtime/metrics.h"
#include "runtime/watermark_tracker.h"

namespace eddy {

/// What the runner asks of its host (the subtask actor).
class TaskHost {
 public:
  virtual ~TaskHost() = default;
  /// Send to consumer `channel` of output edge `out_edge` (position in vertex.outputs).
  virtual void send_batch(int out_edge, int channel, const RecordBatchPtr& batch, int32_t backlog) = 0;
  virtual void send_event(int out_edge, int channel, const StreamEvent& event) = 0;
  /// Grant `credits` more batches to the producer behind `input_channel`.
  virtual void send_credit(int input_channel, int32_t credits) = 0;
};

struct TaskOptions {
  int32_t exclusive_credits = 2;   // per input channel
  int32_t floating_credits = 8;    // per input gate, handed where backlog is largest
};

/// What a source subtask should do next.
enum class SourceStep {
  kProduced,        // a batch went out; step again soon
  kIdle,            // nothing to read yet; step again after idle_us()
  kNeedSplit,       // ask the source coordinator for a split, then call on_split()
  kBackpressured,   // outputs are full; step again when a credit arrives
  kFinished,        // input exhausted; end of input has been queued downstream
};

class TaskRunner {
 public:
  TaskRunner(JobGraphPtr graph, int vertex, int32_t subtask_index, TaskHost& host,
             TaskOptions options = {});
  ~TaskRunner();

  /// Builds and opens the chain (and reader). Call once before anything else.
  Status open();
  /// At start: initial credits for every input channel, and (not for sources)
  /// an initial idle status on every output channel. A source's first message
  /// is "active" when it gets a split or end of input when it gets none.
  /// Consumers process nothing before every input channel delivered its first
  /// message, so watermarks, and so lateness, depend on the data, not on timing.
  Status start();

  // -- consumers ---------------------------------------------------------------
  Status on_batch(int input_channel, RecordBatchPtr batch, int32_t backlog);
  Status on_event(int input_channel, const StreamEvent& event);

  // -- producers -----------------------------------------------------------------
  Status on_credit(int out_edge, int channel, int32_t credits);
  /// The buffer timeout fired: partial batches go out.
  Status on_flush_timer();
  bool has_partial_output() const;

  // -- sources -----------------------------------------------------------------------
  bool is_source() const { return reader_ != nullptr; }
  /// Reads one batch if outputs have room.
  Result<SourceStep> source_step();
  /// The coordinator's answer to a split request; nullopt: no more splits.
  Status on_split(const std::optional<Split>& split);
  int64_t idle_us() const { return idle_us_; }

  /// The earliest processing-time timer an operator of the chain registered.
  std::optional<int64_t> next_timer_ms() const;
  /// Runs the processing-time timers due at `now_ms`.
  Status fire_timers(int64_t now_ms);

  /// End of input reached, chain finished and every output sent.
  bool finished() const;
  /// Closes operators; safe to call more than once, also after a failure.
  void close();

  const std::vector<OperatorMetrics>& metrics() const { return metrics_; }
  const JobVertex& vertex() const { return graph_->vertices[static_cast<size_t>(vertex_)]; }
  int32_t subtask_index() const { return subtask_index_; }

 private:
  class ChainCollector;
  class OperatorTimers;
  struct PendingInput {
    int channel;
    RecordBatchPtr batch;
    std::optional<StreamEvent> event;
  };

  bool backpressured() const;
  Status process_input(int channel, const RecordBatchPtr& batch);
  Status handle_event(int channel, const StreamEvent& event);
  Status run_operator(size_t op, const RecordBatchPtr& batch);
  Status emit_from_chain(const RecordBatchPtr& batch);
  Status emit_to_routers(int node, int output, const RecordBatchPtr& batch);
  Status advance_watermark(int64_t watermark);
  void broadcast(const StreamEvent& event);
  void update_counters();
  Status source_event_time(const RecordBatch& batch);
  void source_idle_check();
  Status finish_chain();
  Status drain_pending();
  void drain_outputs();
  void release(int channel);
  void heard_from(int channel);
  void send_grants();

  JobGraphPtr graph_;
  int vertex_;
  int32_t subtask_index_;
  TaskHost& host_;
  TaskOptions options_;

  std::unique_ptr<SourceReader> reader_;
  bool has_split_ = false;
  bool input_done_ = false;
  int64_t idle_us_ = 0;

  std::vector<OperatorPtr> ops_;
  std::vector<std::unique_ptr<ChainCollector>> collectors_;  // collectors_[i] receives ops_[i]'s output
  std::vector<OperatorMetrics> metrics_;  // one per node of the chain (source included)
  size_t first_op_metric_ = 0;            // metrics_ index of ops_[0]

  std::vector<std::unique_ptr<OutputRouter>> routers_;  // one per output edge
  std::vector<std::pair<int, int>> router_sources_;      // per router: (node, output) it carries
  std::vector<std::unique_ptr<OperatorTimers>> timers_;  // one per operator
  std::unique_ptr<WatermarkTracker> watermarks_;
  bool forwarded_idle_ = false;
  bool status_announced_ = false;  // the first idle status has gone downstream
  // Sources with event time (docs/windows.md): W = max event time - out-of-orderness.
  int source_time_column_ = -1;
  int64_t out_of_orderness_ms_ = 0;
  int64_t idle_timeout_ns_ = 0;
  int64_t source_max_ts_ = kNoWatermark;
  int64_t output_watermark_ = kNoWatermark;
  bool source_idle_ = false;
  int64_t last_data_ns_ = 0;
  std::unique_ptr<InputCredits> credits_;
  int input_channels_ = 0;
  int finished_channels_ = 0;
  std::vector<bool> channel_finished_;
  std::vector<bool> channel_heard_;  // delivered at least one message
  int unheard_channels_ = 0;
  std::deque<PendingInput> pending_;
  std::vector<std::pair<int, int32_t>> grants_;  // scratch
  bool closed_ = false;
};

}  // namespace eddy
