// Subtask actor: messages <-> TaskRunner calls, timers, completion and failure.
#include "actors/subtask.h"

#include <chrono>
#include <filesystem>
#include <unistd.h>

#include "actors/job_manager.h"
#include "checkpoint/checkpoint_storage.h"
#include "runtime/subtask_registry.h"
#include "runtime/task_runner.h"
#include "plan/source_alignment.h"
#include "state/local_state_dir.h"

namespace eddy {
namespace {

constexpr int kStepsPerMessage = 16;  // source batches per step message, then yield

struct SubtaskState;

/// Turns the runner's sends into actor messages along the wiring.
class ActorHost final : public TaskHost {
 public:
  ActorHost(caf::event_based_actor* self, SubtaskState& st) : self_(self), st_(st), me_(self->address()) {}
  void send_batch(int out_edge, int channel, const RecordBatchPtr& batch, int32_t backlog) override;
  void send_event(int out_edge, int channel, const StreamEvent& event) override;
  void send_credit(int input_channel, int32_t credits) override;
  void ack_checkpoint(int64_t barrier, const SubtaskSnapshot& snapshot) override;
  void decline_checkpoint(int64_t barrier, const std::string& reason) override;
  void snapshot_written(int64_t barrier) override;

 private:
  caf::event_based_actor* self_;
  SubtaskState& st_;
  caf::actor_addr me_;  // weak: the writer thread may outlive the actor
};

struct SubtaskState {
  JobGraphPtr graph;
  TaskDeployment deployment;
  SubtaskWiring wiring;
  std::unique_ptr<ActorHost> host;
  std::unique_ptr<TaskRunner> runner;
  bool flush_scheduled = false;
  int64_t timer_at = INT64_MAX;  // the processing-time timer message in flight, if any
  bool step_scheduled = false;
  bool waiting_for_split = false;
  bool backpressured = false;
  bool done = false;
  // Watermark alignment (source subtasks, runtime/watermark_alignment.h): the
  // drift allowed (0: none), what the coordinator was told last, and whether
  // the runner waits for the coordinator to raise its limit.
  int64_t align_drift_ms = 0;
  int64_t align_reported = INT64_MIN;
  bool align_reported_active = false;
  bool held = false;
  // For the task manager's stacks and sample answers; declared last, so it
  // unregisters before the runner (and its activity) goes.
  std::shared_ptr<SampleTap> tap;
  std::unique_ptr<SubtaskRegistration> registration;
  static const char* name;
};
const char* SubtaskState::name = "eddy.subtask";

void ActorHost::send_batch(int out_edge, int channel, const RecordBatchPtr& batch, int32_t backlog) {
  const auto& dest = st_.wiring.consumers[static_cast<size_t>(out_edge)][static_cast<size_t>(channel)];
  const int32_t in_ch = st_.wiring.consumer_channels[static_cast<size_t>(out_edge)][static_cast<size_t>(channel)];
  self_->send(dest, batch_atom::value, in_ch, backlog, BatchPayload{batch});
}

void ActorHost::send_event(int out_edge, int channel, const StreamEvent& event) {
  const auto& dest = st_.wiring.consumers[static_cast<size_t>(out_edge)][static_cast<size_t>(channel)];
  const int32_t in_ch = st_.wiring.consumer_channels[static_cast<size_t>(out_edge)][static_cast<size_t>(channel)];
  self_->send(dest, event_atom::value, in_ch, static_cast<int8_t>(event.kind), event.value);
}

void ActorHost::send_credit(int input_channel, int32_t credits) {
  const size_t c = static_cast<size_t>(input_channel);
  self_->send(st_.wiring.producers[c], credit_atom::value, st_.wiring.producer_edges[c],
              st_.wiring.producer_channels[c], credits);
}

void ActorHost::ack_checkpoint(int64_t barrier, const SubtaskSnapshot& snapshot) {
  self_->send(st_.wiring.checkpointer, ack_atom::value, barrier, st_.deployment.vertex,
              st_.deployment.subtask, snapshot);
}

void ActorHost::decline_checkpoint(int64_t barrier, const std::string& reason) {
  self_->send(st_.wiring.checkpointer, decline_atom::value, barrier, st_.deployment.vertex,
              st_.deployment.subtask, reason);
}

void ActorHost::snapshot_written(int64_t barrier) {
  // On the writer's thread: a message is the thread-safe way in, and the weak
  // address turns into nothing once the actor is gone.
  if (auto me = caf::actor_cast<caf::actor>(me_)) caf::anon_send(me, written_atom::value, barrier);
}

using self_ptr = caf::stateful_actor<SubtaskState>*;

/// At the start of a message: the thread running this subtask now (GET .../stacks).
void mark(self_ptr self) {
  if (self->state.registration) self->state.registration->mark_thread();
}

/// Registers the subtask, its tap and its activity with the process's registry.
void register_subtask(self_ptr self) {
  auto& st = self->state;
  const JobVertex& v = st.graph->vertices[static_cast<size_t>(st.deployment.vertex)];
  const LogicalNode& last = st.graph->nodes[static_cast<size_t>(v.nodes.back())];
  const SchemaPtr& schema = last.kind == NodeKind::kSink ? last.input_schema : last.output_schema;
  const bool changelog = last.kind == NodeKind::kSink
                             ? st.graph->nodes[static_cast<size_t>(last.input)].output_updating
                             : last.output_updating;
  st.tap = std::make_shared<SampleTap>(st.deployment.subtask, changelog, schema);
  st.runner->set_sample_tap(st.tap.get());
  auto entry = std::make_shared<RegisteredSubtask>();
  entry->job_id = st.deployment.job_id;
  entry->vertex = st.deployment.vertex;
  entry->subtask = st.deployment.subtask;
  entry->attempt = st.deployment.attempt;
  entry->tap = st.tap;
  entry->activity = &st.runner->activity();
  for (int e : v.outputs)
    entry->output_names.push_back(st.graph->vertices[static_cast<size_t>(st.graph->edges[static_cast<size_t>(e)].to_vertex)].name);
  st.registration = std::make_unique<SubtaskRegistration>(std::move(entry));
}

/// What the runner needs to know about checkpoints and faults of this deployment.
TaskOptions task_options(const SubtaskState& st) {
  TaskOptions o;
  const CheckpointSpec& ck = st.graph->spec.checkpoints;
  o.checkpoint_root = ck.dir;
  o.local_state_dir = (std::filesystem::path(process_local_dir(st.graph->spec.state_localdir)) /
                       ("job" + std::to_string(st.deployment.job_id) + "-" + std::to_string(st.deployment.attempt)))
                          .string();
  o.fail_after_records = st.deployment.fail_after_records;
  o.output_tag = st.deployment.job.run_tag.empty() ? format_job_id(st.deployment.job_id)
                                                   : st.deployment.job.run_tag;
  return o;
}

int64_t wall_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch()).count();
}

