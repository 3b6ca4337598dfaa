// Registration of eddy's message types and the scheduler defaults.
#include "actors/messages.h"

#include <algorithm>
#include <thread>

namespace eddy {

void add_message_types(caf::actor_system_config& cfg) {
  cfg.add_message_type<BatchPayload>("eddy.BatchPayload");
  cfg.add_message_type<Split>("eddy.Split");
  cfg.add_message_type<SplitReply>("eddy.SplitReply");
  cfg.add_message_type<OperatorMetrics>("eddy.OperatorMetrics");
  cfg.add_message_type<std::vector<OperatorMetrics>>("eddy.OperatorMetricsList");
  cfg.add_message_type<JobSubmission>("eddy.JobSubmission");
  cfg.add_message_type<JobAccepted>("eddy.JobAccepted");
  cfg.add_message_type<TaskDeployment>("eddy.TaskDeployment");
  cfg.add_message_type<SubtaskWiring>("eddy.SubtaskWiring");
  cfg.add_message_type<JobResult>("eddy.JobResult");
  cfg.add_message_type<InjectedFault>("eddy.InjectedFault");
  cfg.add_message_type<std::vector<InjectedFault>>("eddy.InjectedFaultList");
  cfg.add_message_type<StateFileRef>("eddy.StateFileRef");
  cfg.add_message_type<std::vector<StateFileRef>>("eddy.StateFileRefList");
  cfg.add_message_type<SubtaskSnapshot>("eddy.SubtaskSnapshot");
  cfg.add_message_type<CheckpointStats>("eddy.CheckpointStats");
  cfg.add_message_type<std::vector<caf::actor>>("eddy.ActorList");
  cfg.add_message_type<TaskManagerInfo>("eddy.TaskManagerInfo");
  cfg.add_message_type<std::vector<TaskManagerInfo>>("eddy.TaskManagerInfoList");
  cfg.add_message_type<std::vector<JobResult>>("eddy.JobResultList");
  cfg.add_message_type<TaskFailure>("eddy.TaskFailure");
  cfg.add_message_type<ChannelSample>("eddy.ChannelSample");
  cfg.add_message_type<std::vector<ChannelSample>>("eddy.ChannelSampleList");
  cfg.add_message_type<SubtaskCheckpointSample>("eddy.SubtaskCheckpointSample");
  cfg.add_message_type<SubtaskSample>("eddy.SubtaskSample");
  cfg.add_message_type<VertexLoad>("eddy.VertexLoad");
  cfg.add_message_type<std::vector<VertexLoad>>("eddy.VertexLoadList");
}

caf::error make_job_error(JobError code, std::string text) {
  return caf::error{static_cast<uint8_t>(code), caf::atom("eddy"), caf::make_message(std::move(text))};
}

bool is_job_error(const caf::error& err, JobError code) {
  return err.category() == caf::atom("eddy") && err.code() == static_cast<uint8_t>(code);
}

std::string describe_sender(const caf::strong_actor_ptr& sender) {
  return sender == nullptr ? std::string("an anonymous sender") : "node " + to_string(sender->node());
}

std::string error_text(caf::actor_system& sys, const caf::error& err) {
  if (err.category() == caf::atom("eddy") && err.context().match_elements<std::string>())
    return err.context().get_as<std::string>(0);
  std::string text = sys.render(err);
  const size_t open = text.find("(\"");
  const size_t close = text.rfind("\")");
  if (open == std::string::npos || close == std::string::npos || close <= open) return text;
  const std::string inner = text.substr(open + 2, close - open - 2);
  std::string out;
  for (size_t i = 0; i < inner.size(); ++i) {  // undo the escaping of the rendering
    if (inner[i] == '\\' && i + 1 < inner.size()) {
      ++i;
      out += inner[i] == 'n' ? '\n' : inner[i];
    } else {
      out += inner[i];
    }
  }
  return out;
}

std::string exit_reason_text(const caf::error& reason) {
  using caf::exit_reason;
  if (reason == exit_reason::remote_link_unreachable)
    return "its connection closed (the process died, or the network failed)";
  if (reason == exit_reason::normal) return "it stopped";
  if (reason == exit_reason::user_shutdown) return "it was shut down";
  if (reason == exit_reason::kill) return "it was killed";
  if (reason == exit_reason::unhandled_exception) return "it failed with an exception";
  return to_string(reason);
}

void apply_scheduler_defaults(caf::actor_system_config& cfg) {
  const size_t cores = std::max(1u, std::thread::hardware_concurrency());
  cfg.set("scheduler.max-threads", cores);
  // Bounded so a busy subtask yields its worker and control messages get through.
  cfg.set("scheduler.max-throughput", 64);
}

}  // namespace eddy