/// Sends the job master this subtask's metrics (docs/monitoring.md).
void report(self_ptr self) {
  auto& st = self->state;
  if (!st.runner) return;
  // The batches in the mailbox are the input's queue as much as those in the gate.
  SubtaskSample sample = st.runner->sample(wall_ms(), static_cast<int32_t>(self->mailbox().size()));
  sample.attempt = st.deployment.attempt;
  self->send(st.deployment.job_master, report_atom::value, std::move(sample));
}

/// The next report, metrics.interval from now (none when it is off).
void schedule_report(self_ptr self) {
  const int64_t us = self->state.graph->spec.metrics_interval_us;
  if (us > 0) self->delayed_send(self, std::chrono::microseconds(us), report_atom::value);
}

/// Reports `failure` with the counters as they are now (the job master's
/// summary of a failed job shows them), and stops.
void fail(self_ptr self, TaskFailure failure) {
  auto& st = self->state;
  if (st.done) return;
  st.done = true;
  if (st.runner) st.runner->close();
  report(self);  // the last sample: the summary's time split and queues
  self->send(st.deployment.job_master, failed_atom::value, st.deployment.vertex, st.deployment.subtask,
             std::move(failure), st.runner ? st.runner->metrics() : std::vector<OperatorMetrics>{});
  self->quit();
}

/// A failure of the subtask's own making (not an operator's), for this subtask.
TaskFailure own_failure(self_ptr self, const Status& status) {
  const auto& st = self->state;
  const JobVertex& v = st.graph->vertices[static_cast<size_t>(st.deployment.vertex)];
  return failure_from_status(status, v.name, st.deployment.subtask, v.parallelism);
}

/// A Status from the runner: the runner knows which operator raised it.
void fail(self_ptr self, const Status& status) {
  auto& st = self->state;
  fail(self, st.runner ? st.runner->failure(status) : own_failure(self, status));
}

void schedule_step(self_ptr self) {
  if (self->state.step_scheduled) return;
  self->state.step_scheduled = true;
  self->send(self, step_atom::value);
}

/// After every message: finish when done, keep the buffer timeout armed.
void after_message(self_ptr self) {
  auto& st = self->state;
  if (st.done || !st.runner) return;
  if (st.runner->finished()) {
    // A snapshot still being written belongs to a barrier that went
    // downstream: the checkpoint needs it acked, so end once it is (the
    // written message comes back here).
    if (st.runner->snapshot_writing()) return;
    st.done = true;
    // Checkpoints taken after this subtask ended carry its final state.
    std::string final_state;
    if (!st.graph->spec.checkpoints.dir.empty()) {
      auto bytes = st.runner->final_snapshot();
      if (!bytes.ok()) {
        st.done = false;
        return fail(self, bytes.status());
      }
      final_state = std::move(bytes).value();
    }
    st.runner->close();
    report(self);  // the last sample: the summary's time split and queues
    self->send(st.deployment.job_master, finished_atom::value, st.deployment.vertex,
               st.deployment.subtask, st.runner->metrics(), final_state);
    self->quit();
    return;
  }
  if (auto next = st.runner->next_timer_ms(); next && *next < st.timer_at) {
    st.timer_at = *next;
    const auto now = std::chrono::duration_cast<std::chrono::milliseconds>(
                         std::chrono::system_clock::now().time_since_epoch()).count();
    self->delayed_send(self, std::chrono::milliseconds(std::max<int64_t>(0, *next - now)),
                       ptimer_atom::value);
  }
  if (!st.flush_scheduled && st.runner->has_partial_output()) {
    st.flush_scheduled = true;
    self->delayed_send(self, std::chrono::microseconds(st.graph->spec.buffer_timeout_us),
                       buftimer_atom::value);
  }
}

void check(self_ptr self, const Status& st) {
  if (!st.is_ok()) fail(self, st);
  else after_message(self);
}

/// Tells the source coordinator where this subtask is, when it matters: held
/// back, reading or not as before, or a quarter of the drift further on.
void report_alignment(self_ptr self) {
  auto& st = self->state;
  if (st.align_drift_ms <= 0 || !st.wiring.coordinator) return;
  const int64_t wm = st.runner->source_watermark();
  const bool active = st.runner->source_active();
  const bool moved = wm != INT64_MIN && (st.align_reported == INT64_MIN ||
                                         wm - st.align_reported >= std::max<int64_t>(st.align_drift_ms / 4, 1));
  if (!st.held && active == st.align_reported_active && !moved) return;
  st.align_reported = wm;
  st.align_reported_active = active;
  self->send(st.wiring.coordinator, align_atom::value, st.deployment.subtask, wm, active, st.held);
}

void request_split(self_ptr self) {
  auto& st = self->state;
  if (st.waiting_for_split) return;
  st.waiting_for_split = true;
  // Enumerating a large file can take long; the coordinator is monitored
  // instead (see the down handler), so this request may wait without bound.
  self->request(st.wiring.coordinator, caf::infinite, split_atom::value, st.deployment.subtask)
      .then(
          [=](const SplitReply& reply) {
            self->state.waiting_for_split = false;
            if (!reply.error.empty()) return fail(self, own_failure(self, Status::invalid(reply.error)));
            if (!reply.has_split && reply.wait) {  // unbounded: splits may come later (pushed)
              self->state.runner->wait_for_splits();
              report_alignment(self);
              return schedule_step(self);
            }
            std::optional<Split> split;
            if (reply.has_split) split = reply.split;
            Status s = self->state.runner->on_split(split, reply.more);
            if (s.is_ok() && split) schedule_step(self);
            // No split left: the source ended, and must no longer hold the others back.
            if (s.is_ok() && !split) report_alignment(self);
            check(self, s);
          },
          [=](caf::error& err) {
            fail(self, own_failure(self, Status::internal("split request failed: " + self->system().render(err))));
          });
}

void run_source_steps(self_ptr self) {
  auto& st = self->state;
  for (int i = 0; i < kStepsPerMessage && !st.done; ++i) {
    auto step = st.runner->source_step();
    if (!step.ok()) return fail(self, step.status());
    switch (*step) {
      case SourceStep::kProduced: report_alignment(self); continue;
      case SourceStep::kIdle:
        st.step_scheduled = true;
        self->delayed_send(self, std::chrono::microseconds(std::max<int64_t>(st.runner->idle_us(), 100)),
                           step_atom::value);
        return after_message(self);
      case SourceStep::kNeedSplit: request_split(self); return after_message(self);
      case SourceStep::kBackpressured: st.backpressured = true; return after_message(self);
      case SourceStep::kHeldBack:
        st.held = true;
        report_alignment(self);
        return after_message(self);
      case SourceStep::kFinished: report_alignment(self); return after_message(self);
    }
  }
  schedule_step(self);
  after_message(self);
}

caf::behavior subtask_actor(self_ptr self, JobGraphPtr graph, TaskDeployment deployment) {
  self->state.graph = std::move(graph);
  self->state.deployment = std::move(deployment);
  self->set_exception_handler([=](std::exception_ptr& eptr) -> caf::error {
    // The runner turns what operators throw into a Status naming them; what
    // gets here came from outside an operator (routing, checkpoint packing).
    std::string what = "an exception that is not a std::exception";
    std::string hint;
    try {
      if (eptr) std::rethrow_exception(eptr);
    } catch (const std::bad_alloc&) {
      what = "ran out of memory (std::bad_alloc)";
      hint = "; give the task manager more memory or keep state on disk with state: {backend: rocksdb}";
    } catch (const std::exception& e) {
      what = std::string("threw: ") + e.what();
    } catch (...) {
    }
    fail(self, own_failure(self, Status::internal(what + hint)));
    return caf::exit_reason::unhandled_exception;
  });
  self->set_default_handler([=](caf::scheduled_actor*, caf::message_view& msg) -> caf::result<caf::message> {
    fail(self, own_failure(self, Status::internal("unexpected message " + to_string(msg.copy_content_to_message()))));
    return caf::sec::unexpected_message;
  });
  self->monitor(self->state.deployment.job_master);
  self->set_down_handler([=](caf::down_msg& dm) {
    auto& st = self->state;
    if (dm.source == st.deployment.job_master.address()) {
      // Nobody is left to report to: stop.
      st.done = true;
      if (st.runner) st.runner->close();
      self->quit(dm.reason);
    } else if (dm.source == st.wiring.coordinator.address()) {
      fail(self, lost_failure("the source coordinator stopped: " + exit_reason_text(dm.reason)));
    }
  });
  return {
      [=](wire_atom, const SubtaskWiring& wiring) -> caf::result<bool> {
        auto& st = self->state;
        st.wiring = wiring;
        if (st.wiring.coordinator) self->monitor(st.wiring.coordinator);
        st.host = std::make_unique<ActorHost>(self, st);
        st.runner = std::make_unique<TaskRunner>(st.graph, st.deployment.vertex,
                                                 st.deployment.subtask, *st.host, task_options(st));
        const JobVertex& vertex = st.graph->vertices[static_cast<size_t>(st.deployment.vertex)];
        st.align_drift_ms = source_alignment_drift_ms(*st.graph, vertex.nodes.front());
        register_subtask(self);
        Status s = st.runner->open();
        if (!s.is_ok()) {
          fail(self, s);
          return false;
        }
        if (!st.deployment.restore_path.empty()) {
          auto meta = CheckpointStorage::read_metadata(st.deployment.restore_path);
          s = meta.ok() ? st.runner->restore(st.deployment.restore_path, *meta) : meta.status();
          if (!s.is_ok()) {
            // Restartable only when reading failed for the moment (I/O); an incompatible one never restores.
            TaskFailure f = st.runner->failure(s);
            f.kind = FailureKind::kRestore;
            f.message = "restoring from " + st.deployment.restore_path + ": " + f.message;
            fail(self, std::move(f));
            return false;
          }
        }
        return true;
      },
      [=](split_atom, const SplitReply& pushed) {  // a split found later (unbounded sources)
        mark(self);
        auto& st = self->state;
        if (st.done || !st.runner || !pushed.has_split) return;
        Status s = st.runner->on_split(pushed.split, pushed.more);
        if (s.is_ok()) schedule_step(self);
        check(self, s);
      },
      [=](trigger_atom, int64_t barrier) {
        mark(self);
        if (self->state.done || !self->state.runner) return;
        check(self, self->state.runner->trigger_checkpoint(barrier));
      },
      [=](written_atom, int64_t barrier) {
        mark(self);
        if (self->state.done || !self->state.runner) return;
        check(self, self->state.runner->finish_snapshot(barrier));
      },
      [=](ckdone_atom, int64_t id) -> bool {
        auto& st = self->state;
        if (st.done || !st.runner) return false;
        Status s = st.runner->notify_checkpoint_complete(id);
        check(self, s);
        return s.is_ok();
      },
      [=](start_atom) {
        mark(self);
        auto& st = self->state;
        Status started = st.runner->start();
        if (st.runner->is_source()) request_split(self);
        schedule_report(self);
        check(self, started);
      },
      [=](batch_atom, int32_t channel, int32_t backlog, const BatchPayload& payload) {
        mark(self);
        if (self->state.done) return;
        check(self, self->state.runner->on_batch(channel, payload.batch, backlog));
      },
      [=](event_atom, int32_t channel, int8_t kind, int64_t value) {
        mark(self);
        if (self->state.done) return;
        check(self, self->state.runner->on_event(channel, StreamEvent{static_cast<EventKind>(kind), value}));
      },
      [=](credit_atom, int32_t edge, int32_t channel, int32_t credits) {
        mark(self);
        auto& st = self->state;
        if (st.done) return;
        Status s = st.runner->on_credit(edge, channel, credits);
        if (s.is_ok() && st.backpressured) {
          st.backpressured = false;
          schedule_step(self);
        }
        check(self, s);
      },
      [=](step_atom) {
        mark(self);
        self->state.step_scheduled = false;
        if (!self->state.done) run_source_steps(self);
      },
      [=](align_atom, int64_t limit) {
        auto& st = self->state;
        if (st.done || !st.runner) return;
        st.runner->set_alignment_limit(limit);
        if (st.held && st.runner->source_watermark() <= limit) {
          st.held = false;
          schedule_step(self);
        }
      },
      [=](ptimer_atom) {
        mark(self);
        auto& st = self->state;
        st.timer_at = INT64_MAX;
        if (st.done) return;
        const auto now = std::chrono::duration_cast<std::chrono::milliseconds>(
                             std::chrono::system_clock::now().time_since_epoch()).count();
        check(self, st.runner->fire_timers(now));
      },
      [=](buftimer_atom) {
        mark(self);
        self->state.flush_scheduled = false;
        if (!self->state.done) check(self, self->state.runner->on_flush_timer());
      },
      [=](metrics_atom) -> std::vector<OperatorMetrics> {  // the job master, as the job fails
        const auto& st = self->state;
        return st.runner ? st.runner->metrics() : std::vector<OperatorMetrics>{};
      },
      [=](report_atom) {
        if (self->state.done) return;
        report(self);
        schedule_report(self);
      },
  };
}

bool blocks_on_io(const JobGraph& graph, int vertex) {
  for (int idx : graph.vertices[static_cast<size_t>(vertex)].nodes) {
    const LogicalNode& n = graph.nodes[static_cast<size_t>(idx)];
    if (n.kind == NodeKind::kSource &&
        (graph.spec.sources[static_cast<size_t>(n.spec_index)].type == SourceType::kFile ||
         graph.spec.sources[static_cast<size_t>(n.spec_index)].type == SourceType::kKafka))
      return true;
    if (n.kind == NodeKind::kSink &&
        graph.spec.sinks[static_cast<size_t>(n.spec_index)].type != SinkType::kBlackhole)
      return true;
  }
  return false;
}

}  // namespace

caf::actor spawn_subtask(caf::actor_system& sys, JobGraphPtr graph, const TaskDeployment& deployment) {
  if (blocks_on_io(*graph, deployment.vertex))
    return sys.spawn<caf::detached>(subtask_actor, std::move(graph), deployment);
  return sys.spawn(subtask_actor, std::move(graph), deployment);
}

}  // namespace eddy
